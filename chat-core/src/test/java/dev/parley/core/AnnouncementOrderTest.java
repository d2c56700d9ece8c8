package dev.parley.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Appends to one conversation overlap, yet their announcements leave in seq order. */
class AnnouncementOrderTest {
    private final AnnouncementOrder order = new AnnouncementOrder();

    @Test
    void appendsInFlightTogetherAreAnnouncedInSeqOrder() throws Exception {
        AtomicLong store = new AtomicLong(); // hands out seqs as a store commits, at a random moment
        List<Long> announced = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> senders = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                senders.add(pool.submit(() -> {
                    for (int i = 0; i < 300; i++) {
                        AnnouncementOrder.Ticket ticket = order.begin("c1");
                        sleepMicros(ThreadLocalRandom.current().nextInt(200));
                        long seq = store.incrementAndGet();
                        sleepMicros(ThreadLocalRandom.current().nextInt(200));
                        order.announce("c1", ticket, seq, () -> announced.add(seq));
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
        assertThat(announced).hasSize(8 * 300).isSorted();
        assertThat(order.activeConversations()).as("idle conversations are forgotten").isZero();
    }

    @Test
    void aStoreThatCommitsAppendsTogetherIsNotHeldBackByTheOrder() throws Exception {
        CyclicBarrier oneBatch = new CyclicBarrier(3); // three appends to one conversation, committed at once
        AtomicLong store = new AtomicLong();
        List<Long> announced = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<?>> senders = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                senders.add(pool.submit(() -> {
                    AnnouncementOrder.Ticket ticket = order.begin("c1");
                    oneBatch.await(10, TimeUnit.SECONDS);
                    long seq = store.incrementAndGet();
                    order.announce("c1", ticket, seq, () -> announced.add(seq));
                    return null;
                }));
            }
            for (Future<?> f : senders) {
                f.get(20, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(announced).containsExactly(1L, 2L, 3L);
    }

    @Test
    void aFailedAppendReleasesTheOthersAndAFailingAnnouncementReachesItsCaller() throws Exception {
        AnnouncementOrder.Ticket failing = order.begin("c1");
        AnnouncementOrder.Ticket ok = order.begin("c1");
        List<Long> announced = new ArrayList<>();
        Thread waiter = new Thread(() -> order.announce("c1", ok, 7, () -> announced.add(7L)));
        waiter.start();
        waiter.join(200);
        assertThat(waiter.isAlive()).as("held back: the other append could still return a lower seq").isTrue();
        order.abandon("c1", failing);
        waiter.join(10_000);
        assertThat(waiter.isAlive()).isFalse();
        assertThat(announced).containsExactly(7L);

        AnnouncementOrder.Ticket next = order.begin("c1");
        assertThatThrownBy(() -> order.announce("c1", next, 8, () -> {
            throw new IllegalStateException("broken transport");
        })).hasMessage("broken transport");
        assertThat(order.activeConversations()).isZero();
    }

    private static void sleepMicros(int micros) {
        try {
            TimeUnit.MICROSECONDS.sleep(micros);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
