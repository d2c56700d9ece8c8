package dev.parley.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.parley.core.memory.LocalBroker;
import dev.parley.core.spi.Broker;
import dev.parley.core.spi.BrokerEvent;
import dev.parley.core.testkit.TestAuthenticator;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * The engine's side of several nodes, with this engine as one node: message events another node
 * publishes ahead of their turn wait for it (on the engine's clock), and a first {@code auth} is
 * answered only once the broker delivers the user's events here.
 */
class RoomOrderTest extends EngineHarness {

    private static String topic(String conv) {
        return RoomRegistry.conversationTopic(conv);
    }

    /** A message_received as another node would publish it (the frame is opaque to this node). */
    private static BrokerEvent remoteMessage(String conv, long seq, String text) {
        String frame = "{\"type\":\"message_received\",\"payload\":{\"message\":{\"conversation_id\":\"" + conv
                + "\",\"seq\":" + seq + ",\"encrypted_content\":\"" + text + "\"}},\"requestId\":\"e" + seq
                + "\",\"timestamp\":\"2025-03-01T09:00:00.000Z\"}";
        return BrokerEvent.toAll(frame).withSeq(seq);
    }

    private static String content(JsonObject messageReceived) {
        return payload(messageReceived).getAsJsonObject("message").get("encrypted_content").getAsString();
    }

    private static long seq(JsonObject messageReceived) {
        return payload(messageReceived).getAsJsonObject("message").get("seq").getAsLong();
    }

    @Test
    void aMessageFromAnotherNodeAheadOfItsTurnWaitsForTheMissingOneOrTheWindow() {
        Client alice = login("alice");
        Client bob = login("bob");
        String conv = createConversation(alice, "direct", "bob");
        bob.call("join_conversation", "{\"conversationId\":\"" + conv + "\"}");
        alice.call("send_message", "{\"conversationId\":\"" + conv + "\",\"content\":\"one\"}");
        assertThat(seq(bob.next("message_received"))).isEqualTo(1);

        // Another node appended seq 3 while alice's seq 2 is still on its way.
        engine.rooms().deliver(topic(conv), remoteMessage(conv, 3, "three, from the other node"));
        bob.transport.expectNothing(Duration.ofMillis(300));
        alice.call("send_message", "{\"conversationId\":\"" + conv + "\",\"content\":\"two\"}");
        JsonObject two = bob.transport.next();
        assertThat(content(two)).isEqualTo("two");
        assertThat(seq(two)).isEqualTo(2);
        JsonObject three = bob.transport.next();
        assertThat(content(three)).isEqualTo("three, from the other node");

        // seq 4 never comes (lost on the way): 5 waits the window on the engine's clock, then goes out.
        engine.rooms().deliver(topic(conv), remoteMessage(conv, 5, "five"));
        engine.sweep();
        bob.transport.expectNothing(Duration.ofMillis(300));
        clock.advance(EngineConfig.DEFAULTS.reorderWindow());
        engine.sweep();
        assertThat(content(bob.transport.next())).isEqualTo("five");
        assertThat(engine.stats().counters()).containsEntry("reorderSkippedSeqs", 1L).containsEntry("reorderHeld", 2L);
    }

    @Test
    void aRoomsOrderIsForgottenWithItsLastLocalConnection() {
        Client alice = login("alice");
        Client bob = login("bob");
        String conv = createConversation(alice, "direct", "bob");
        bob.call("join_conversation", "{\"conversationId\":\"" + conv + "\"}");
        alice.call("send_message", "{\"conversationId\":\"" + conv + "\",\"content\":\"one\"}");
        bob.next("message_received");
        assertThat(engine.rooms().orderedRooms()).isEqualTo(1);

        alice.call("leave_conversation", "{\"conversationId\":\"" + conv + "\"}");
        assertThat(engine.rooms().orderedRooms()).as("bob is still there").isEqualTo(1);
        bob.call("leave_conversation", "{\"conversationId\":\"" + conv + "\"}");
        assertThat(engine.rooms().orderedRooms()).isZero();

        // An event on its way when the room emptied leaves nothing behind.
        engine.rooms().deliver(topic(conv), remoteMessage(conv, 9, "late"));
        assertThat(engine.rooms().orderedRooms()).isZero();

        bob.call("join_conversation", "{\"conversationId\":\"" + conv + "\"}");
        engine.rooms().deliver(topic(conv), remoteMessage(conv, 7, "after rejoining"));
        assertThat(content(bob.next("message_received"))).as("a fresh expectation: nothing waits for 2")
                .isEqualTo("after rejoining");
    }

    /** A one-node broker whose subscriptions to user topics take effect when the test says so. */
    private static final class SlowUserTopics implements Broker {
        final LocalBroker local = new LocalBroker();
        final Map<String, CompletableFuture<Void>> pending = new ConcurrentHashMap<>();

        @Override
        public void start(Handler handler) {
            local.start(handler);
        }

        @Override
        public CompletionStage<Void> subscribe(String topic) {
            if (!topic.startsWith(RoomRegistry.USER)) {
                return local.subscribe(topic);
            }
            return pending.computeIfAbsent(topic, t -> new CompletableFuture<>()).minimalCompletionStage();
        }

        @Override
        public void unsubscribe(String topic) {
            CompletableFuture<Void> f = pending.remove(topic);
            if (f != null) {
                f.cancel(false);
            }
        }

        @Override
        public void publish(String topic, BrokerEvent event) {
            local.publish(topic, event);
        }
    }

    private ChatEngine engineOn(Broker broker, EngineConfig config) {
        ChatEngine e = ChatEngine.builder().store(store).authenticator(new TestAuthenticator()).clock(clock)
                .broker(broker).config(config).build();
        e.start();
        engine = e;
        return e;
    }

    @Test
    void authSuccessWaitsUntilTheUsersEventsAreReceived() {
        SlowUserTopics broker = new SlowUserTopics();
        try (ChatEngine e = engineOn(broker, EngineConfig.DEFAULTS)) {
            Client alice = connect();
            String id = alice.send("auth", "{\"token\":\"" + TestAuthenticator.token("alice") + "\"}");
            alice.transport.expectNothing(Duration.ofMillis(300));
            assertThat(e.stats().authenticatedConnections()).isZero();
            broker.pending.get(RoomRegistry.userTopic("alice")).complete(null);
            JsonObject answer = alice.answer(id);
            assertThat(answer.get("type").getAsString()).isEqualTo("auth_success");
            assertThat(alice.call("load_conversations", "{}").get("type").getAsString())
                    .isEqualTo("conversations_loaded");
        }
    }

    @Test
    void anAuthWhoseEventsCannotBeSubscribedInTimeIsAnsweredAfterTheTimeoutAndKeepsSubscribing() {
        SlowUserTopics broker = new SlowUserTopics();
        EngineConfig config = EngineConfig.builder().subscribeTimeout(Duration.ofMillis(300)).build();
        try (ChatEngine e = engineOn(broker, config)) {
            Client alice = connect();
            long start = System.nanoTime();
            String id = alice.send("auth", "{\"token\":\"" + TestAuthenticator.token("alice") + "\"}");
            assertThat(alice.answer(id).get("type").getAsString()).isEqualTo("auth_success");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("waited for the subscription first")
                    .isGreaterThanOrEqualTo(Duration.ofMillis(300));
            assertThat(alice.call("load_conversations", "{}").get("type").getAsString())
                    .isEqualTo("conversations_loaded");
            assertThat(e.stats().onlineUsers()).containsExactly("alice");
            assertThat(e.stats().counters()).containsEntry("authWithoutSubscription", 1L);
            assertThat(broker.pending).as("the broker keeps trying: not given up")
                    .containsKey(RoomRegistry.userTopic("alice"));
        }
    }
}
