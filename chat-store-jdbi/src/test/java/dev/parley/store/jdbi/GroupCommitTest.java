package dev.parley.store.jdbi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.core.spi.StoreException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The group commit's contract with its callers, on a writer that records its batches. */
class GroupCommitTest {
    private final ExecutorService callers = Executors.newFixedThreadPool(16);
    private final List<GroupCommit<?, ?>> commits = new ArrayList<>();

    @AfterEach
    void stop() {
        callers.shutdownNow();
        commits.forEach(c -> c.close(1_000));
    }

    private <T, R> GroupCommit<T, R> groupCommit(int maxBatch, Consumer<List<GroupCommit.Pending<T, R>>> writer) {
        GroupCommit<T, R> commit = new GroupCommit<>("test-committer", "double", maxBatch, writer);
        commits.add(commit);
        return commit;
    }

    /** Doubles each item; records each batch. Made {@link #holdingZero}, it holds the batch of item 0 until released. */
    private static final class Doubler implements Consumer<List<GroupCommit.Pending<Integer, Integer>>> {
        final List<List<Integer>> batches = Collections.synchronizedList(new ArrayList<>());
        private final boolean holdZero;
        private final CountDownLatch zeroHeld = new CountDownLatch(1);
        private final CountDownLatch release = new CountDownLatch(1);

        private Doubler(boolean holdZero) {
            this.holdZero = holdZero;
        }

        static Doubler plain() {
            return new Doubler(false);
        }

        static Doubler holdingZero() {
            return new Doubler(true);
        }

        @Override
        public void accept(List<GroupCommit.Pending<Integer, Integer>> batch) {
            if (holdZero && batch.get(0).item == 0) {
                zeroHeld.countDown();
                await(release);
            }
            batches.add(batch.stream().map(p -> p.item).toList());
            batch.forEach(p -> p.succeed(p.item * 2));
        }

        /** Waits until the batch of item 0 is being written. */
        void awaitZeroHeld() throws InterruptedException {
            assertThat(zeroHeld.await(5, TimeUnit.SECONDS)).as("the batch of item 0 is being written").isTrue();
        }

        void release() {
            release.countDown();
        }
    }

    @Test
    void itemsQueuedDuringACommitAreWrittenTogetherAndEachCallerGetsItsOwnResult() throws Exception {
        Doubler doubler = Doubler.holdingZero();
        GroupCommit<Integer, Integer> commit = groupCommit(3, doubler);
        Future<Integer> first = callers.submit(() -> commit.submit(0));
        doubler.awaitZeroHeld();
        List<Future<Integer>> queued = new ArrayList<>();
        for (int i = 1; i <= 7; i++) {
            int item = i;
            queued.add(callers.submit(() -> commit.submit(item)));
        }
        awaitQueued(commit, 7);
        doubler.release();

        assertThat(first.get(5, TimeUnit.SECONDS)).isZero();
        for (int i = 1; i <= 7; i++) {
            assertThat(queued.get(i - 1).get(5, TimeUnit.SECONDS)).isEqualTo(2 * i);
        }
        // Seven items waited behind the first batch: at most three a batch, so three batches more.
        assertThat(doubler.batches).hasSize(4);
        assertThat(doubler.batches.subList(1, 4)).allSatisfy(b -> assertThat(b).hasSizeBetween(1, 3));
        assertThat(doubler.batches.stream().mapToInt(List::size).sum()).isEqualTo(8);
        assertThat(commit.stats()).isEqualTo(new GroupCommit.Stats(4, 8));
    }

    @Test
    void aWriterThatThrowsFailsItsOwnBatchOnlyAndTheNextBatchesAreWritten() throws Exception {
        CountDownLatch firstBatchStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        GroupCommit<Integer, Integer> commit = groupCommit(1, batch -> {
            int item = batch.get(0).item;
            if (item == 0) {
                firstBatchStarted.countDown();
                await(release);
                throw new IllegalStateException("disk full");
            }
            batch.get(0).succeed(item * 2);
        });
        Future<Integer> failing = callers.submit(() -> commit.submit(0));
        assertThat(firstBatchStarted.await(5, TimeUnit.SECONDS)).isTrue();
        Future<Integer> next = callers.submit(() -> commit.submit(5));
        awaitQueued(commit, 1);
        release.countDown();

        assertThatThrownBy(() -> failing.get(5, TimeUnit.SECONDS)).cause()
                .isInstanceOf(StoreException.class).hasMessage("double failed")
                .cause().hasMessage("disk full");
        assertThat(next.get(5, TimeUnit.SECONDS)).isEqualTo(10);
    }

    @Test
    void anItemTheWriterLeavesUnsettledFailsInsteadOfWaitingForever() {
        GroupCommit<Integer, Integer> commit = groupCommit(8, batch -> { });

        Future<Integer> caller = callers.submit(() -> commit.submit(1));

        assertThatThrownBy(() -> caller.get(5, TimeUnit.SECONDS)).cause()
                .isInstanceOf(StoreException.class).cause().hasMessage("not settled");
    }

    @Test
    void closeWaitsForQueuedItemsAndThenRefusesNewOnes() throws Exception {
        Doubler doubler = Doubler.holdingZero();
        GroupCommit<Integer, Integer> commit = groupCommit(8, doubler);
        Future<Integer> first = callers.submit(() -> commit.submit(0));
        doubler.awaitZeroHeld();
        Future<Integer> queued = callers.submit(() -> commit.submit(4));
        awaitQueued(commit, 1);

        assertThat(commit.close(50)).as("a batch is still being written").isFalse();
        assertThatThrownBy(() -> commit.submit(9)).isInstanceOf(StoreException.class)
                .cause().hasMessage("the chat store is closed");
        doubler.release();

        assertThat(commit.close(5_000)).isTrue();
        assertThat(first.get(5, TimeUnit.SECONDS)).isZero();
        assertThat(queued.get(5, TimeUnit.SECONDS)).isEqualTo(8);
    }

    @Test
    void manyConcurrentCallersEachGetTheirOwnResultExactlyOnce() throws Exception {
        Doubler writer = Doubler.plain();
        GroupCommit<Integer, Integer> commit = groupCommit(16, writer);
        List<Future<Integer>> results = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            int item = i;
            results.add(callers.submit(() -> commit.submit(item)));
        }
        for (int i = 0; i < 2_000; i++) {
            assertThat(results.get(i).get(10, TimeUnit.SECONDS)).isEqualTo(2 * i);
        }
        List<Integer> written = writer.batches.stream().flatMap(List::stream).sorted().toList();
        assertThat(written).hasSize(2_000).doesNotHaveDuplicates();
        assertThat(writer.batches).allSatisfy(b -> assertThat(b).hasSizeBetween(1, 16));
    }

    /** Waits until {@code n} callers queued behind the batch being written. */
    private static void awaitQueued(GroupCommit<?, ?> commit, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (commit.queued() < n) {
            assertThat(System.nanoTime()).as("%d callers queued", n).isLessThan(deadline);
            Thread.sleep(1);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(5, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
