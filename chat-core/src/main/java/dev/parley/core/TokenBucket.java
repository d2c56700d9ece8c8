package dev.parley.core;

import dev.parley.core.EngineConfig.RateLimit;
import java.time.Instant;

/** A token bucket on the engine's clock; not thread-safe by itself, callers synchronize on it. */
final class TokenBucket {
    private final double capacity;
    private final double refillPerNano;
    private double tokens;
    private long lastNanos;

    TokenBucket(RateLimit limit, Instant now) {
        this.capacity = limit.burst();
        this.refillPerNano = limit.permits() / limit.period().toNanos();
        this.tokens = capacity;
        this.lastNanos = nanos(now);
    }

    /** Takes one token; returns 0 if granted, else the milliseconds until one is available. */
    long tryTake(Instant now) {
        return tryTake(now, 1);
    }

    /** Takes {@code n} tokens at once; returns 0 if granted, else the milliseconds until they are available. */
    synchronized long tryTake(Instant now, long n) {
        long t = nanos(now);
        if (t > lastNanos) {
            tokens = Math.min(capacity, tokens + (t - lastNanos) * refillPerNano);
            lastNanos = t;
        }
        if (tokens >= n) {
            tokens -= n;
            return 0;
        }
        return Math.max(1, (long) Math.ceil((n - tokens) / refillPerNano / 1_000_000));
    }

    private static long nanos(Instant i) {
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }
}
