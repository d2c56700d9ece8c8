package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void withoutJitterDelaysDoubleFromOneSecondUpToThirty() {
        Backoff b = new Backoff(ReconnectPolicy.DEFAULTS, () -> 0.5);
        List<Long> delays = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            delays.add(b.nextDelayMillis());
        }
        assertThat(delays).containsExactly(1000L, 2000L, 4000L, 8000L, 16000L, 30000L, 30000L, 30000L);
        assertThat(b.attempts()).isEqualTo(8);
    }

    @Test
    void jitterStaysWithinTwentyPercentOfEachBase() {
        Random random = new Random(42);
        Backoff b = new Backoff(ReconnectPolicy.DEFAULTS, random::nextDouble);
        long[] bases = {1000, 2000, 4000, 8000, 16000, 30000, 30000};
        for (int round = 0; round < 200; round++) {
            b.reset();
            for (long base : bases) {
                assertThat(b.nextDelayMillis()).isBetween(Math.round(base * 0.8), Math.round(base * 1.2));
            }
        }
    }

    @Test
    void jitterReachesBothEndsOfTheBand() {
        assertThat(new Backoff(ReconnectPolicy.DEFAULTS, () -> 0.0).nextDelayMillis()).isEqualTo(800);
        assertThat(new Backoff(ReconnectPolicy.DEFAULTS, () -> 0.999999).nextDelayMillis()).isEqualTo(1200);
    }

    @Test
    void jitterSpreadsClientsThatDroppedTogether() {
        Random random = new Random(7);
        List<Long> firstDelays = new ArrayList<>();
        for (int client = 0; client < 50; client++) {
            firstDelays.add(new Backoff(ReconnectPolicy.DEFAULTS, random::nextDouble).nextDelayMillis());
        }
        assertThat(firstDelays.stream().distinct().count()).isGreaterThan(25);
    }

    @Test
    void resetStartsAgainAtTheInitialDelay() {
        Backoff b = new Backoff(ReconnectPolicy.DEFAULTS, () -> 0.5);
        b.nextDelayMillis();
        b.nextDelayMillis();
        b.nextDelayMillis();
        b.reset();
        assertThat(b.attempts()).isZero();
        assertThat(b.nextDelayMillis()).isEqualTo(1000);
    }

    @Test
    void manyAttemptsNeverOverflowPastTheCap() {
        Backoff b = new Backoff(ReconnectPolicy.withDelays(Duration.ofMillis(100), Duration.ofSeconds(5)), () -> 0.5);
        long last = 0;
        for (int i = 0; i < 100; i++) {
            last = b.nextDelayMillis();
        }
        assertThat(last).isEqualTo(5000);
    }
}
