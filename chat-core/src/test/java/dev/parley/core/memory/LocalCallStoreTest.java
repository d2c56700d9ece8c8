package dev.parley.core.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.spi.CallRecord;
import dev.parley.core.spi.CallStore;
import dev.parley.core.testkit.CallStoreContract;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LocalCallStoreTest extends CallStoreContract {
    @Override
    protected CallStore newStore() {
        return new LocalCallStore();
    }

    @Override
    protected boolean sharesStateAcrossInstances() {
        return false;
    }

    @Test
    void tombstonesAreFreedOnceTheirRetentionHasPassed() {
        LocalCallStore calls = new LocalCallStore();
        Instant t0 = Instant.parse("2025-03-01T09:00:00Z");
        for (int i = 0; i < 1000; i++) {
            String id = "c" + i;
            calls.create(CallRecord.ringing(id, "alice", "s-alice", "bob", null, "voice", t0, t0.plusSeconds(45)));
            calls.end(id, t0.plusMillis(i));
        }
        assertThat(calls.endedCount()).isEqualTo(1000);
        Instant later = t0.plus(CallStore.ENDED_CALL_RETENTION).plusMillis(499);
        assertThat(calls.claimUnanswered(later)).as("the engine's periodic sweep").isEmpty();
        assertThat(calls.endedCount()).as("the 500 tombstones still within their retention").isEqualTo(500);
        calls.claimUnanswered(later.plus(Duration.ofMinutes(1)));
        assertThat(calls.endedCount()).isZero();
    }
}
