package dev.parley.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.parley.protocol.Extension;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Advanced presence (protocol 6.5). */
class PresenceExtensionTest extends EngineHarness {
    private Client alice;
    private Client bob;
    private String conv;

    @BeforeEach
    void setUp() {
        useConfig(EngineConfig.builder().extensions(Set.of(Extension.PRESENCE)).build());
        alice = login("alice", "presence");
        bob = login("bob", "presence");
        conv = createConversation(alice, "direct", "bob");
        bob.next("conversation_created");
        bob.call("join_conversation", "{\"conversationId\":\"" + conv + "\"}");
    }

    @Test
    void statusChangesReachContactsOncePerConnectionAndUsersCarryThem() {
        JsonObject set = payload(alice.call("set_presence", "{\"status\":\"away\",\"customStatus\":\"lunch\"}"));
        assertThat(set.get("status").getAsString()).isEqualTo("away");
        assertThat(set.get("customStatus").getAsString()).isEqualTo("lunch");
        assertThat(set.get("lastSeen").isJsonNull()).isTrue();
        JsonObject update = payload(bob.next("presence_update"));
        assertThat(update.get("userId").getAsString()).isEqualTo("alice");
        assertThat(update.get("status").getAsString()).isEqualTo("away");
        bob.transport.expectNothing(Duration.ofMillis(200)); // away sends no base event

        JsonArray participants = payload(bob.call("load_conversations", "{}")).getAsJsonArray("conversations")
                .get(0).getAsJsonObject().getAsJsonArray("participants");
        JsonObject aliceUser = participants.get(0).getAsJsonObject().getAsJsonObject("user");
        assertThat(aliceUser.get("status").getAsString()).isEqualTo("away");
        assertThat(aliceUser.get("custom_status").getAsString()).isEqualTo("lunch");
        assertThat(aliceUser.has("last_seen")).isTrue();

        // Absent customStatus keeps it; null clears it.
        assertThat(payload(alice.call("set_presence", "{\"status\":\"busy\"}")).get("customStatus").getAsString())
                .isEqualTo("lunch");
        assertThat(payload(alice.call("set_presence", "{\"status\":\"online\",\"customStatus\":null}"))
                .get("customStatus").isJsonNull()).isTrue();
        alice.callError("set_presence", "{\"status\":\"sleeping\"}", "INVALID_DATA");
        alice.callError("set_presence", "{\"status\":\"away\",\"customStatus\":\"" + "x".repeat(101) + "\"}",
                "PAYLOAD_TOO_LARGE");
    }

    @Test
    void invisibleLooksOfflineIncludingBaseEvents() {
        alice.call("set_presence", "{\"status\":\"offline\"}");
        assertThat(payload(bob.next("user_offline")).get("userId").getAsString()).isEqualTo("alice");
        JsonObject seen = payload(bob.call("get_presence", "{\"userIds\":[\"alice\"]}")).getAsJsonArray("presence")
                .get(0).getAsJsonObject();
        assertThat(seen.get("status").getAsString()).isEqualTo("offline");
        assertThat(seen.get("lastSeen").isJsonNull()).isFalse();
        alice.call("set_presence", "{\"status\":\"online\"}");
        bob.next("user_online");
    }

    @Test
    void lastDisconnectRecordsLastSeenAndFirstConnectComesBackOnline() {
        alice.close();
        JsonObject gone = payload(bob.next("presence_update"));
        assertThat(gone.get("status").getAsString()).isEqualTo("offline");
        assertThat(gone.get("lastSeen").getAsString()).isEqualTo("2025-03-01T09:00:00.000Z");
        Client back = login("alice", "presence");
        assertThat(payload(bob.next("presence_update")).get("status").getAsString()).isEqualTo("online");
        assertThat(back.session.isAuthenticated()).isTrue();
    }

    @Test
    void presenceIsVisibleOnlyToUsersWhoShareAConversation() {
        Client eve = login("eve", "presence");
        JsonArray forEve = payload(eve.call("get_presence", "{\"userIds\":[\"alice\",\"bob\",\"eve\"]}"))
                .getAsJsonArray("presence");
        assertThat(forEve).hasSize(1);
        assertThat(forEve.get(0).getAsJsonObject().get("userId").getAsString()).isEqualTo("eve");
        alice.call("set_presence", "{\"status\":\"busy\"}");
        eve.transport.expectNothing(Duration.ofMillis(200));
        JsonArray forBob = payload(bob.call("get_presence", "{\"userIds\":[\"alice\",\"eve\"]}")).getAsJsonArray("presence");
        assertThat(forBob).hasSize(1);
        assertThat(forBob.get(0).getAsJsonObject().get("status").getAsString()).isEqualTo("busy");
    }

    @Test
    void legacyConnectionsGetNoPresenceUpdates() {
        Client legacyBob = login("bob");
        alice.call("set_presence", "{\"status\":\"away\"}");
        bob.next("presence_update");
        legacyBob.transport.expectNothing(Duration.ofMillis(200));
    }
}
