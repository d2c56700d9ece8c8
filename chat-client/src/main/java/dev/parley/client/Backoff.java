package dev.parley.client;

import java.util.function.DoubleSupplier;

/**
 * Reconnect delays of a {@link ReconnectPolicy}: base {@code min(max, initial * 2^n)} for the n-th
 * consecutive attempt, spread uniformly within {@code base * (1 +/- jitter)} ("full" jitter across
 * the band, so that clients dropped together do not return together).
 */
final class Backoff {
    private final ReconnectPolicy policy;
    private final DoubleSupplier random;
    private int attempts;

    Backoff(ReconnectPolicy policy, DoubleSupplier random) {
        this.policy = policy;
        this.random = random;
    }

    /** The delay before the next attempt; counts the attempt. */
    long nextDelayMillis() {
        long initial = policy.initialDelay().toMillis();
        long max = policy.maxDelay().toMillis();
        int shift = Math.min(attempts, 30);
        long base = Math.min(max, initial << shift);
        attempts++;
        double factor = 1 + policy.jitter() * (2 * random.getAsDouble() - 1);
        return Math.max(0, Math.round(base * factor));
    }

    int attempts() {
        return attempts;
    }

    void reset() {
        attempts = 0;
    }
}
