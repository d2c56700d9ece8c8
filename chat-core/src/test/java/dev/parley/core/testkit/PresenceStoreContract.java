package dev.parley.core.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.spi.PresenceStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What every {@link PresenceStore} must do; implementations extend this class. */
public abstract class PresenceStoreContract {
    private final List<PresenceStore> stores = new ArrayList<>();

    /** A store on an empty backend; stores made in one test share that backend (as nodes do). */
    protected abstract PresenceStore newStore();

    /** Whether two stores from {@link #newStore()} share their state (a cluster store). */
    protected abstract boolean sharesStateAcrossInstances();

    @AfterEach
    void closeStores() {
        stores.forEach(PresenceStore::close);
    }

    private PresenceStore store() {
        PresenceStore s = newStore();
        stores.add(s);
        return s;
    }

    @Test
    void firstConnectionBringsAUserOnlineAndTheLastTakesThemOffline() {
        PresenceStore p = store();
        assertThat(p.add("alice", "c1")).isTrue();
        assertThat(p.add("alice", "c2")).isFalse();
        assertThat(p.connectionCount("alice")).isEqualTo(2);
        assertThat(p.online(List.of("alice", "bob"))).containsExactly("alice");
        assertThat(p.remove("alice", "c1")).isFalse();
        assertThat(p.online(List.of("alice"))).containsExactly("alice");
        assertThat(p.remove("alice", "c2")).isTrue();
        assertThat(p.online(List.of("alice"))).isEmpty();
        assertThat(p.connectionCount("alice")).isZero();
    }

    @Test
    void removingAnUnknownConnectionChangesNothing() {
        PresenceStore p = store();
        assertThat(p.remove("ghost", "c0")).isFalse();
        p.add("bob", "c1");
        assertThat(p.remove("bob", "other")).isFalse();
        assertThat(p.connectionCount("bob")).isEqualTo(1);
    }

    @Test
    void addingTheSameConnectionTwiceCountsOnce() {
        PresenceStore p = store();
        p.add("carol", "c1");
        assertThat(p.add("carol", "c1")).isFalse();
        assertThat(p.connectionCount("carol")).isEqualTo(1);
        assertThat(p.remove("carol", "c1")).isTrue();
    }

    @Test
    void concurrentConnectionsOfOneUserReportOnlineAndOfflineExactlyOnce() throws Exception {
        PresenceStore p = store();
        int threads = 8;
        int rounds = 200;
        AtomicInteger onlineEvents = new AtomicInteger();
        AtomicInteger offlineEvents = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            futures.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < rounds; i++) {
                    String conn = "t" + thread + "-" + i;
                    if (p.add("dave", conn)) {
                        onlineEvents.incrementAndGet();
                    }
                    if (p.remove("dave", conn)) {
                        offlineEvents.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : futures) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertThat(onlineEvents.get()).isEqualTo(offlineEvents.get()).isPositive();
        assertThat(p.connectionCount("dave")).isZero();
        assertThat(p.online(Set.of("dave"))).isEmpty();
    }

    @Test
    void storesOnTheSameBackendSeeEachOthersConnections() {
        org.junit.jupiter.api.Assumptions.assumeTrue(sharesStateAcrossInstances(), "single-node store");
        PresenceStore node1 = store();
        PresenceStore node2 = store();
        node1.add("erin", "n1-c1");
        assertThat(node2.online(List.of("erin"))).containsExactly("erin");
        assertThat(node2.add("erin", "n2-c1")).isFalse();
        assertThat(node1.remove("erin", "n1-c1")).isFalse();
        assertThat(node2.remove("erin", "n2-c1")).isTrue();
    }
}
