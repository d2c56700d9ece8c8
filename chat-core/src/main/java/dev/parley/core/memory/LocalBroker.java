package dev.parley.core.memory;

import dev.parley.core.spi.Broker;
import dev.parley.core.spi.BrokerEvent;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The one-node {@link Broker}: a publish is delivered at once, on the publishing thread, to this
 * node's handler. The engine keeps its own local subscriptions, so subscribing here is a no-op.
 */
public final class LocalBroker implements Broker {
    private volatile Handler handler;

    @Override
    public void start(Handler h) {
        this.handler = h;
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
        Handler h = handler;
        if (h == null) {
            throw new IllegalStateException("broker not started");
        }
        h.onEvent(topic, event);
    }

    @Override
    public boolean spansNodes() {
        return false;
    }
}
