package dev.parley.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import java.time.Duration;
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
}
