package dev.parley.loadtest;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One run's settings, already validated by {@link LoadTestCommand}. Exactly one of
 * {@code jwtSecret} and {@code tokenFile} is set.
 *
 * @param rate total open-loop sends per second; 0 means closed loop (each sender waits for its ack)
 */
record LoadTestOptions(
        URI url,
        int connections,
        int roomSize,
        int sendersPerRoom,
        double rate,
        Duration duration,
        Duration warmup,
        int payloadBytes,
        String jwtSecret,
        Path tokenFile,
        Duration tokenTtl,
        String userPrefix,
        double maxErrorRatio,
        Path outputDir,
        int connectConcurrency,
        Duration setupTimeout,
        Duration drainTimeout,
        int ioThreads,
        boolean progress) {

    boolean closedLoop() {
        return rate == 0;
    }

    /** Rooms are {@code roomSize} connections each; connections past a whole room are spread over the rooms. */
    int rooms() {
        return Math.max(1, connections / roomSize);
    }

    /** How this run's load is shaped, in words, for reports. */
    String mode() {
        if (sendersPerRoom == 0) {
            return "idle (no sends)";
        }
        return closedLoop() ? "closed loop" : "open loop at " + Numbers.format(rate) + " sends/s";
    }
}
