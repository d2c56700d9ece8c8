package dev.parley.core.spi;

import java.time.Instant;

/** The engine's one source of time, so tests can move it. */
@FunctionalInterface
public interface Clock {
    Instant now();

    static Clock system() {
        return Instant::now;
    }
}
