package dev.parley.store.jdbi;

import dev.parley.core.spi.StoreException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit for small writes of one kind (appends, user upserts, open-room joins), also used for
 * the one read that storms repeat (a user's conversation ids). Callers queue their item and
 * block; one committer thread takes everything queued (up to {@code maxBatch}) and hands it to the
 * writer, which stores the batch in one transaction and settles each caller's {@link Pending} after
 * the commit. While one batch commits, the next one queues up, so the batch size follows the load:
 * one item when idle, many when many callers wait, and one commit (one WAL flush) serves them all.
 *
 * <p>Every queued item is settled exactly once: by the writer, or, if the writer throws, with a
 * {@link StoreException}. {@link #close} stops admission, lets the committer write what was already
 * queued, and waits for it.
 *
 * @param <T> what callers queue
 * @param <R> what each of them gets back after the commit
 */
final class GroupCommit<T, R> {
    private static final Logger log = LoggerFactory.getLogger(GroupCommit.class);

    private final BlockingQueue<Pending<T, R>> queue = new LinkedBlockingQueue<>();
    /** Queued by {@link #close} behind every admitted item: the committer stops when it takes it. */
    private final Pending<T, R> end = new Pending<>(null);
    private final Object admission = new Object();
    private final String what;
    private final int maxBatch;
    private final Consumer<List<Pending<T, R>>> writer;
    private final Thread committer;
    private boolean closed;
    /** Batches and items handed to the writer so far; written by the committer only. */
    private volatile long batches;
    private volatile long items;

    /**
     * {@code writer} must settle every pending item of the batch it is given; {@code what} names the
     * operation in the errors of items that never reached it (e.g. "append message").
     */
    GroupCommit(String threadName, String what, int maxBatch, Consumer<List<Pending<T, R>>> writer) {
        this.what = what;
        this.maxBatch = maxBatch;
        this.writer = writer;
        this.committer = new Thread(this::commitUntilClosed, threadName);
        committer.setDaemon(true);
        committer.start();
    }

    /** Queues the item and blocks until its batch committed (or failed); throws the caller's own error. */
    R submit(T item) {
        Pending<T, R> pending = new Pending<>(item);
        synchronized (admission) {
            if (closed) {
                throw new StoreException(what + " failed", new IllegalStateException("the chat store is closed"));
            }
            queue.add(pending);
        }
        return pending.await();
    }

    /**
     * Stops admitting items and waits up to {@code waitMillis} for the queued ones to be written.
     * Returns whether the committer finished; if not, it is still writing (and fails fast once the
     * caller closes the database).
     */
    boolean close(long waitMillis) {
        synchronized (admission) {
            if (!closed) {
                closed = true;
                queue.add(end);
            }
        }
        try {
            committer.join(waitMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !committer.isAlive();
    }

    private void commitUntilClosed() {
        List<Pending<T, R>> batch = new ArrayList<>(maxBatch);
        boolean ended = false;
        while (!ended) {
            Pending<T, R> first = takeUninterruptibly();
            if (first == end) {
                return;
            }
            batch.add(first);
            // Lets callers that are runnable (about to queue) run first. Without it, on a busy CPU
            // the committer, woken by the first item, took batches of one or two: the other callers
            // got the CPU only after its commit. With nothing else runnable this returns at once.
            Thread.yield();
            queue.drainTo(batch, maxBatch - 1);
            ended = batch.remove(end);
            batches++;
            items += batch.size();
            try {
                writer.accept(batch);
            } catch (Throwable t) {
                log.error("writing a batch of {} ({}) failed", batch.size(), what, t);
                StoreException failure = new StoreException(what + " failed", t);
                batch.forEach(p -> p.fail(failure));
            }
            // Whatever the writer did, no caller may wait forever.
            for (Pending<T, R> p : batch) {
                if (!p.settled()) {
                    log.error("the writer left an item unsettled ({})", what);
                    p.fail(new StoreException(what + " failed", new IllegalStateException("not settled")));
                }
            }
            batch.clear();
        }
    }

    /** Batches and items written so far, for benchmarks: how many items one commit serves. */
    Stats stats() {
        return new Stats(batches, items);
    }

    record Stats(long batches, long items) {
    }

    /** Items queued and not yet taken into a batch (for tests). */
    int queued() {
        return queue.size();
    }

    private Pending<T, R> takeUninterruptibly() {
        while (true) {
            try {
                Pending<T, R> p = queue.poll(1, TimeUnit.MINUTES);
                if (p != null) {
                    return p;
                }
            } catch (InterruptedException e) {
                // Nobody interrupts the committer on purpose; it stops at END only.
            }
        }
    }

    /** One queued item and its caller's outcome. */
    static final class Pending<T, R> {
        final T item;
        private final CompletableFuture<R> outcome = new CompletableFuture<>();

        Pending(T item) {
            this.item = item;
        }

        /** Blocks until settled; returns the result or throws this item's own error. */
        R await() {
            try {
                // Uninterruptible: the item may commit whatever the caller does, so it waits for the outcome.
                return outcome.join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof RuntimeException cause) {
                    throw cause;
                }
                throw new StoreException("store write failed", e.getCause());
            }
        }

        void succeed(R result) {
            outcome.complete(result);
        }

        void fail(RuntimeException error) {
            outcome.completeExceptionally(error);
        }

        boolean settled() {
            return outcome.isDone();
        }
    }
}
