package dev.parley.loadtest;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Counters and latency recorders shared by every connection; all methods are thread-safe and
 * wait-free on the hot path. Latencies are recorded in microseconds. A message belongs to the
 * measured window when its send time (from its marker) falls inside it, so a late delivery of a
 * warm-up message never counts, and every measured message's deliveries do.
 */
final class Metrics {
    static final int SIGNIFICANT_DIGITS = 3;

    /** {@code System.nanoTime()} at the run's start; marker times are relative to it. */
    final long origin;
    private volatile long windowStart = Long.MAX_VALUE;
    private volatile long windowEnd = Long.MAX_VALUE;

    // Everything since the start, for the progress line (read and reset once a second).
    private final Recorder ackInterval = new Recorder(SIGNIFICANT_DIGITS);
    private final Recorder deliveryInterval = new Recorder(SIGNIFICANT_DIGITS);
    // Only the measured window, for the final report.
    private final Recorder ackWindow = new Recorder(SIGNIFICANT_DIGITS);
    private final Recorder deliveryWindow = new Recorder(SIGNIFICANT_DIGITS);

    final LongAdder sends = new LongAdder();
    final LongAdder acks = new LongAdder();
    final LongAdder deliveries = new LongAdder();
    final LongAdder expectedDeliveries = new LongAdder();
    final LongAdder windowSends = new LongAdder();
    final LongAdder windowAcks = new LongAdder();
    final LongAdder windowDeliveries = new LongAdder();
    final LongAdder windowExpectedDeliveries = new LongAdder();
    /** Other server events (presence, unread counts, ...) that arrived in the window: they carry no send time. */
    final LongAdder windowEvents = new LongAdder();
    final AtomicInteger openConnections = new AtomicInteger();
    private final ConcurrentHashMap<String, LongAdder> errors = new ConcurrentHashMap<>();

    Metrics(long origin) {
        this.origin = origin;
    }

    /** Sets the measured window, as offsets in ns from {@link #origin}. */
    void window(long startNanos, long endNanos) {
        windowStart = startNanos;
        windowEnd = endNanos;
    }

    boolean inWindow(long sendNanos) {
        return sendNanos >= windowStart && sendNanos < windowEnd;
    }

    /** Now, as an offset in ns from {@link #origin}: the clock marker times use. */
    long now() {
        return System.nanoTime() - origin;
    }

    void sent(long sendNanos) {
        sends.increment();
        if (inWindow(sendNanos)) {
            windowSends.increment();
        }
    }

    /** A {@code message_sent} for a message sent at {@code sendNanos}, expecting this many deliveries. */
    void acked(long sendNanos, long nowNanos, int expected) {
        long micros = micros(nowNanos - sendNanos);
        acks.increment();
        expectedDeliveries.add(expected);
        ackInterval.recordValue(micros);
        if (inWindow(sendNanos)) {
            windowAcks.increment();
            windowExpectedDeliveries.add(expected);
            ackWindow.recordValue(micros);
        }
    }

    void delivered(long sendNanos, long nowNanos) {
        long micros = micros(nowNanos - sendNanos);
        deliveries.increment();
        deliveryInterval.recordValue(micros);
        if (inWindow(sendNanos)) {
            windowDeliveries.increment();
            deliveryWindow.recordValue(micros);
        }
    }

    /** A server event that is neither a delivery nor an answer, arriving at {@code nowNanos}. */
    void event(long nowNanos) {
        if (inWindow(nowNanos)) {
            windowEvents.increment();
        }
    }

    void error(String code) {
        errors(code, 1);
    }

    void errors(String code, long count) {
        if (count > 0) {
            errors.computeIfAbsent(code, k -> new LongAdder()).add(count);
        }
    }

    long errorCount() {
        long total = 0;
        for (LongAdder a : errors.values()) {
            total += a.sum();
        }
        return total;
    }

    /** Errors by code, sorted by code. */
    Map<String, Long> errorsByCode() {
        Map<String, Long> sorted = new TreeMap<>();
        errors.forEach((code, count) -> sorted.put(code, count.sum()));
        return sorted;
    }

    /** Ack latencies since the previous call (for the progress line). */
    Histogram ackIntervalHistogram() {
        return ackInterval.getIntervalHistogram();
    }

    Histogram deliveryIntervalHistogram() {
        return deliveryInterval.getIntervalHistogram();
    }

    /** The measured window's latencies; call once, at the end. */
    Histogram ackWindowHistogram() {
        return ackWindow.getIntervalHistogram();
    }

    Histogram deliveryWindowHistogram() {
        return deliveryWindow.getIntervalHistogram();
    }

    private static long micros(long nanos) {
        // A clock step cannot make a latency negative; HdrHistogram refuses negative values.
        return Math.max(0, TimeUnit.NANOSECONDS.toMicros(nanos));
    }
}
