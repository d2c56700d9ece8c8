package dev.parley.core.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.spi.CallRecord;
import dev.parley.core.spi.CallStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** What every {@link CallStore} must do; implementations extend this class. */
public abstract class CallStoreContract {
    private static final Instant T0 = Instant.parse("2025-03-01T09:00:00Z");
    private static final Instant DEADLINE = T0.plusSeconds(45);
    private final List<CallStore> stores = new ArrayList<>();

    /** A store on an empty backend; stores made in one test share that backend (as nodes do). */
    protected abstract CallStore newStore();

    /** Whether two stores from {@link #newStore()} share their state (a cluster store). */
    protected abstract boolean sharesStateAcrossInstances();

    @AfterEach
    void closeStores() {
        stores.forEach(CallStore::close);
    }

    protected final CallStore store() {
        CallStore s = newStore();
        stores.add(s);
        return s;
    }

    private static CallRecord ringing(String id) {
        return CallRecord.ringing(id, "alice", "s-alice", "bob", "conv-1", "video", T0, DEADLINE);
    }

    @Test
    void aCreatedCallIsFoundWithEveryField() {
        CallStore calls = store();
        calls.create(ringing("c1"));
        calls.create(CallRecord.ringing("c2", "carol", "s-carol", "dave", null, "voice", T0, DEADLINE));
        assertThat(calls.find("c1")).contains(ringing("c1"));
        CallRecord contactCall = calls.find("c2").orElseThrow();
        assertThat(contactCall.conversationId()).isNull();
        assertThat(contactCall.isRinging()).isTrue();
        assertThat(calls.find("unknown")).isEmpty();
    }

    @Test
    void answeringConnectsOnceAndRecordsTheAnsweringConnection() {
        CallStore calls = store();
        calls.create(ringing("c1"));
        Instant at = T0.plusSeconds(3);
        Optional<CallRecord> connected = calls.connect("c1", "s-bob-phone", at);
        assertThat(connected).contains(ringing("c1").connected("s-bob-phone", at));
        assertThat(calls.find("c1")).isEqualTo(connected);
        assertThat(calls.connect("c1", "s-bob-laptop", at.plusSeconds(1))).as("already answered").isEmpty();
        assertThat(calls.find("c1").orElseThrow().calleeSession()).isEqualTo("s-bob-phone");
        assertThat(calls.connect("unknown", "s-bob-phone", at)).isEmpty();
    }

    @Test
    void endingRemovesTheCallAndOnlyTheFirstEndGetsIt() {
        CallStore calls = store();
        calls.create(ringing("c1"));
        CallRecord connected = calls.connect("c1", "s-bob", T0.plusSeconds(1)).orElseThrow();
        assertThat(calls.end("c1", T0.plusSeconds(5))).contains(connected);
        assertThat(calls.end("c1", T0.plusSeconds(6))).isEmpty();
        assertThat(calls.find("c1")).isEmpty();
        assertThat(calls.connect("c1", "s-bob", T0.plusSeconds(2))).isEmpty();
        assertThat(calls.endRinging("c1", T0.plusSeconds(6))).isEmpty();
        assertThat(calls.end("unknown", T0)).isEmpty();
    }

    @Test
    void anEndedCallIsRememberedWithItsPartiesUntilTheRetentionPasses() {
        CallStore calls = store();
        calls.create(ringing("c1"));
        assertThat(calls.findEnded("c1", T0)).as("a ringing call has not ended").isEmpty();
        CallRecord connected = calls.connect("c1", "s-bob", T0.plusSeconds(1)).orElseThrow();
        assertThat(calls.findEnded("c1", T0.plusSeconds(1))).as("a connected call has not ended").isEmpty();
        Instant endedAt = T0.plusSeconds(30);
        calls.end("c1", endedAt);

        assertThat(calls.findEnded("c1", endedAt)).contains(connected);
        Instant expiry = endedAt.plus(CallStore.ENDED_CALL_RETENTION);
        assertThat(calls.findEnded("c1", expiry.minusMillis(1))).contains(connected);
        assertThat(calls.end("c1", expiry.minusMillis(1))).as("ending again wins nothing").isEmpty();
        assertThat(calls.findEnded("c1", expiry)).isEmpty();
        assertThat(calls.findEnded("unknown", endedAt)).isEmpty();
        assertThat(calls.find("c1")).isEmpty();
    }

    @Test
    void declinedAndTimedOutCallsAreRememberedAsTheyRang() {
        CallStore calls = store();
        calls.create(ringing("declined"));
        calls.create(ringing("unanswered"));
        Instant declinedAt = T0.plusSeconds(4);
        calls.endRinging("declined", declinedAt);
        calls.claimUnanswered(DEADLINE);

        assertThat(calls.findEnded("declined", DEADLINE)).contains(ringing("declined"));
        assertThat(calls.findEnded("unanswered", DEADLINE)).contains(ringing("unanswered"));
        Instant declineExpiry = declinedAt.plus(CallStore.ENDED_CALL_RETENTION);
        assertThat(calls.findEnded("declined", declineExpiry)).isEmpty();
        assertThat(calls.findEnded("unanswered", declineExpiry)).as("it ended later").isPresent();
        assertThat(calls.findEnded("unanswered", DEADLINE.plus(CallStore.ENDED_CALL_RETENTION))).isEmpty();
    }

