package dev.parley.cluster.redis;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import dev.parley.core.spi.Broker;
import dev.parley.core.spi.BrokerEvent;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Broker} on Redis pub/sub: one channel per topic ({@code <prefix>:<topic>}), subscribed
 * while this node has a local connection on the topic, so a node receives only its own rooms.
 *
 * <p>A publish is delivered to this node's handler at once, on the caller's thread, and then sent
 * to Redis asynchronously, tagged with this node's id; the node ignores its own echo. So local
 * delivery goes on while Redis is down (remote nodes then miss those events: delivery is at most
 * once). All publishes leave on one connection in call order, which keeps each topic's events in
 * publish order. After a reconnect every current topic is subscribed again.
 */
public final class RedisBroker implements Broker {
    private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    /** What travels on a channel: the event and the node that published it. */
    record Wire(String node, BrokerEvent event) {
    }

    private final RedisConnections redis;
    private final StatefulRedisPubSubConnection<String, String> pubSub;
    private final String channelPrefix;
    private final String nodeId;
    private final Set<String> topics = ConcurrentHashMap.newKeySet();
    // Topics whose UNSUBSCRIBE failed during an outage: sent again after the reconnect.
    private final Set<String> unsubscribeAgain = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean publishFailing = new AtomicBoolean();
    private final AtomicLong droppedPublishes = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Listener listener = new Listener();
    private volatile Handler handler;
    // Subscription commands leave in order on one connection: the last one done means all are done.
    private CompletableFuture<?> lastSubscriptionChange = CompletableFuture.completedFuture(null);

    RedisBroker(RedisConnections redis) {
        this.redis = redis;
        this.pubSub = redis.pubSub();
        this.channelPrefix = redis.settings().keyPrefix() + ":";
        this.nodeId = redis.settings().nodeId();
    }

    @Override
    public void start(Handler h) {
        if (handler != null) {
            throw new IllegalStateException("broker already started");
        }
        handler = h;
        pubSub.addListener((RedisPubSubAdapter<String, String>) listener);
        pubSub.addListener((RedisConnectionStateListener) listener);
    }

    @Override
    public synchronized void subscribe(String topic) {
        unsubscribeAgain.remove(topic);
        if (topics.add(topic)) {
            sendSubscription(topic, true);
        }
    }

    @Override
    public synchronized void unsubscribe(String topic) {
        if (topics.remove(topic)) {
            sendSubscription(topic, false);
        }
    }

    private void sendSubscription(String topic, boolean subscribe) {
        String channel = channelPrefix + topic;
        CompletableFuture<?> f;
        try {
            f = (subscribe ? pubSub.async().subscribe(channel) : pubSub.async().unsubscribe(channel))
                    .toCompletableFuture();
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        lastSubscriptionChange = f;
        f.whenComplete((r, e) -> {
            if (e != null && !subscribe) {
                unsubscribeAgain.add(topic);
            }
            // A failed SUBSCRIBE needs nothing: the topic stays in 'topics', subscribed again on reconnect.
        });
    }

    @Override
    public void publish(String topic, BrokerEvent event) {
        Handler h = handler;
        if (h == null) {
            throw new IllegalStateException("broker not started");
        }
        h.onEvent(topic, event);
        if (closed.get() || !redis.isOpen()) {
            return;
        }
        String payload = GSON.toJson(new Wire(nodeId, event));
        try {
            redis.commands().async().publish(channelPrefix + topic, payload).whenComplete((receivers, e) -> {
                if (e != null) {
                    publishFailed(e);
                } else {
                    publishSucceeded();
                }
            });
        } catch (RuntimeException e) {
            publishFailed(e);
        }
    }

    private void publishFailed(Throwable e) {
        if (closed.get() || !redis.isOpen()) {
            return; // shutting down: nothing to report
        }
        droppedPublishes.incrementAndGet();
        if (publishFailing.compareAndSet(false, true)) {
            log.warn("Publishing to Redis failed; other nodes miss events until it is back ({})", e.toString());
        }
    }

    private void publishSucceeded() {
        if (publishFailing.compareAndSet(true, false)) {
            log.info("Publishing to Redis works again; {} events did not reach other nodes meanwhile",
                    droppedPublishes.getAndSet(0));
        }
    }

    /** Waits until every subscription change made so far is confirmed by Redis (for tests). */
    void awaitSubscriptions(Duration timeout) throws InterruptedException, TimeoutException {
        CompletableFuture<?> f;
        synchronized (this) {
            f = lastSubscriptionChange;
        }
        try {
            f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("subscription failed", e.getCause());
        }
    }

    /** After a reconnect: subscribe every current topic, and drop the subscriptions that failed to end. */
    private synchronized void resubscribe() {
        if (!topics.isEmpty()) {
            String[] channels = topics.stream().map(t -> channelPrefix + t).toArray(String[]::new);
            try {
                lastSubscriptionChange = pubSub.async().subscribe(channels).toCompletableFuture();
            } catch (RuntimeException e) {
                log.warn("Subscribing again after a reconnect failed ({}); retrying on the next reconnect", e.toString());
            }
        }
        for (String topic : Set.copyOf(unsubscribeAgain)) {
            unsubscribeAgain.remove(topic);
            if (!topics.contains(topic)) {
                sendSubscription(topic, false);
            }
        }
    }

    /** Ends every subscription and releases this node's hold on the Redis connections. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        pubSub.removeListener((RedisPubSubAdapter<String, String>) listener);
        pubSub.removeListener((RedisConnectionStateListener) listener);
        topics.clear();
        if (redis.isOpen()) {
            try {
                pubSub.async().unsubscribe();
            } catch (RuntimeException e) {
                log.debug("Unsubscribing at close failed", e);
            }
        }
        redis.release();
    }

    private final class Listener extends RedisPubSubAdapter<String, String> implements RedisConnectionStateListener {
        @Override
        public void message(String channel, String message) {
            if (!channel.startsWith(channelPrefix)) {
                return;
            }
            String topic = channel.substring(channelPrefix.length());
            // A subscription that outlived an outage may still deliver; only current topics count.
            if (!topics.contains(topic)) {
                return;
            }
            Wire wire;
            try {
                wire = GSON.fromJson(message, Wire.class);
            } catch (JsonParseException e) {
                log.warn("Ignoring an undecodable event on {}", channel);
                return;
            }
            if (wire == null || wire.event() == null || nodeId.equals(wire.node())) {
                return; // our own publish: already delivered locally
            }
            try {
                handler.onEvent(topic, wire.event());
            } catch (RuntimeException e) {
                log.error("Delivering an event of {} failed", topic, e);
            }
        }

        @Override
        public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
            if (closed.get()) {
                return;
            }
            log.info("Redis pub/sub connected; subscribing {} topics", topics.size());
            resubscribe();
        }

        @Override
        public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
            if (!closed.get() && redis.isOpen()) {
                log.warn("Redis pub/sub connection lost; reconnecting, local delivery goes on meanwhile");
            }
        }
    }
}
