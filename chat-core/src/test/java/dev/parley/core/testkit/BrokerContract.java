package dev.parley.core.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.spi.Broker;
import dev.parley.core.spi.BrokerEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Broker} must do. Implementations extend this class and create brokers that
 * share a backend, so that two instances behave as two nodes. Single-node brokers return false
 * from {@link #connectsNodes()}, and the cross-node tests are skipped for them.
 */
public abstract class BrokerContract {
    private final List<Broker> brokers = new ArrayList<>();

    /** A new, not yet started broker; every broker made in one test shares the same backend. */
    protected abstract Broker newBroker();

    /** Whether two brokers from {@link #newBroker()} reach each other (a cluster broker). */
    protected abstract boolean connectsNodes();

    /** Waits until a subscription is effective (a remote broker subscribes asynchronously). */
    protected void awaitSubscribed() {
    }

    @AfterEach
    void closeBrokers() {
        brokers.forEach(Broker::close);
    }

    private Node node() {
        Node n = new Node(newBroker());
        brokers.add(n.broker);
        n.broker.start((topic, event) -> n.received.add(new Received(topic, event)));
        return n;
    }

    @Test
    void publishedEventReachesTheSubscribedNodeIntact() {
        Node a = node();
        a.broker.subscribe("conversation:c1");
        awaitSubscribed();
        BrokerEvent event = new BrokerEvent("{\"type\":\"x\",\"emoji\":\"\uD83D\uDE00\"}", Map.of("u1", "own-frame"),
                "u2", "s-9", "reactions", 42);
        a.broker.publish("conversation:c1", event);
        List<Received> got = a.await(1);
        assertThat(got).hasSize(1);
        assertThat(got.get(0).topic).isEqualTo("conversation:c1");
        assertThat(got.get(0).event).isEqualTo(event);
    }

    @Test
    void eventsOfOneTopicArriveOnceInPublishOrder() {
        Node a = node();
        a.broker.subscribe("conversation:order");
        awaitSubscribed();
        for (int i = 0; i < 500; i++) {
            a.broker.publish("conversation:order", BrokerEvent.toAll("m" + i));
        }
        List<Received> got = a.await(500);
        assertThat(got).hasSize(500);
        for (int i = 0; i < 500; i++) {
            assertThat(got.get(i).event.frame()).isEqualTo("m" + i);
        }
    }

    @Test
    void afterSubscribeCompletesEveryLaterPublishFromAnyNodeArrives() throws Exception {
        Node a = node();
        Node b = connectsNodes() ? node() : a;
        for (int round = 0; round < 20; round++) {
            String topic = "conversation:fresh-" + round;
            // No waiting beyond the stage itself: that is what a join relies on before it answers.
            a.broker.subscribe(topic).toCompletableFuture().get(10, TimeUnit.SECONDS);
            b.broker.publish(topic, BrokerEvent.toAll("first on " + topic));
        }
        List<Received> got = a.await(20);
        assertThat(got).extracting(r -> r.event.frame()).hasSize(20);
        for (int round = 0; round < 20; round++) {
            assertThat(got.get(round).event.frame()).isEqualTo("first on conversation:fresh-" + round);
        }
    }

    @Test
    void subscribingAgainReturnsTheSameSubscriptionOnceInEffect() throws Exception {
        Node a = node();
        a.broker.subscribe("user:again").toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(a.broker.subscribe("user:again").toCompletableFuture().get(10, TimeUnit.SECONDS)).isNull();
        a.broker.publish("user:again", BrokerEvent.toAll("once"));
        assertThat(a.await(1)).hasSize(1);
        a.expectNoMore(1);
    }

    @Test
    void subscribingTwiceDeliversOnce() {
        Node a = node();
        a.broker.subscribe("user:u1");
        a.broker.subscribe("user:u1");
        awaitSubscribed();
        a.broker.publish("user:u1", BrokerEvent.toAll("once"));
        assertThat(a.await(1)).hasSize(1);
        a.expectNoMore(1);
    }

    @Test
    void otherNodesReceiveOnlyTopicsTheySubscribed() {
        org.junit.jupiter.api.Assumptions.assumeTrue(connectsNodes(), "single-node broker");
        Node a = node();
        Node b = node();
        b.broker.subscribe("conversation:shared");
        awaitSubscribed();
        a.broker.publish("conversation:shared", BrokerEvent.toAll("hello"));
        a.broker.publish("conversation:other", BrokerEvent.toAll("not for b"));
        assertThat(b.await(1).get(0).event.frame()).isEqualTo("hello");
        b.expectNoMore(1);

        b.broker.unsubscribe("conversation:shared");
        awaitSubscribed();
        a.broker.publish("conversation:shared", BrokerEvent.toAll("after unsubscribe"));
        b.expectNoMore(1);
    }

    private record Received(String topic, BrokerEvent event) {
    }

    private static final class Node {
        final Broker broker;
        final CopyOnWriteArrayList<Received> received = new CopyOnWriteArrayList<>();

        Node(Broker broker) {
            this.broker = broker;
        }

        List<Received> await(int count) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (received.size() < count && System.nanoTime() < deadline) {
                sleep(5);
            }
            return List.copyOf(received);
        }

        void expectNoMore(int count) {
            sleep(300);
            assertThat(received).hasSize(count);
        }

        private static void sleep(long ms) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
