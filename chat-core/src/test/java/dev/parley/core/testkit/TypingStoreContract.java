package dev.parley.core.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.spi.TypingStore;
import dev.parley.core.spi.TypingStore.Expired;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** What every {@link TypingStore} must do; implementations extend this class. */
public abstract class TypingStoreContract {
    private static final Instant T0 = Instant.parse("2025-03-01T09:00:00Z");
    private static final Instant EXPIRY = T0.plusSeconds(10);
    private final List<TypingStore> stores = new ArrayList<>();

    /** A store on an empty backend; stores made in one test share that backend (as nodes do). */
    protected abstract TypingStore newStore();

    /** Whether two stores from {@link #newStore()} share their state (a cluster store). */
    protected abstract boolean sharesStateAcrossInstances();

    @AfterEach
    void closeStores() {
        stores.forEach(TypingStore::close);
    }

    protected final TypingStore store() {
        TypingStore s = newStore();
        stores.add(s);
        return s;
    }

    @Test
    void startingReportsOnlyTheFirstStartAndTheEntryIsVisibleUntilItsExpiry() {
        TypingStore typing = store();
        assertThat(typing.start("conv-1", "alice", "Alice", EXPIRY, T0)).isTrue();
        assertThat(typing.start("conv-1", "alice", "Alice", EXPIRY.plusSeconds(2), T0.plusSeconds(2))).isFalse();
        typing.start("conv-1", "bob", "Bob", EXPIRY, T0);
        typing.start("conv-2", "alice", "Alice", EXPIRY, T0);
        assertThat(typing.typingIn("conv-1", T0)).containsExactlyInAnyOrder("alice", "bob");
        assertThat(typing.typingIn("conv-3", T0)).isEmpty();
        assertThat(typing.conversationsOf("alice", T0)).containsExactlyInAnyOrder("conv-1", "conv-2");
        assertThat(typing.typingIn("conv-1", EXPIRY)).as("alice extended her typing").containsExactly("alice");
        assertThat(typing.conversationsOf("alice", EXPIRY)).containsExactly("conv-1");
    }

    @Test
    void stoppingRemovesTheEntryOnce() {
        TypingStore typing = store();
        typing.start("conv-1", "alice", "Alice", EXPIRY, T0);
        assertThat(typing.stop("conv-1", "alice")).isTrue();
        assertThat(typing.stop("conv-1", "alice")).isFalse();
        assertThat(typing.stop("conv-1", "nobody")).isFalse();
        assertThat(typing.typingIn("conv-1", T0)).isEmpty();
        assertThat(typing.conversationsOf("alice", T0)).isEmpty();
        assertThat(typing.claimExpired(EXPIRY)).as("a stopped entry never expires").isEmpty();
    }

    @Test
    void expiredEntriesAreClaimedOnceWithTheirUsername() {
        TypingStore typing = store();
        typing.start("conv-1", "alice", "Alice", EXPIRY, T0);
        typing.start("conv-1", "bob", "Bob", EXPIRY.plusSeconds(5), T0);
        assertThat(typing.claimExpired(EXPIRY.minusMillis(1))).isEmpty();
        assertThat(typing.claimExpired(EXPIRY)).containsExactly(new Expired("conv-1", "alice", "Alice"));
        assertThat(typing.claimExpired(EXPIRY)).isEmpty();
        assertThat(typing.stop("conv-1", "alice")).as("already announced by its expiry").isFalse();
        assertThat(typing.typingIn("conv-1", EXPIRY)).containsExactly("bob");
    }

    @Test
    void anExpiredButUnclaimedEntryIsStoppedOrRestartedOnce() {
        TypingStore typing = store();
        typing.start("conv-1", "alice", "Alice", EXPIRY, T0);
        typing.start("conv-1", "bob", "Bob", EXPIRY, T0);
        assertThat(typing.typingIn("conv-1", EXPIRY)).isEmpty();
        assertThat(typing.stop("conv-1", "alice")).as("its stop is still to announce").isTrue();
        assertThat(typing.start("conv-1", "bob", "Bob", EXPIRY.plusSeconds(10), EXPIRY)).isTrue();
        assertThat(typing.claimExpired(EXPIRY)).isEmpty();
        assertThat(typing.typingIn("conv-1", EXPIRY)).containsExactly("bob");
    }

    @Test
    void idsWithSeparatorsQuotesAndUnicodeAreKeptApart() {
        TypingStore typing = store();
        typing.start("a:b", "c", "C", EXPIRY, T0);
        typing.start("a", "b:c", "BC", EXPIRY, T0);
        typing.start("with \"quotes\" / and \\", "ü-ñ", null, EXPIRY, T0);
        assertThat(typing.typingIn("a:b", T0)).containsExactly("c");
        assertThat(typing.typingIn("a", T0)).containsExactly("b:c");
        assertThat(typing.claimExpired(EXPIRY)).containsExactlyInAnyOrder(new Expired("a:b", "c", "C"),
                new Expired("a", "b:c", "BC"), new Expired("with \"quotes\" / and \\", "ü-ñ", null));
    }

    @Test
    void concurrentClaimsHandOutEachExpiredEntryOnce() throws Exception {
        TypingStore typing = store();
        int entries = 200;
        for (int i = 0; i < entries; i++) {
            typing.start("conv-" + (i % 7), "user-" + i, "U" + i, EXPIRY, T0);
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<Expired>>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                results.add(pool.submit(() -> {
                    start.await();
                    List<Expired> mine = new ArrayList<>();
                    for (int round = 0; round < 10; round++) {
                        mine.addAll(typing.claimExpired(EXPIRY));
                    }
                    return mine;
                }));
            }
            start.countDown();
            List<Expired> all = new ArrayList<>();
            for (Future<List<Expired>> f : results) {
                all.addAll(f.get(30, TimeUnit.SECONDS));
            }
            assertThat(all).hasSize(entries).doesNotHaveDuplicates();
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void storesOnTheSameBackendShareTyping() {
        Assumptions.assumeTrue(sharesStateAcrossInstances(), "single-node store");
        TypingStore nodeA = store();
        TypingStore nodeB = store();
        assertThat(nodeA.start("conv-1", "alice", "Alice", EXPIRY, T0)).isTrue();
        assertThat(nodeB.start("conv-1", "alice", "Alice", EXPIRY, T0)).isFalse();
        assertThat(nodeB.typingIn("conv-1", T0)).containsExactly("alice");
        assertThat(nodeB.conversationsOf("alice", T0)).containsExactly("conv-1");
        assertThat(nodeB.claimExpired(EXPIRY)).containsExactly(new Expired("conv-1", "alice", "Alice"));
        assertThat(nodeA.claimExpired(EXPIRY)).isEmpty();
    }
}
