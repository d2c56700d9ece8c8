package dev.parley.loadtest;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * What one run measured. Counts of sends, acks and deliveries cover the measured window (messages
 * whose send time fell inside it); {@code lostDeliveries} and the error counts cover the whole run.
 * Latency histograms hold microseconds.
 *
 * @param target the server URL without its query string (which may hold a token)
 * @param expectedDeliveries deliveries the window's acknowledged messages should cause: one per
 *     member joined to the room when the ack arrived, the sender included
 */
record RunResult(
        String target,
        String mode,
        Instant startedAt,
        int connectionsRequested,
        int connectionsReady,
        int rooms,
        int senders,
        int payloadBytes,
        Duration setupTime,
        Duration warmup,
        Duration window,
        long sends,
        long acks,
        long deliveries,
        long expectedDeliveries,
        long totalSends,
        long totalExpectedDeliveries,
        long totalDeliveries,
        long lostDeliveries,
        Histogram ackLatency,
        Histogram deliveryLatency,
        Map<String, Long> errorsByCode,
        double errorRatio,
        double maxErrorRatio,
        List<String> failures) {

    RunResult {
        errorsByCode = Map.copyOf(errorsByCode);
        failures = List.copyOf(failures);
    }

    boolean passed() {
        return failures.isEmpty();
    }

    long errors() {
        return errorsByCode.values().stream().mapToLong(Long::longValue).sum();
    }

    double sendsPerSecond() {
        return perSecond(sends);
    }

    double deliveriesPerSecond() {
        return perSecond(deliveries);
    }

    private double perSecond(long count) {
        double seconds = window.toNanos() / 1e9;
        return seconds > 0 ? count / seconds : 0;
    }

    /** The URL as reports show it: scheme, host, port and path only. */
    static String describe(URI uri) {
        String port = uri.getPort() < 0 ? "" : ":" + uri.getPort();
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        return uri.getScheme() + "://" + uri.getHost() + port + path;
    }

    /**
     * The failure ratio and the reasons a run fails: failures are connections that failed or
     * dropped, sends answered with an error or not at all, and lost deliveries; operations are
     * connection setups, sends and expected deliveries.
     */
    static double errorRatio(long failures, long operations) {
        return operations == 0 ? 0 : (double) failures / operations;
    }
}
