package dev.parley.server;

import dev.parley.core.spi.ChatStore;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the store whether it is healthy on a timer of its own, so {@code /health} answers from the
 * last result and never blocks a network thread on a database round trip.
 */
final class HealthMonitor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HealthMonitor.class);

    private final ChatStore store;
    private final ScheduledExecutorService timer;
    private volatile boolean storeHealthy;

    HealthMonitor(ChatStore store, Duration interval) {
        this.store = store;
        this.storeHealthy = check();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "parley-health");
            t.setDaemon(true);
            return t;
        });
        long ms = Math.max(1, interval.toMillis());
        timer.scheduleWithFixedDelay(this::refresh, ms, ms, TimeUnit.MILLISECONDS);
    }

    boolean storeHealthy() {
        return storeHealthy;
    }

    private void refresh() {
        boolean now = check();
        if (now != storeHealthy) {
            if (now) {
                log.info("store is healthy again");
            } else {
                log.warn("store reports unhealthy: /health answers 503");
            }
        }
        storeHealthy = now;
    }

    private boolean check() {
        try {
            return store.isHealthy();
        } catch (RuntimeException e) {
            log.debug("store health check failed: {}", e.toString());
            return false;
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
