package dev.parley.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;

/** Counts events in a sliding window, to close connections that keep breaking a rule. */
final class StrikeCounter {
    private final int max;
    private final Duration window;
    private final ArrayDeque<Instant> strikes;

    /** Made on a connection's first strike (most connections never break a rule). */
    StrikeCounter(int max, Duration window) {
        this.max = max;
        this.window = window;
        this.strikes = new ArrayDeque<>(Math.min(max + 1, 16));
    }

    /** Records one strike; returns true when the strikes within the window exceed the maximum. */
    synchronized boolean strike(Instant now) {
        Instant horizon = now.minus(window);
        while (!strikes.isEmpty() && !strikes.peekFirst().isAfter(horizon)) {
            strikes.pollFirst();
        }
        strikes.addLast(now);
        return strikes.size() > max;
    }
}
