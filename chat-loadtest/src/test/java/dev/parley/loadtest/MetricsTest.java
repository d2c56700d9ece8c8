package dev.parley.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsTest {
    static final long MS = 1_000_000;

    @Test
    void onlyMessagesSentInsideTheWindowAreMeasured() {
        Metrics m = new Metrics(0);
        m.window(1_000 * MS, 2_000 * MS);

        m.sent(500 * MS);          // warm-up
        m.sent(1_500 * MS);        // measured
        m.acked(500 * MS, 1_200 * MS, 3);
        m.acked(1_500 * MS, 1_510 * MS, 3);
        m.delivered(500 * MS, 1_300 * MS);
        m.delivered(1_500 * MS, 2_100 * MS); // arrives after the window, still counts: it was sent inside

        assertThat(m.sends.sum()).isEqualTo(2);
        assertThat(m.windowSends.sum()).isEqualTo(1);
        assertThat(m.windowAcks.sum()).isEqualTo(1);
        assertThat(m.expectedDeliveries.sum()).isEqualTo(6);
        assertThat(m.windowExpectedDeliveries.sum()).isEqualTo(3);
        assertThat(m.windowDeliveries.sum()).isEqualTo(1);
        assertThat(m.ackWindowHistogram().getMaxValue()).isBetween(9_990L, 10_010L); // 10 ms in µs
        assertThat(m.deliveryWindowHistogram().getMaxValue()).isBetween(599_000L, 601_000L);
    }

    @Test
    void nothingIsMeasuredBeforeTheWindowIsSet() {
        Metrics m = new Metrics(0);

        m.sent(5 * MS);
        m.acked(5 * MS, 6 * MS, 2);

        assertThat(m.windowSends.sum()).isZero();
        assertThat(m.ackWindowHistogram().getTotalCount()).isZero();
        assertThat(m.ackIntervalHistogram().getTotalCount()).isEqualTo(1);
    }

    @Test
    void intervalHistogramsStartAfreshEachTime() {
        Metrics m = new Metrics(0);
        m.acked(0, 5 * MS, 1);

        assertThat(m.ackIntervalHistogram().getTotalCount()).isEqualTo(1);
        assertThat(m.ackIntervalHistogram().getTotalCount()).isZero();
    }

    @Test
    void aLatencyNeverGoesNegative() {
        Metrics m = new Metrics(0);
        m.window(0, Long.MAX_VALUE);

        m.delivered(10 * MS, 9 * MS);

        assertThat(m.deliveryWindowHistogram().getMaxValue()).isZero();
    }

    @Test
    void errorsAreCountedByCodeInCodeOrder() {
        Metrics m = new Metrics(0);
        m.error("RATE_LIMITED");
        m.errors("NO_ANSWER", 3);
        m.error("RATE_LIMITED");
        m.errors("IGNORED", 0);

        assertThat(m.errorCount()).isEqualTo(5);
        assertThat(List.copyOf(m.errorsByCode().keySet())).containsExactly("NO_ANSWER", "RATE_LIMITED");
        assertThat(m.errorsByCode()).containsEntry("RATE_LIMITED", 2L);
    }
}
