package dev.parley.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.spi.BrokerEvent;
import dev.parley.core.testkit.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A room's message events, arriving from several nodes in any order, go out in seq order, once. */
class SeqReorderTest {
    private static final String ROOM = "conversation:c1";
    private static final Duration WINDOW = Duration.ofMillis(250);

    private final ManualClock clock = new ManualClock();
    private final Counters counters = new Counters();
    private final List<Runnable> timers = new ArrayList<>();
    private final List<Duration> timerDelays = new ArrayList<>();
    private final List<String> delivered = Collections.synchronizedList(new ArrayList<>());
    private final SeqReorder order = new SeqReorder(clock, WINDOW, (task, delay) -> {
        timers.add(task);
        timerDelays.add(delay);
    }, counters, (topic, event) -> delivered.add(topic.equals(ROOM) ? event.frame() : topic + "/" + event.frame()));

    private static BrokerEvent message(long seq) {
        return BrokerEvent.toAll("m" + seq).withSeq(seq);
    }

    private static BrokerEvent unordered(String frame) {
        return BrokerEvent.toAll(frame);
    }

    /** Runs the timers due so far, as the engine's timer thread would. */
    private void runTimers() {
        List<Runnable> due = new ArrayList<>(timers);
        timers.clear();
        due.forEach(Runnable::run);
    }

    @Test
    void eventsInOrderGoOutAtOnce() {
        for (long seq = 5; seq <= 8; seq++) {
            order.offer(ROOM, message(seq));
        }
        order.offer(ROOM, unordered("edit of m8"));
        assertThat(delivered).containsExactly("m5", "m6", "m7", "m8", "edit of m8");
        assertThat(timers).as("nothing held, nothing to wake").isEmpty();
        assertThat(counters.snapshot()).isEmpty();
    }

    @Test
    void aSwappedPairGoesOutInSeqOrderAsSoonAsTheMissingOneArrives() {
        order.offer(ROOM, message(5));
        order.offer(ROOM, message(7));
        assertThat(delivered).as("7 waits for 6").containsExactly("m5");
        order.offer(ROOM, message(6));
        assertThat(delivered).containsExactly("m5", "m6", "m7");
        assertThat(counters.get("reorderHeld")).isEqualTo(1);
        assertThat(counters.get("reorderSkippedSeqs")).isZero();

        runTimers(); // the wake planned for 7 finds nothing held
        assertThat(delivered).hasSize(3);
        assertThat(timers).isEmpty();
    }

    @Test
    void aGapFilledLaterReleasesEverythingHeldBehindIt() {
        order.offer(ROOM, message(1));
        order.offer(ROOM, message(4));
        order.offer(ROOM, message(3));
        order.offer(ROOM, message(6));
        assertThat(delivered).containsExactly("m1");
        order.offer(ROOM, message(2));
        assertThat(delivered).as("5 is still missing").containsExactly("m1", "m2", "m3", "m4");
        order.offer(ROOM, message(5));
        assertThat(delivered).containsExactly("m1", "m2", "m3", "m4", "m5", "m6");
        assertThat(timers).as("one wake per topic while something is held").hasSize(1);
    }

    @Test
    void aGapIsGivenUpAfterTheHoldWindowAndCounted() {
        order.offer(ROOM, message(10));
        order.offer(ROOM, message(12));
        clock.advance(Duration.ofMillis(100));
        order.offer(ROOM, message(14));
        assertThat(timerDelays).containsExactly(WINDOW);

        clock.advance(Duration.ofMillis(149));
        runTimers();
        assertThat(delivered).as("12 has waited 249 ms").containsExactly("m10");
        assertThat(timers).as("woken too early: the wake is planned again").hasSize(1);

        clock.advance(Duration.ofMillis(1));
        runTimers();
        assertThat(delivered).as("12 has waited the window; 14 only 150 ms, for 13").containsExactly("m10", "m12");
        assertThat(counters.get("reorderSkippedSeqs")).isEqualTo(1);
        assertThat(timerDelays.get(timerDelays.size() - 1)).as("woken when 14 is due").isEqualTo(Duration.ofMillis(100));

        clock.advance(Duration.ofMillis(100));
        runTimers();
        assertThat(delivered).containsExactly("m10", "m12", "m14");
        assertThat(counters.get("reorderSkippedSeqs")).isEqualTo(2);
        assertThat(timers).isEmpty();

        order.offer(ROOM, message(15));
        assertThat(delivered).as("the expectation moved past the gap").endsWith("m15");
    }

