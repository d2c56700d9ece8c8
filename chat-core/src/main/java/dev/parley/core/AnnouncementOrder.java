package dev.parley.core;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

/**
 * Lets the appends to one conversation run at the same time, so that the store can commit them
 * together, while what is announced about them (the ack, the broadcast) still leaves in seq order.
 *
 * <p>An append that starts after another one returned gets a higher seq (the store assigns seqs in
 * commit order). So each append remembers, when it starts, the highest seq returned so far: its
 * floor. A returned message is announced once no append still in flight has a floor below its seq,
 * that is, once no append still in flight can come back with a lower seq. Announcements run one at
 * a time per conversation, on whichever thread made the last one ready; the thread of each append
 * waits until its own has run, so its session sees the ack before it handles its next frame.
 */
final class AnnouncementOrder {
    private final ConcurrentHashMap<String, Lane> lanes = new ConcurrentHashMap<>();

    /** One append in flight, then waiting for its turn to be announced. */
    static final class Ticket {
        private final Lane lane;
        private final long floor;
        private long seq;
        private Runnable announcement;
        private Throwable failure;
        private final CountDownLatch done = new CountDownLatch(1);

        private Ticket(Lane lane, long floor) {
            this.lane = lane;
            this.floor = floor;
        }
    }

    private static final class Lane {
        final List<Ticket> inFlight = new ArrayList<>(4);
        final PriorityQueue<Ticket> ready = new PriorityQueue<>((a, b) -> Long.compare(a.seq, b.seq));
        long highestReturned = Long.MIN_VALUE;
        boolean running;
        boolean retired;

        /** Whether no append in flight can still return a seq at or below {@code seq}. */
        boolean releasable(long seq) {
            for (Ticket t : inFlight) {
                if (seq > t.floor) {
                    return false;
                }
            }
            return true;
        }
    }

    /** Call before the append; then exactly one of {@link #announce} or {@link #abandon}. */
    Ticket begin(String conversationId) {
        while (true) {
            Lane lane = lanes.computeIfAbsent(conversationId, k -> new Lane());
            synchronized (lane) {
                if (!lane.retired) {
                    Ticket t = new Ticket(lane, lane.highestReturned);
                    lane.inFlight.add(t);
                    return t;
                }
            }
        }
    }

    /**
     * The append returned {@code seq}: runs {@code announcement} in seq order among this
     * conversation's appends and returns once it ran, rethrowing what it threw.
     */
    void announce(String conversationId, Ticket t, long seq, Runnable announcement) {
        Lane lane = t.lane;
        synchronized (lane) {
            lane.inFlight.remove(t);
            lane.highestReturned = Math.max(lane.highestReturned, seq);
            t.seq = seq;
            t.announcement = announcement;
            lane.ready.add(t);
        }
        runReady(conversationId, lane);
        boolean interrupted = false;
        while (true) {
            try {
                t.done.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the announcement runs regardless; wait for it
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (t.failure instanceof RuntimeException e) {
            throw e;
        }
        if (t.failure instanceof Error e) {
            throw e;
        }
    }

    /** The append failed: nothing to announce, and it no longer holds the others back. */
    void abandon(String conversationId, Ticket t) {
        Lane lane = t.lane;
        synchronized (lane) {
            lane.inFlight.remove(t);
        }
        runReady(conversationId, lane);
    }

    private void runReady(String conversationId, Lane lane) {
        synchronized (lane) {
            if (lane.running) {
                return; // the running thread will see what became ready
            }
            lane.running = true;
        }
        while (true) {
            Ticket next;
            synchronized (lane) {
                next = lane.ready.peek();
                if (next == null || !lane.releasable(next.seq)) {
                    lane.running = false;
                    if (next == null && lane.inFlight.isEmpty()) {
                        lane.retired = true;
                        lanes.remove(conversationId, lane);
                    }
                    return;
                }
                lane.ready.poll();
            }
            try {
                next.announcement.run();
            } catch (Throwable e) {
                next.failure = e;
            }
            next.done.countDown();
        }
    }

    /** For tests: conversations with appends in flight or waiting. */
    int activeConversations() {
        return lanes.size();
    }
}