    @Test
    void declineEndsOnlyARingingCall() {
        CallStore calls = store();
        calls.create(ringing("c1"));
        calls.create(ringing("c2"));
        assertThat(calls.endRinging("c1", T0.plusSeconds(2))).contains(ringing("c1"));
        assertThat(calls.find("c1")).isEmpty();
        calls.connect("c2", "s-bob", T0.plusSeconds(1));
        assertThat(calls.endRinging("c2", T0.plusSeconds(2))).as("already answered").isEmpty();
        assertThat(calls.find("c2")).isPresent();
        assertThat(calls.findEnded("c2", T0.plusSeconds(2))).isEmpty();
        assertThat(calls.endRinging("unknown", T0.plusSeconds(2))).isEmpty();
    }

    @Test
    void unansweredCallsAreClaimedOnceAtTheirDeadline() {
        CallStore calls = store();
        calls.create(ringing("early"));
        calls.create(CallRecord.ringing("late", "alice", "s-alice", "bob", null, "voice", T0, DEADLINE.plusSeconds(10)));
        calls.create(ringing("answered"));
        calls.connect("answered", "s-bob", T0.plusSeconds(1));

        assertThat(calls.claimUnanswered(DEADLINE.minusMillis(1))).isEmpty();
        assertThat(calls.claimUnanswered(DEADLINE)).containsExactly(ringing("early"));
        assertThat(calls.claimUnanswered(DEADLINE)).isEmpty();
        assertThat(calls.find("early")).isEmpty();
        assertThat(calls.claimUnanswered(DEADLINE.plus(Duration.ofHours(1))))
                .extracting(CallRecord::id).containsExactly("late");
        assertThat(calls.find("answered")).as("a connected call has no ring deadline").isPresent();
        assertThat(calls.connect("late", "s-bob", DEADLINE.plusSeconds(11))).as("too late to answer").isEmpty();
    }

    @Test
    void concurrentAnswersHaveExactlyOneWinner() throws Exception {
        CallStore calls = store();
        for (int round = 0; round < 20; round++) {
            String id = "race-" + round;
            calls.create(ringing(id));
            List<Callable<Boolean>> racers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                String session = "s-bob-" + t;
                racers.add(() -> calls.connect(id, session, T0.plusSeconds(1)).isPresent());
            }
            racers.add(() -> calls.endRinging(id, T0.plusSeconds(1)).isPresent());
            racers.add(() -> !calls.claimUnanswered(DEADLINE).isEmpty());
            assertThat(race(racers)).as("winners in round " + round).isEqualTo(1);
        }
    }

    @Test
    void concurrentEndsHaveExactlyOneWinner() throws Exception {
        CallStore calls = store();
        for (int round = 0; round < 20; round++) {
            String id = "end-" + round;
            calls.create(ringing(id));
            calls.connect(id, "s-bob", T0.plusSeconds(1));
            List<Callable<Boolean>> racers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                racers.add(() -> calls.end(id, T0.plusSeconds(2)).isPresent());
            }
            assertThat(race(racers)).as("winners in round " + round).isEqualTo(1);
        }
    }

    @Test
    void storesOnTheSameBackendShareCalls() {
        Assumptions.assumeTrue(sharesStateAcrossInstances(), "single-node store");
        CallStore nodeA = store();
        CallStore nodeB = store();
        nodeA.create(ringing("c1"));
        nodeA.create(ringing("c2"));
        assertThat(nodeB.connect("c1", "s-bob-on-b", T0.plusSeconds(2))).isPresent();
        assertThat(nodeA.find("c1").orElseThrow().calleeSession()).isEqualTo("s-bob-on-b");
        assertThat(nodeA.claimUnanswered(DEADLINE)).extracting(CallRecord::id).containsExactly("c2");
        assertThat(nodeB.claimUnanswered(DEADLINE)).isEmpty();
        assertThat(nodeA.end("c1", T0.plusSeconds(9))).isPresent();
        assertThat(nodeB.end("c1", T0.plusSeconds(9))).isEmpty();
        assertThat(nodeB.findEnded("c1", T0.plusSeconds(10))).map(CallRecord::calleeSession).contains("s-bob-on-b");
        assertThat(nodeB.findEnded("c2", T0.plusSeconds(10))).as("timed out on node A").isPresent();
    }

    /** Runs the tasks at once; returns how many returned true. */
    private static int race(List<Callable<Boolean>> tasks) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Boolean>> results = new ArrayList<>();
            for (Callable<Boolean> task : tasks) {
                results.add(pool.submit(() -> {
                    start.await();
                    return task.call();
                }));
            }
            start.countDown();
            int winners = 0;
            for (Future<Boolean> f : results) {
                if (f.get(30, TimeUnit.SECONDS)) {
                    winners++;
                }
            }
            return winners;
        } finally {
            pool.shutdown();
        }
    }
}