    @Test
    void theEngineSweepExpiresHeldEventsToo() {
        order.offer(ROOM, message(1));
        order.offer(ROOM, message(3));
        order.expire(topic -> true);
        assertThat(delivered).containsExactly("m1");
        clock.advance(WINDOW);
        order.expire(topic -> true);
        assertThat(delivered).containsExactly("m1", "m3");
        runTimers(); // the pending wake finds nothing left
        assertThat(delivered).hasSize(2);
    }

    @Test
    void aLateEventGoesOutAtOnceAndIsCounted() {
        order.offer(ROOM, message(20));
        order.offer(ROOM, message(22));
        clock.advance(WINDOW);
        runTimers();
        assertThat(delivered).containsExactly("m20", "m22");
        order.offer(ROOM, message(21));
        assertThat(delivered).containsExactly("m20", "m22", "m21");
        assertThat(counters.get("reorderLate")).isEqualTo(1);
        order.offer(ROOM, message(23));
        assertThat(delivered).as("a late event does not move the expectation").endsWith("m23");
    }

    @Test
    void anEventWithoutSeqWaitsBehindWhatWasHeldBeforeIt() {
        order.offer(ROOM, message(1));
        order.offer(ROOM, message(3));
        order.offer(ROOM, unordered("reaction to m3"));
        order.offer(ROOM, message(5));
        order.offer(ROOM, unordered("edit of m5"));
        order.offer(ROOM, message(4));
        assertThat(delivered).as("everything waits for 2").containsExactly("m1");
        order.offer(ROOM, message(2));
        assertThat(delivered).containsExactly("m1", "m2", "m3", "reaction to m3", "m4", "m5", "edit of m5");
    }

    @Test
    void unorderedEventsHeldBehindAnExpiredGapGoOutAfterIt() {
        order.offer(ROOM, message(1));
        order.offer(ROOM, message(3));
        order.offer(ROOM, unordered("typing"));
        clock.advance(WINDOW);
        runTimers();
        assertThat(delivered).containsExactly("m1", "m3", "typing");
    }

    @Test
    void topicsAreIndependent() {
        order.offer(ROOM, message(1));
        order.offer(ROOM, message(3));
        order.offer("conversation:c2", message(7));
        order.offer("conversation:c2", message(8));
        assertThat(delivered).containsExactly("m1", "conversation:c2/m7", "conversation:c2/m8");
        assertThat(order.topicCount()).isEqualTo(2);
    }

    @Test
    void droppingATopicHandsOutWhatIsHeldAndForgetsTheExpectation() {
        order.offer(ROOM, message(1));
        order.offer(ROOM, message(3));
        order.offer(ROOM, unordered("typing"));
        order.drop(ROOM);
        assertThat(delivered).containsExactly("m1", "m3", "typing");
        assertThat(order.topicCount()).isZero();
        runTimers(); // the dropped topic's wake does nothing
        assertThat(delivered).hasSize(3);

        order.offer(ROOM, message(9));
        assertThat(delivered).as("a fresh expectation").endsWith("m9");
        order.expire(topic -> false); // its last connection left while an event was on its way
        assertThat(order.topicCount()).isZero();
    }

    @Test
    void deliveriesOfOneTopicNeverOverlap() throws Exception {
        int threads = 4;
        int perThread = 2000;
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        List<Long> out = Collections.synchronizedList(new ArrayList<>());
        SeqReorder shared = new SeqReorder(clock, WINDOW, (task, delay) -> { }, counters, (topic, event) -> {
            if (inside.incrementAndGet() != 1) {
                overlaps.incrementAndGet();
            }
            out.add(event.seq());
            inside.decrementAndGet();
        });
        shared.offer(ROOM, message(1));
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> senders = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int lane = t;
                senders.add(pool.submit(() -> {
                    start.await();
                    // Each thread is one node publishing every 4th seq, in its own order.
                    for (int i = 0; i < perThread; i++) {
                        shared.offer(ROOM, message(2 + lane + (long) i * threads));
                    }
                    return null;
                }));
            }
            for (Future<?> f : senders) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(overlaps.get()).isZero();
        assertThat(out).hasSize(1 + threads * perThread);
        for (int i = 0; i < out.size(); i++) {
            assertThat(out.get(i)).isEqualTo(i + 1L);
        }
    }
}
