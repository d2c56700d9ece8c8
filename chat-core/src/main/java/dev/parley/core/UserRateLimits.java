package dev.parley.core;

import dev.parley.core.EngineConfig.RateLimit;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/** The per-user token buckets of protocol 2.10, one set per kind of request. */
final class UserRateLimits {
    enum Kind { MESSAGE, CREATE_CONVERSATION, SEARCH, PUBLISH_KEY }

    /** Key publishes per user (protocol 6.11); not configurable. */
    private static final RateLimit KEY_PUBLISH_RATE = RateLimit.perMinute(10, 10);

    private final Map<Kind, RateLimit> limits = new EnumMap<>(Kind.class);
    private final Map<Kind, ConcurrentHashMap<String, TokenBucket>> buckets = new EnumMap<>(Kind.class);

    UserRateLimits(EngineConfig config) {
        limits.put(Kind.MESSAGE, config.messageRate());
        limits.put(Kind.CREATE_CONVERSATION, config.createConversationRate());
        limits.put(Kind.SEARCH, config.searchRate());
        limits.put(Kind.PUBLISH_KEY, KEY_PUBLISH_RATE);
        for (Kind k : Kind.values()) {
            buckets.put(k, new ConcurrentHashMap<>());
        }
    }

    /** Takes one token, or throws {@code RATE_LIMITED} with the wait until the next one. */
    void take(Kind kind, String userId, Instant now) {
        long wait = buckets.get(kind).computeIfAbsent(userId, k -> new TokenBucket(limits.get(kind), now)).tryTake(now);
        if (wait > 0) {
            throw ChatEngine.rateLimited(wait);
        }
    }

    /** Drops the buckets of users that no longer qualify (no connection here); they start full again. */
    void retainUsers(Predicate<String> keep) {
        for (ConcurrentHashMap<String, TokenBucket> m : buckets.values()) {
            m.keySet().removeIf(keep.negate());
        }
    }
}
