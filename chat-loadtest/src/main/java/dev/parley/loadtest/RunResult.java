package dev.parley.loadtest;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * What one run measured. {@code window} counts messages whose send time fell inside the measured
 * window; {@code totals} and the error counts cover the whole run, warm-up included. Latency
 * histograms hold microseconds of the window's messages.
 *
 * @param target the server URL without its query string (which may hold a token)
 * @param server null when the run was not given the server's metrics
 */
record RunResult(
        String target,
        String mode,
        Instant startedAt,
        Layout layout,
        Timing timing,
        Window window,
        Totals totals,
        CpuLoad generator,
        ServerLoad server,
        Histogram ackLatency,
        Histogram deliveryLatency,
        Map<String, Long> errorsByCode,
        double errorRatio,
        double maxErrorRatio,
        List<String> failures) {

    /** How the connections were laid out; {@code senders} counts the senders that got ready. */
    record Layout(int connectionsRequested, int connectionsReady, int rooms, int senders, int payloadBytes) {
    }

    /** {@code window} is zero when no connection got ready, so nothing was sent. */
    record Timing(Duration setup, Duration warmup, Duration window) {
    }

    /**
     * @param expectedDeliveries deliveries the window's acknowledged messages should cause: one per
     *     member joined to the room when the ack arrived, the sender included
     * @param events other server events (presence, unread counts, receipts, ...) that arrived in the
     *     window, by arrival time
     */
    record Window(long sends, long acks, long deliveries, long expectedDeliveries, long events) {
    }

    /** {@code lostDeliveries}: expected deliveries that had not arrived when the drain ended. */
    record Totals(long sends, long expectedDeliveries, long deliveries, long lostDeliveries) {
    }

    /**
     * A process's CPU time over an interval (the measured window in the result, each second in the
     * progress line), in per cent of the cores it may run on; {@code cpuPercent} is negative where
     * it was not measured.
     */
    record CpuLoad(double cpuPercent, int cores) {
        static final CpuLoad UNKNOWN = new CpuLoad(-1, 0);
        /** From here on the process's own queueing shows up in the latencies. */
        static final double SATURATED_PERCENT = 85;

        /** {@code cpuNanos} of CPU time used over {@code wallNanos} by a process that may use {@code cores}. */
        static CpuLoad of(double cpuNanos, long wallNanos, int cores) {
            if (cpuNanos < 0 || wallNanos <= 0 || cores < 1) {
                return UNKNOWN;
            }
            return new CpuLoad(100.0 * cpuNanos / ((double) wallNanos * cores), cores);
        }

        boolean known() {
            return cpuPercent >= 0;
        }

        boolean saturated() {
            return cpuPercent >= SATURATED_PERCENT;
        }
    }

    /** The server's CPU over the measured window, read from its metrics; or why it could not be. */
    record ServerLoad(CpuLoad cpu, String problem) {
        static ServerLoad failed(String problem) {
            return new ServerLoad(CpuLoad.UNKNOWN, problem);
        }
    }

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
        return perSecond(window.sends());
    }

    double deliveriesPerSecond() {
        return perSecond(window.deliveries());
    }

    double eventsPerSecond() {
        return perSecond(window.events());
    }

    private double perSecond(long count) {
        double seconds = timing.window().toNanos() / 1e9;
        return seconds > 0 ? count / seconds : 0;
    }

    /** The URL as reports show it: scheme, host, port and path only. */
    static String describe(URI uri) {
        String port = uri.getPort() < 0 ? "" : ":" + uri.getPort();
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        return uri.getScheme() + "://" + uri.getHost() + port + path;
    }

    /**
     * Failures over operations: failures are connections that failed or dropped, sends answered with
     * an error or not at all, and lost deliveries; operations are connection setups, sends and
     * expected deliveries.
     */
    static double errorRatio(long failures, long operations) {
        return operations == 0 ? 0 : (double) failures / operations;
    }
}
