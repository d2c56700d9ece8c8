package dev.parley.loadtest;

import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * A latency histogram (microseconds) reduced to what reports show, in milliseconds. All zero when
 * nothing was recorded.
 */
record LatencySummary(long count, double meanMs, double p50Ms, double p90Ms, double p99Ms, double p999Ms,
        double p9999Ms, double maxMs) {

    /** Decades of the chart's percentile axis: up to 99.999 %. */
    static final int DECADES = 5;
    /** Points per decade of the percentile axis. */
    static final int POINTS_PER_DECADE = 20;

    static LatencySummary of(Histogram h) {
        if (h.getTotalCount() == 0) {
            return new LatencySummary(0, 0, 0, 0, 0, 0, 0, 0);
        }
        return new LatencySummary(h.getTotalCount(), h.getMean() / 1000.0, ms(h, 50), ms(h, 90), ms(h, 99),
                ms(h, 99.9), ms(h, 99.99), h.getMaxValue() / 1000.0);
    }

    /** One point of the percentile distribution: {@code percentile} in 0..100, latency in ms. */
    record Point(double percentile, double ms) {
    }

    /**
     * The distribution at percentiles spread evenly on a log scale of {@code 1 / (1 - p)}, from 0 %
     * to 99.999 %, then 100 % (the maximum): the usual way to show a latency tail.
     */
    static List<Point> distribution(Histogram h) {
        List<Point> points = new ArrayList<>();
        if (h.getTotalCount() == 0) {
            return points;
        }
        for (int k = 0; k <= DECADES * POINTS_PER_DECADE; k++) {
            double percentile = 100.0 * (1 - Math.pow(10, -(double) k / POINTS_PER_DECADE));
            points.add(new Point(percentile, ms(h, percentile)));
        }
        points.add(new Point(100, h.getMaxValue() / 1000.0));
        return points;
    }

    private static double ms(Histogram h, double percentile) {
        return h.getValueAtPercentile(percentile) / 1000.0;
    }
}
