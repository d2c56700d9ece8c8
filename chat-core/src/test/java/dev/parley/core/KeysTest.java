package dev.parley.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.parley.protocol.Extension;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The public-key directory (protocol 6.11). */
class KeysTest extends EngineHarness {
    private Client alice;
    private Client bob;

    @BeforeEach
    void setUp() {
        useConfig(EngineConfig.builder().extensions(Set.of(Extension.KEYS)).build());
        alice = login("alice", "keys");
        bob = login("bob", "keys");
        createConversation(alice, "direct", "bob");
        bob.next("conversation_created");
    }

    @Test
    void publishedKeysHaveAFingerprintAndReachContacts() {
        JsonObject published = payload(alice.call("publish_key", "{\"publicKey\":\"abc\",\"keyType\":\"x25519\"}"));
        // SHA-256 of "abc"
        assertThat(published.get("fingerprint").getAsString())
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        JsonObject update = payload(bob.next("key_updated"));
        assertThat(update.get("userId").getAsString()).isEqualTo("alice");
        assertThat(update.get("keyType").getAsString()).isEqualTo("x25519");

        JsonArray keys = payload(bob.call("get_keys", "{\"userIds\":[\"alice\"]}")).getAsJsonArray("keys");
        assertThat(keys).hasSize(1);
        assertThat(keys.get(0).getAsJsonObject().get("publicKey").getAsString()).isEqualTo("abc");

        alice.call("publish_key", "{\"publicKey\":\"def\",\"keyType\":\"x25519\"}");
        alice.call("publish_key", "{\"publicKey\":\"kem\",\"keyType\":\"ml-kem-1024\"}");
        assertThat(payload(bob.call("get_keys", "{\"userIds\":[\"alice\"]}")).getAsJsonArray("keys")).hasSize(2);
        JsonArray onlyX = payload(bob.call("get_keys", "{\"userIds\":[\"alice\"],\"keyType\":\"x25519\"}")).getAsJsonArray("keys");
        assertThat(onlyX).hasSize(1);
        assertThat(onlyX.get(0).getAsJsonObject().get("publicKey").getAsString()).isEqualTo("def");
    }

    @Test
    void strangersGetNoKeysAndNoEvents() {
        Client eve = login("eve", "keys");
        alice.call("publish_key", "{\"publicKey\":\"abc\",\"keyType\":\"x25519\"}");
        eve.transport.expectNothing(Duration.ofMillis(200));
        assertThat(payload(eve.call("get_keys", "{\"userIds\":[\"alice\"]}")).getAsJsonArray("keys")).isEmpty();
    }

    @Test
    void keyRulesAndPublishRate() {
        alice.callError("publish_key", "{\"publicKey\":\"abc\",\"keyType\":\"Bad Type\"}", "INVALID_DATA");
        alice.callError("publish_key", "{\"publicKey\":\"" + "k".repeat(8193) + "\",\"keyType\":\"x\"}", "PAYLOAD_TOO_LARGE");
        alice.callError("publish_key", "{\"keyType\":\"x\"}", "MISSING_REQUIRED_FIELDS");
        for (int i = 0; i < 10; i++) {
            alice.call("publish_key", "{\"publicKey\":\"k" + i + "\",\"keyType\":\"x\"}");
        }
        alice.callError("publish_key", "{\"publicKey\":\"k\",\"keyType\":\"x\"}", "RATE_LIMITED");
    }
}
