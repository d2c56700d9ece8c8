package dev.parley.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.parley.core.memory.LocalTypingStore;
import dev.parley.core.spi.StoreException;
import dev.parley.core.spi.TypingStore;
import dev.parley.core.testkit.TestAuthenticator;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TypingPresenceTest extends EngineHarness {

    @Test
    void typingIsAcknowledgedAndBroadcastToOtherUsersOnlyOnChange() {
        Client alice = login("alice");
        Client bob = login("bob");
        String conv = createConversation(alice, "direct", "bob");
        bob.next("conversation_created");
        bob.call("join_conversation", "{\"conversationId\":\"" + conv + "\"}");
        JsonObject ack = alice.call("typing_start", "{\"conversationId\":\"" + conv + "\"}");
        assertThat(ack.get("type").getAsString()).isEqualTo("typing_start");
        assertThat(payload(ack).get("isTyping").getAsBoolean()).isTrue();
        JsonObject update = bob.next("typing_update");
        assertThat(payload(update).get("userId").getAsString()).isEqualTo("alice");
        assertThat(payload(update).get("username").getAsString()).isEqualTo("alice");
        assertThat(payload(update).get("isTyping").getAsBoolean()).isTrue();

        alice.call("typing_start", "{\"conversationId\":\"" + conv + "\"}");
        bob.transport.expectNothing(Duration.ofMillis(200));
        alice.transport.expectNothing(Duration.ofMillis(50));

        JsonObject stop = alice.call("typing_stop", "{\"conversationId\":\"" + conv + "\"}");
        assertThat(payload(stop).get("isTyping").getAsBoolean()).isFalse();
        assertThat(payload(bob.next("typing_update")).get("isTyping").getAsBoolean()).isFalse();
    }

    @Test
    void typingExpiresAfterTenSeconds() {
        Client alice = login("alice");
        Client bob = login("bob");
        String conv = createConversation(alice, "direct", "bob");
        bob.next("conversation_created");
        bob.call("join_conversation", "{\"conversationId\":\"" + conv + "\"}");
        alice.call("typing_start", "{\"conversationId\":\"" + conv + "\"}");
        bob.next("typing_update");
        clock.advance(Duration.ofSeconds(9));
        engine.sweep();
        bob.transport.expectNothing(Duration.ofMillis(200));
        clock.advance(Duration.ofSeconds(1));
        engine.sweep();
        assertThat(payload(bob.next("typing_update")).get("isTyping").getAsBoolean()).isFalse();
    }

    @Test
    void sendingAndDisconnectingEndTyping() {
        Client alice = login("alice");
        Client bob = login("bob");
        String conv = createConversation(alice, "direct", "bob");
        bob.call("join_conversation", "{\"conversationId\":\"" + conv + "\"}");
        alice.call("typing_start", "{\"conversationId\":\"" + conv + "\"}");
        bob.next("typing_update");
        alice.call("send_message", "{\"conversationId\":\"" + conv + "\",\"content\":\"hi\"}");
        bob.next("message_received");
        assertThat(payload(bob.next("typing_update")).get("isTyping").getAsBoolean()).isFalse();

        alice.call("typing_start", "{\"conversationId\":\"" + conv + "\"}");
        bob.next("typing_update");
        alice.close();
        assertThat(payload(bob.next("typing_update")).get("isTyping").getAsBoolean()).isFalse();
    }

    @Test
    void onlineOnFirstConnectionOfflineOnLastToOtherUsersJoinedConnections() {
        Client alice = login("alice");
        Client bob = login("bob");
        String conv = createConversation(bob, "direct", "alice");
        alice.close();
        JsonObject offline = bob.next("user_offline");
        assertThat(payload(offline).get("userId").getAsString()).isEqualTo("alice");
        assertThat(payload(offline).get("conversationId").getAsString()).isEqualTo(conv);

        Client a1 = login("alice");
        JsonObject online = bob.next("user_online");
        assertThat(payload(online).get("userId").getAsString()).isEqualTo("alice");
        Client a2 = login("alice");
        bob.transport.expectNothing(Duration.ofMillis(200));
        a1.close();
        bob.transport.expectNothing(Duration.ofMillis(200));
        a2.close();
        bob.next("user_offline");
    }

    @Test
    void aSendIsAnsweredOnceWhenEndingTheSendersTypingFails() {
        TypingStore local = new LocalTypingStore();
        TypingStore stopFails = new TypingStore() {
            @Override
            public boolean start(String c, String u, String name, Instant expiresAt, Instant now) {
                return local.start(c, u, name, expiresAt, now);
            }

            @Override
            public boolean stop(String c, String u) {
                throw new StoreException("typing store unreachable", new IllegalStateException("down"));
            }

            @Override
            public List<String> typingIn(String c, Instant now) {
                return local.typingIn(c, now);
            }

            @Override
            public List<String> conversationsOf(String u, Instant now) {
                return local.conversationsOf(u, now);
            }

            @Override
            public List<Expired> claimExpired(Instant now) {
                return local.claimExpired(now);
            }
        };
        engine = ChatEngine.builder().store(store).authenticator(new TestAuthenticator()).clock(clock)
                .typingStore(stopFails).build();
        engine.start();
        try {
            Client alice = login("alice");
            login("bob");
            String conv = createConversation(alice, "direct", "bob");
            alice.call("typing_start", "{\"conversationId\":\"" + conv + "\"}");
            String id = alice.send("send_message", "{\"conversationId\":\"" + conv + "\",\"content\":\"hi\"}");
            List<String> answers = new java.util.ArrayList<>();
            for (JsonObject f = alice.transport.poll(Duration.ofSeconds(2)); f != null;
                    f = alice.transport.poll(Duration.ofMillis(300))) {
                if (f.has("requestId") && id.equals(f.get("requestId").getAsString())) {
                    answers.add(f.get("type").getAsString());
                }
            }
            assertThat(answers).as("one answer, not a SERVER_ERROR after it").containsExactly("message_sent");
        } finally {
            engine.close();
        }
    }
}
