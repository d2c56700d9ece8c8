package dev.parley.loadtest;

import dev.parley.core.spi.Broker;
import dev.parley.core.spi.BrokerEvent;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Joins engines in one JVM into a cluster for tests: every event a node publishes reaches every
 * node's handler (each engine delivers only to its own connections of the topic). Together with
 * one shared store, users on different nodes chat as with Redis, without needing a Redis.
 */
final class SharedBroker {
    private final List<Broker.Handler> handlers = new CopyOnWriteArrayList<>();

    /** The broker of one more node. */
    Broker node() {
        return new Broker() {
            @Override
            public void start(Handler handler) {
                handlers.add(handler);
            }

            @Override
            public CompletionStage<Void> subscribe(String topic) {
                return CompletableFuture.completedStage(null);
            }

            @Override
            public void unsubscribe(String topic) {
            }

            @Override
            public void publish(String topic, BrokerEvent event) {
                handlers.forEach(h -> h.onEvent(topic, event));
            }
        };
    }
}
