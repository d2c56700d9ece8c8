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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
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
 *
 * <p>{@link #subscribe} completes when Redis confirms the SUBSCRIBE; one that fails or times out is
 * sent again with backoff until it is confirmed or the topic is no longer wanted, so a room never
 * stays deaf. A publish is not retried: one that timed out may still have been delivered, and a
 * second copy would arrive out of order; it is counted ({@link #failedPublishes}) and logged.
 */
public final class RedisBroker implements Broker {
    private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    /**
     * What travels on a channel: the event and the node that published it. The event's fields are
     * carried by name; one without {@code seq} (from a node of an older version) arrives unordered.
     */
    record Wire(String node, BrokerEvent event) {
    }

    private final RedisConnections redis;
    private final StatefulRedisPubSubConnection<String, String> pubSub;
    private final String channelPrefix;
    private final String nodeId;
    private static final long FIRST_RETRY_MS = 50;
    private static final long MAX_RETRY_MS = 2000;

    /**
     * One wanted topic; {@code confirmed} completes once Redis has first confirmed its SUBSCRIBE.
     * {@code unconfirmed} is true from every SUBSCRIBE sent (again after a reconnect) to its confirmation.
     */
    private static final class Subscription {
        final String topic;
        final CompletableFuture<Void> confirmed = new CompletableFuture<>();
        volatile boolean unconfirmed = true;
        long retryDelayMs = FIRST_RETRY_MS;

        Subscription(String topic) {
            this.topic = topic;
        }
    }

    private final Map<String, Subscription> topics = new ConcurrentHashMap<>();
    // Topics whose UNSUBSCRIBE failed during an outage: sent again after the reconnect.
    private final Set<String> unsubscribeAgain = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean publishFailing = new AtomicBoolean();
    private final AtomicLong droppedPublishes = new AtomicLong();
    private final AtomicLong failedPublishes = new AtomicLong();
    private final AtomicLong failedSubscribes = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Listener listener = new Listener();
    private volatile Handler handler;
    // UNSUBSCRIBEs leave in order on one connection: the last one done means all are done.
    private CompletableFuture<?> lastUnsubscribe = CompletableFuture.completedFuture(null);

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
    public synchronized CompletionStage<Void> subscribe(String topic) {
        unsubscribeAgain.remove(topic);
        Subscription sub = topics.get(topic);
        if (sub == null) {
            sub = new Subscription(topic);
            topics.put(topic, sub);
            sendSubscribe(sub);
        }
        return sub.confirmed.minimalCompletionStage();
    }

    @Override
    public synchronized void unsubscribe(String topic) {
        Subscription sub = topics.remove(topic);
        if (sub != null) {
            sub.confirmed.completeExceptionally(new CancellationException("unsubscribed from " + topic));
            sendUnsubscribe(topic);
        }
    }

    private void sendSubscribe(Subscription sub) {
        CompletableFuture<?> f;
        try {
            f = pubSub.async().subscribe(channelPrefix + sub.topic).toCompletableFuture();
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.whenComplete((r, e) -> {
            if (e == null) {
                confirmed(sub);
            } else {
                retryLater(sub, e);
            }
        });
    }

    private synchronized void confirmed(Subscription sub) {
        sub.unconfirmed = false;
        sub.retryDelayMs = FIRST_RETRY_MS;
        sub.confirmed.complete(null);
    }

    private boolean stillToSubscribe(Subscription sub) {
        return !closed.get() && sub.unconfirmed && topics.get(sub.topic) == sub;
    }

    /** Sends the SUBSCRIBE again after a growing pause, while the topic is still wanted and unconfirmed. */
    private void retryLater(Subscription sub, Throwable failure) {
        if (!stillToSubscribe(sub)) {
            return;
        }
        failedSubscribes.incrementAndGet();
        long delay;
        synchronized (this) {
            delay = sub.retryDelayMs;
            sub.retryDelayMs = Math.min(MAX_RETRY_MS, delay * 2);
        }
        if (delay == FIRST_RETRY_MS) {
            log.warn("Subscribing to {} failed ({}); retrying until it works", sub.topic, failure.toString());
        } else {
            log.debug("Subscribing to {} failed again ({})", sub.topic, failure.toString());
        }
        CompletableFuture.runAsync(() -> {
            synchronized (this) {
                if (stillToSubscribe(sub)) {
                    sendSubscribe(sub);
                }
            }
        }, CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS));
    }

    private void sendUnsubscribe(String topic) {
        CompletableFuture<?> f;
        try {
            f = pubSub.async().unsubscribe(channelPrefix + topic).toCompletableFuture();
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        lastUnsubscribe = f;
        f.whenComplete((r, e) -> {
            if (e != null) {
                unsubscribeAgain.add(topic);
            }
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
        failedPublishes.incrementAndGet();
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

    /**
     * Publishes that failed or timed out since this broker started: other nodes may have missed
     * those live events (they stay in the store, so clients catch up on resume or reload).
     */
    public long failedPublishes() {
        return failedPublishes.get();
    }

    /**
     * SUBSCRIBEs that failed or timed out since this broker started (each is sent again until it
     * holds): while one is pending, joins and first authentications on this node wait or fail.
     */
    public long failedSubscribes() {
        return failedSubscribes.get();
    }

    /** Waits until every current topic and every UNSUBSCRIBE so far is confirmed by Redis (for tests). */
    void awaitSubscriptions(Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            CompletableFuture<?> f;
            boolean pending;
            synchronized (this) {
                f = lastUnsubscribe;
                pending = topics.values().stream().anyMatch(sub -> sub.unconfirmed);
            }
            if (f.isCompletedExceptionally()) {
                throw new IllegalStateException("unsubscribing failed");
            }
            if (!pending && f.isDone()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("subscriptions not confirmed within " + timeout);
            }
            Thread.sleep(10);
        }
    }

    /** After a reconnect: subscribe every current topic, and drop the subscriptions that failed to end. */
    private synchronized void resubscribe() {
        if (!topics.isEmpty()) {
            List<Subscription> subs = List.copyOf(topics.values());
            subs.forEach(sub -> sub.unconfirmed = true); // Redis forgot them with the old connection
            String[] channels = subs.stream().map(sub -> channelPrefix + sub.topic).toArray(String[]::new);
            CompletableFuture<?> f;
            try {
                f = pubSub.async().subscribe(channels).toCompletableFuture();
            } catch (RuntimeException e) {
                f = CompletableFuture.failedFuture(e);
            }
            f.whenComplete((r, e) -> {
                for (Subscription sub : subs) {
                    if (e == null) {
                        confirmed(sub);
                    } else {
                        retryLater(sub, e);
                    }
                }
            });
        }
        for (String topic : Set.copyOf(unsubscribeAgain)) {
            unsubscribeAgain.remove(topic);
            if (!topics.containsKey(topic)) {
                sendUnsubscribe(topic);
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
        synchronized (this) {
            topics.values().forEach(sub -> sub.confirmed.completeExceptionally(new CancellationException("broker closed")));
            topics.clear();
        }
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
            if (!topics.containsKey(topic)) {
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
