package dev.parley.cluster.redis;

import java.time.Duration;
import java.util.Objects;
import java.util.UUID;

/**
 * Where Redis is and how this node uses it. Immutable; start from {@link #builder(String)} with a
 * Redis URL such as {@code redis://127.0.0.1:6379} or {@code rediss://:password@host:6380/0}.
 */
public final class RedisSettings {
    private final String url;
    private final String keyPrefix;
    private final String nodeId;
    private final Duration presenceTtl;
    private final Duration commandTimeout;
    private final Duration maxReconnectDelay;

    private RedisSettings(Builder b) {
        this.url = Objects.requireNonNull(b.url, "url");
        if (b.keyPrefix == null || b.keyPrefix.isEmpty() || b.keyPrefix.contains(":")) {
            throw new IllegalArgumentException("keyPrefix must be non-empty and without ':'");
        }
        this.keyPrefix = b.keyPrefix;
        if (b.nodeId == null || b.nodeId.isEmpty() || b.nodeId.contains(":")) {
            throw new IllegalArgumentException("nodeId must be non-empty and without ':'");
        }
        this.nodeId = b.nodeId;
        this.presenceTtl = positive(b.presenceTtl, "presenceTtl");
        this.commandTimeout = positive(b.commandTimeout, "commandTimeout");
        this.maxReconnectDelay = positive(b.maxReconnectDelay, "maxReconnectDelay");
    }

    /** Settings for the Redis at this URL, with defaults for everything else. */
    public static Builder builder(String url) {
        return new Builder(url);
    }

    private static Duration positive(Duration d, String name) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
        return d;
    }

    /** The Redis URL (it may hold a password: never log it). */
    public String url() {
        return url;
    }

    /** Prefix of every channel and key, so several deployments can share one Redis; default {@code parley}. */
    public String keyPrefix() {
        return keyPrefix;
    }

    /** This node's identity in the cluster; default a random UUID per process. */
    public String nodeId() {
        return nodeId;
    }

    /** How long a node's connections count as online after its last heartbeat; default 30 s. */
    public Duration presenceTtl() {
        return presenceTtl;
    }

    /** How long a presence command may wait for Redis before the node falls back to what it knows; default 2 s. */
    public Duration commandTimeout() {
        return commandTimeout;
    }

    /** Upper bound of the exponential backoff between reconnect attempts; default 5 s. */
    public Duration maxReconnectDelay() {
        return maxReconnectDelay;
    }

    /** Builds {@link RedisSettings}. */
    public static final class Builder {
        private final String url;
        private String keyPrefix = "parley";
        private String nodeId = UUID.randomUUID().toString();
        private Duration presenceTtl = Duration.ofSeconds(30);
        private Duration commandTimeout = Duration.ofSeconds(2);
        private Duration maxReconnectDelay = Duration.ofSeconds(5);

        private Builder(String url) {
            this.url = url;
        }

        public Builder keyPrefix(String v) { keyPrefix = v; return this; }
        public Builder nodeId(String v) { nodeId = v; return this; }
        public Builder presenceTtl(Duration v) { presenceTtl = v; return this; }
        public Builder commandTimeout(Duration v) { commandTimeout = v; return this; }
        public Builder maxReconnectDelay(Duration v) { maxReconnectDelay = v; return this; }

        public RedisSettings build() {
            return new RedisSettings(this);
        }
    }
}
