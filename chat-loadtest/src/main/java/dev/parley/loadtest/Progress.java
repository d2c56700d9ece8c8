package dev.parley.loadtest;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/** The live progress line, printed once a second while a run goes on. */
final class Progress {
    private static final long TICK_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Metrics metrics;
    private final PrintStream out;
    private String phase = "start";
    private long lastTick;
    private long nextTick;
    private long lastSends;
    private long lastDeliveries;
    private long lastCpu;

    /** {@code out} may be null: then nothing is printed, but intervals are still consumed. */
    Progress(Metrics metrics, PrintStream out) {
        this.metrics = metrics;
        this.out = out;
        this.lastTick = metrics.now();
        this.nextTick = lastTick + TICK_NANOS;
        this.lastCpu = ProcessCpu.nanos();
    }

    void phase(String name) {
        phase = name;
    }

    /** When the next line is due, in {@link Metrics#now()} time. */
    long nextTick() {
        return nextTick;
    }

    void tick() {
        long now = metrics.now();
        long sends = metrics.sends.sum();
        long deliveries = metrics.deliveries.sum();
        long cpu = ProcessCpu.nanos();
        double seconds = Math.max(1e-9, (now - lastTick) / 1e9);
        String text = format(now, phase, metrics.openConnections.get(), (sends - lastSends) / seconds,
                (deliveries - lastDeliveries) / seconds, metrics.ackIntervalHistogram(),
                metrics.deliveryIntervalHistogram(), metrics.errorCount(),
                ProcessCpu.between(lastCpu, cpu, now - lastTick));
        lastTick = now;
        lastCpu = cpu;
        lastSends = sends;
        lastDeliveries = deliveries;
        nextTick = now + TICK_NANOS;
        line(text);
    }

    void line(String text) {
        if (out != null) {
            out.println(text);
            out.flush();
        }
    }

    static String format(long elapsedNanos, String phase, int connections, double sendsPerSecond,
            double deliveriesPerSecond, Histogram ack, Histogram delivery, long errors,
            RunResult.CpuLoad generator) {
        return String.format(Locale.ROOT,
                "[%4ds] %-7s connections %d | sends/s %s | deliveries/s %s | ack p99 %s | delivery p99 %s | errors %d"
                        + " | generator CPU %s",
                TimeUnit.NANOSECONDS.toSeconds(elapsedNanos), phase, connections, Numbers.format(sendsPerSecond),
                Numbers.format(deliveriesPerSecond), p99(ack), p99(delivery), errors,
                generator.known() ? Math.round(generator.cpuPercent()) + "%" : "-");
    }

    private static String p99(Histogram h) {
        return h.getTotalCount() == 0 ? "-" : Numbers.millis(h.getValueAtPercentile(99)) + " ms";
    }
}
