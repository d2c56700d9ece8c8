package dev.parley.core.spi;

import java.util.concurrent.CompletionStage;

/**
 * Publish/subscribe of events by topic, so that one node and many nodes work the same way. Topics
 * are conversation rooms ({@code conversation:<id>}) and users ({@code user:<id>}); a node
 * subscribes to a topic while it has a local connection that wants it.
 *
 * <p>Delivery is at most once per subscribed node, and events published by one node on one topic
 * arrive in publish order, whole ({@link BrokerEvent#seq()} included). Across nodes there is no
 * order: the engine puts a room's messages back in seq order when it receives them.
 * {@link #publish} never blocks on the network.
 */
public interface Broker extends AutoCloseable {

    /** Starts delivering events of subscribed topics to {@code handler}. Called once, before anything else. */
    void start(Handler handler);

    /**
     * Begins receiving events of this topic on this node; idempotent; never blocks on the network.
     * The stage completes once the subscription is in effect: every event published after that, on
     * any node, reaches this node's handler. A subscription that fails is retried until it holds or
     * the topic is unsubscribed (then the stage fails); calling again returns the same pending stage.
     */
    CompletionStage<Void> subscribe(String topic);

    /** Stops receiving events of this topic on this node; idempotent; never blocks on the network. */
    void unsubscribe(String topic);

    /** Publishes an event to every node subscribed to the topic, this one included. */
    void publish(String topic, BrokerEvent event);

    /**
     * Whether events published here may reach connections of other nodes. A broker for one node
     * says no, which lets the engine skip events that no connection of its own would take (those of
     * an extension no connection negotiated); the default assumes other nodes.
     */
    default boolean spansNodes() {
        return true;
    }

    @Override
    default void close() {
    }

    /** Receives the events of subscribed topics. */
    @FunctionalInterface
    interface Handler {
        void onEvent(String topic, BrokerEvent event);
    }
}
