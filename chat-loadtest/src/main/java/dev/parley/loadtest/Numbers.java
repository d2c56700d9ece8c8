package dev.parley.loadtest;

import java.util.Locale;

/** Number formatting shared by the progress line and the reports: three significant digits. */
final class Numbers {
    private Numbers() {
    }

    /** {@code 0.5}, {@code 12.3}, {@code 4974}, {@code 94.5k}, {@code 1.20M}. */
    static String format(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return "-";
        }
        double abs = Math.abs(value);
        if (abs >= 1e6) {
            return significant(value / 1e6) + "M";
        }
        if (abs >= 1e4) {
            return significant(value / 1e3) + "k";
        }
        if (abs >= 100 || value == Math.rint(value)) {
            return String.format(Locale.ROOT, "%.0f", value);
        }
        return significant(value);
    }

    /** A latency held in microseconds, as milliseconds. */
    static String millis(double micros) {
        return significant(micros / 1000.0);
    }

    /** Three significant digits, for values that may be below 1 (latencies in ms). */
    static String significant(double value) {
        double abs = Math.abs(value);
        if (abs >= 100) {
            return String.format(Locale.ROOT, "%.0f", value);
        }
        if (abs >= 10) {
            return String.format(Locale.ROOT, "%.1f", value);
        }
        if (abs >= 1) {
            return String.format(Locale.ROOT, "%.2f", value);
        }
        return String.format(Locale.ROOT, "%.3f", value);
    }
}
