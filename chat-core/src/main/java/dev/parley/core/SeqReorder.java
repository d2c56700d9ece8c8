package dev.parley.core;

import dev.parley.core.spi.BrokerEvent;
import dev.parley.core.spi.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

/**
 * Hands the events of each conversation room to this node's connections with its messages in seq
 * order, whichever node published them. The broker keeps the order of one publishing node only, and
 * each node announces its own appends in seq order ({@link AnnouncementOrder}); when two nodes append
 * to one conversation, this node may receive seq 6 before seq 5. So, per topic, on the receiving side:
 *
 * <ul>
 *   <li>the first event with a seq sets the expectation; the expected seq is delivered at once and
 *       releases the held events that follow it without a gap;</li>
 *   <li>a higher seq is held until the missing ones arrive or it has waited the hold window; then
 *       the held events up to it go out in seq order, the missing seqs are counted as skipped
 *       ({@code reorderSkippedSeqs}) and the expectation moves past them. So no event waits longer
 *       than the window, and a seq lost on the way (the broker delivers at most once) costs one
 *       window, not a stall;</li>
 *   <li>a lower seq (it comes after its place was given up) is delivered at once and counted
 *       ({@code reorderLate});</li>
 *   <li>an event without seq (edit, reaction, typing) waits behind the events held when it arrived,
 *       so it never overtakes the message it is about; with nothing held it goes at once.</li>
 * </ul>
 *
 * <p>Deliveries of one topic run one at a time, on whichever thread (publisher, broker, timer) made
 * them ready; delivering only queues frames on connections, so nothing blocks under the topic's
 * lock. The window is measured on the engine's clock; a timer wakes the topic when its oldest held
 * event is due, and {@link #expire} (the engine's sweep) catches anything a timer missed.
 */
final class SeqReorder {
    /** Runs a task once after a delay: the engine's timer thread. */
    @FunctionalInterface
    interface Timer {
        void schedule(Runnable task, Duration delay);
    }

    private final Clock clock;
    private final Duration hold;
    private final Timer timer;
    private final Counters counters;
    private final BiConsumer<String, BrokerEvent> out;
    private final ConcurrentHashMap<String, Lane> lanes = new ConcurrentHashMap<>();

    /** An event waiting for a lower seq, and the unordered events that arrived behind it. */
    private static final class Held {
        final BrokerEvent event;
        final Instant heldAt;
        List<BrokerEvent> behind;

        Held(BrokerEvent event, Instant heldAt) {
            this.event = event;
            this.heldAt = heldAt;
        }

        void addBehind(BrokerEvent e) {
            if (behind == null) {
                behind = new ArrayList<>(2);
            }
            behind.add(e);
        }
    }

    private static final class Lane {
        long expected; // 0 until the first event with a seq
        final TreeMap<Long, Held> held = new TreeMap<>();
        boolean wakeScheduled;
        boolean retired;
    }

    /**
     * @param out delivers one event to the topic's local connections; called under the topic's lock,
     *            so it must not block
     */
    SeqReorder(Clock clock, Duration hold, Timer timer, Counters counters, BiConsumer<String, BrokerEvent> out) {
        this.clock = clock;
        this.hold = hold;
        this.timer = timer;
        this.counters = counters;
        this.out = out;
    }

    /** One event of the topic, from this node or another: delivered now, or held to go out in order. */
    void offer(String topic, BrokerEvent event) {
        while (true) {
            Lane lane = lanes.computeIfAbsent(topic, k -> new Lane());
            synchronized (lane) {
                if (lane.retired) {
                    continue; // dropped meanwhile: a fresh lane takes it
                }
                accept(topic, lane, event);
                return;
            }
        }
    }

