package dev.parley.client;

import java.time.Duration;

/**
 * When to reconnect after an unexpected drop (protocol 2.7): the n-th consecutive attempt waits
 * {@code min(maxDelay, initialDelay * 2^n)} with {@code +/- jitter} spread uniformly around it; the
 * count resets after {@code resetAfter} authenticated.
 *
 * @param enabled      whether to reconnect at all
 * @param initialDelay first delay (1 s)
 * @param maxDelay     cap before jitter (30 s)
 * @param jitter       fraction, 0 to 1 (0.2: each delay is 80 % to 120 % of its base)
 * @param resetAfter   time authenticated after which the next drop starts again at {@code initialDelay} (60 s)
 */
public record ReconnectPolicy(boolean enabled, Duration initialDelay, Duration maxDelay, double jitter,
                              Duration resetAfter) {

    /** The protocol's recommendation: 1 s doubling to 30 s, +/- 20 %, reset after 60 s. */
    public static final ReconnectPolicy DEFAULTS =
            new ReconnectPolicy(true, Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2, Duration.ofSeconds(60));

    /** Never reconnect automatically. */
    public static final ReconnectPolicy NEVER =
            new ReconnectPolicy(false, Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2, Duration.ofSeconds(60));

    public ReconnectPolicy {
        if (initialDelay.isNegative() || initialDelay.isZero()) {
            throw new IllegalArgumentException("initialDelay must be positive");
        }
        if (maxDelay.compareTo(initialDelay) < 0) {
            throw new IllegalArgumentException("maxDelay must be at least initialDelay");
        }
        if (!(jitter >= 0 && jitter <= 1)) {
            throw new IllegalArgumentException("jitter must be within 0..1");
        }
        if (resetAfter.isNegative()) {
            throw new IllegalArgumentException("resetAfter must not be negative");
        }
    }

    /** The defaults with other delays (tests use short ones). */
    public static ReconnectPolicy withDelays(Duration initialDelay, Duration maxDelay) {
        return new ReconnectPolicy(true, initialDelay, maxDelay, DEFAULTS.jitter, DEFAULTS.resetAfter);
    }
}
