package dev.parley.cluster.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One node's link to Redis: exactly two connections, one for commands (publish, presence, calls,
 * typing) and one for pub/sub, whatever the number of rooms, users or connections. Both reconnect by themselves
 * with exponential backoff; while one is down its commands fail at once instead of queueing, so
 * the node keeps serving locally and never blocks on Redis.
 *
 * <p>Get this node's {@link #broker()}, {@link #presence()}, {@link #calls()} and {@link #typing()}
 * from here and hand them to the engine. The connections close when this object and everything
 * taken from it are closed, in any order (closing the engine closes all four).
 */
public final class RedisConnections implements AutoCloseable {
    private final RedisSettings settings;
    private final ClientResources resources;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> commands;
    private final StatefulRedisPubSubConnection<String, String> pubSub;
    private final AtomicInteger holders = new AtomicInteger(1);
    private final AtomicBoolean released = new AtomicBoolean();
    private volatile boolean open = true;
    private RedisBroker broker;
    private RedisPresenceStore presence;
    private RedisCallStore calls;
    private RedisTypingStore typing;

    private RedisConnections(RedisSettings settings) {
        this.settings = settings;
        this.resources = ClientResources.builder()
                .reconnectDelay(Delay.exponential(Duration.ofMillis(50), settings.maxReconnectDelay(), 2,
                        TimeUnit.MILLISECONDS))
                .build();
        this.client = RedisClient.create(resources, RedisURI.create(settings.url()));
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(settings.commandTimeout()).keepAlive(true).build())
                .timeoutOptions(TimeoutOptions.enabled(settings.commandTimeout()))
                .build());
        StatefulRedisConnection<String, String> c = null;
        try {
            c = client.connect();
            this.commands = c;
            this.pubSub = client.connectPubSub();
        } catch (RuntimeException e) {
            if (c != null) {
                c.close();
            }
            client.shutdown();
            resources.shutdown();
            throw e;
        }
    }

    /**
     * Connects to Redis; fails at once (with Lettuce's {@code RedisConnectionException}) if it is
     * unreachable now. Later outages are survived.
     */
    public static RedisConnections connect(RedisSettings settings) {
        return new RedisConnections(settings);
    }

    /** This node's broker (one per node: every call returns the same one). */
    public synchronized RedisBroker broker() {
        if (broker == null) {
            retain();
            broker = new RedisBroker(this);
        }
        return broker;
    }

    /** This node's presence store (one per node: every call returns the same one); its heartbeat starts now. */
    public synchronized RedisPresenceStore presence() {
        if (presence == null) {
            retain();
            presence = new RedisPresenceStore(this);
        }
        return presence;
    }

    /** This node's call store (one per node: every call returns the same one). */
    public synchronized RedisCallStore calls() {
        if (calls == null) {
            retain();
            calls = new RedisCallStore(this);
        }
        return calls;
    }

    /** This node's typing store (one per node: every call returns the same one). */
    public synchronized RedisTypingStore typing() {
        if (typing == null) {
            retain();
            typing = new RedisTypingStore(this);
        }
        return typing;
    }

    public RedisSettings settings() {
        return settings;
    }

    /** Gives up the creator's hold; the connections close once everything taken from here is closed too. */
    @Override
    public void close() {
        if (released.compareAndSet(false, true)) {
            release();
        }
    }

    StatefulRedisConnection<String, String> commands() {
        return commands;
    }

    StatefulRedisPubSubConnection<String, String> pubSub() {
        return pubSub;
    }

    boolean isOpen() {
        return open;
    }

    private void retain() {
        if (holders.getAndIncrement() <= 0 || !open) {
            throw new IllegalStateException("Redis connections are closed");
        }
    }

    void release() {
        if (holders.decrementAndGet() == 0) {
            shutdown();
        }
    }

    /** Drops both connections at once, leaving every key in Redis as it is: what a crash looks like to the others. */
    synchronized void shutdown() {
        if (!open) {
            return;
        }
        open = false;
        if (presence != null) {
            presence.stopHeartbeat();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