    private void accept(String topic, Lane lane, BrokerEvent event) {
        long seq = event.seq();
        if (seq == 0) {
            if (lane.held.isEmpty()) {
                out.accept(topic, event);
            } else {
                lane.held.lastEntry().getValue().addBehind(event);
            }
            return;
        }
        if (lane.expected == 0) {
            lane.expected = seq;
        }
        if (seq == lane.expected) {
            out.accept(topic, event);
            lane.expected = seq + 1;
            releaseContiguous(topic, lane);
        } else if (seq < lane.expected) {
            counters.increment("reorderLate");
            out.accept(topic, event);
        } else {
            Held existing = lane.held.get(seq);
            if (existing != null) {
                existing.addBehind(event); // a second copy: keeps its place, never overtakes the first
                return;
            }
            counters.increment("reorderHeld");
            lane.held.put(seq, new Held(event, clock.now()));
            if (!lane.wakeScheduled) {
                lane.wakeScheduled = true;
                timer.schedule(() -> wake(topic, lane), hold);
            }
        }
    }

    /** Delivers the held events that now follow the expectation without a gap. */
    private void releaseContiguous(String topic, Lane lane) {
        while (!lane.held.isEmpty() && lane.held.firstKey() == lane.expected) {
            deliver(topic, lane.held.pollFirstEntry().getValue());
            lane.expected++;
        }
    }

    private void deliver(String topic, Held h) {
        out.accept(topic, h.event);
        if (h.behind != null) {
            for (BrokerEvent e : h.behind) {
                out.accept(topic, e);
            }
        }
    }

    private void wake(String topic, Lane lane) {
        synchronized (lane) {
            lane.wakeScheduled = false;
            if (lane.retired) {
                return;
            }
            Instant now = clock.now();
            expire(topic, lane, now);
            Instant due = oldestDue(lane);
            if (due != null) {
                lane.wakeScheduled = true;
                Duration left = Duration.between(now, due);
                // On a clock that does not follow real time (tests), wait a whole window again.
                timer.schedule(() -> wake(topic, lane), left.isNegative() || left.isZero() ? hold : left);
            }
        }
    }

    /** When the oldest held event of the lane has waited the window, or null if none is held. */
    private Instant oldestDue(Lane lane) {
        Instant oldest = null;
        for (Held h : lane.held.values()) {
            if (oldest == null || h.heldAt.isBefore(oldest)) {
                oldest = h.heldAt;
            }
        }
        return oldest == null ? null : oldest.plus(hold);
    }

    /** Gives up on the seqs missing before every held event that has waited the window. */
    private void expire(String topic, Lane lane, Instant now) {
        long upTo = 0;
        for (Map.Entry<Long, Held> e : lane.held.entrySet()) {
            if (!e.getValue().heldAt.plus(hold).isAfter(now)) {
                upTo = e.getKey(); // keys ascend: the last due one is the highest
            }
        }
        if (upTo == 0) {
            return;
        }
        long skipped = 0;
        while (!lane.held.isEmpty() && lane.held.firstKey() <= upTo) {
            Map.Entry<Long, Held> first = lane.held.pollFirstEntry();
            skipped += first.getKey() - lane.expected;
            deliver(topic, first.getValue());
            lane.expected = first.getKey() + 1;
        }
        counters.add("reorderSkippedSeqs", skipped);
        releaseContiguous(topic, lane);
    }

    /**
     * Delivers what has waited the hold window, on every topic; drops the state of topics for which
     * {@code wanted} is false (their last local connection left while an event was on its way).
     */
    void expire(Predicate<String> wanted) {
        Instant now = clock.now();
        for (Map.Entry<String, Lane> e : lanes.entrySet()) {
            if (!wanted.test(e.getKey())) {
                drop(e.getKey());
                continue;
            }
            Lane lane = e.getValue();
            synchronized (lane) {
                if (!lane.retired) {
                    expire(e.getKey(), lane, now);
                }
            }
        }
    }

    /**
     * Forgets the topic (its last local connection left): what is still held goes out now, to
     * whoever is on the topic by then, and the next event starts a fresh expectation.
     */
    void drop(String topic) {
        Lane lane = lanes.get(topic);
        if (lane == null) {
            return;
        }
        synchronized (lane) {
            if (lane.retired) {
                return;
            }
            lane.retired = true;
            lanes.remove(topic, lane);
            List<Held> rest = new ArrayList<>(lane.held.values());
            lane.held.clear();
            for (Held h : rest) {
                deliver(topic, h);
            }
        }
    }

    /** For tests: topics with state. */
    int topicCount() {
        return lanes.size();
    }
}
