package dev.parley.loadtest;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One run's settings, already validated by {@link LoadTestCommand}. Exactly one of
 * {@code jwtSecret} and {@code tokenFile} is set.
 *
 * @param urls the servers to connect to (several nodes of one cluster), at least one
 * @param rate total open-loop sends per second; 0 means closed loop (each sender waits for its ack)
 * @param selectorThreads clients to spread the connections over, each with its own selector thread
 * @param extensions protocol extensions each connection negotiates (wire names), possibly none
 * @param serverMetrics the server's Prometheus metrics, for its CPU over the window; null when not given
 */
record LoadTestOptions(
        List<URI> urls,
        int connections,
        int roomSize,
        int sendersPerRoom,
        double rate,
        Duration duration,
        Duration warmup,
        int payloadBytes,
        List<String> extensions,
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
        int selectorThreads,
        URI serverMetrics,
        boolean progress) {

    LoadTestOptions {
        urls = List.copyOf(urls);
        extensions = List.copyOf(extensions);
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("at least one URL");
        }
    }

    /**
     * The server connection {@code i} opens. Connection i is member {@code i / rooms} of room
     * {@code i % rooms} (see {@link LoadRun}); member k of room r goes to URL {@code (r + k) mod n}.
     * So with several URLs every room of two or more members spans them, each URL gets an equal share
     * of the connections, and the rooms' senders (their first members) are spread over the URLs too.
     */
    URI urlFor(int connection) {
        int rooms = rooms();
        return urls.get((connection % rooms + connection / rooms) % urls.size());
    }

    /** The targets as reports show them. */
    String describeTargets() {
        return urls.stream().map(RunResult::describe).collect(Collectors.joining(", "));
    }

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
