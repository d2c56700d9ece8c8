package dev.parley.store.jdbi;

import dev.parley.core.spi.AppendResult;
import dev.parley.core.spi.NewMessage;
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
 * Group commit for appends. Callers queue their message and block; one committer thread takes
 * everything queued (up to {@code maxBatch}) and hands it to the writer, which stores the batch in
 * one transaction and settles each caller's {@link Pending} after the commit. While one batch
 * commits, the next one queues up, so the batch size follows the load: one message when idle, many
 * when many callers wait, and one WAL flush serves them all.
 *
 * <p>Every queued append is settled exactly once: by the writer, or, if the writer throws, with a
 * {@link StoreException}. {@link #close} stops admission, lets the committer write what was already
 * queued, and waits for it.
 */
final class GroupCommit {
    private static final Logger log = LoggerFactory.getLogger(GroupCommit.class);
    /** Queued by {@link #close} behind every admitted append: the committer stops when it takes it. */
    private static final Pending END = new Pending(null);

    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Object admission = new Object();
    private final int maxBatch;
    private final Consumer<List<Pending>> writer;
    private final Thread committer;
    private boolean closed;
    /** Batches and appends handed to the writer so far; written by the committer only. */
    private volatile long batches;
    private volatile long appends;

    /** {@code writer} must settle every pending append of the batch it is given. */
    GroupCommit(String threadName, int maxBatch, Consumer<List<Pending>> writer) {
        this.maxBatch = maxBatch;
        this.writer = writer;
        this.committer = new Thread(this::commitUntilClosed, threadName);
        committer.setDaemon(true);
        committer.start();
    }

    /** Queues the message and blocks until its batch committed (or failed); throws the caller's own error. */
    AppendResult append(NewMessage message) {
        Pending pending = new Pending(message);
        synchronized (admission) {
            if (closed) {
                throw new StoreException("append message failed", new IllegalStateException("the chat store is closed"));
            }
            queue.add(pending);
        }
        return pending.await();
    }

    /**
     * Stops admitting appends and waits up to {@code waitMillis} for the queued ones to be written.
     * Returns whether the committer finished; if not, it is still writing (and fails fast once the
     * caller closes the database).
     */
    boolean close(long waitMillis) {
        synchronized (admission) {
            if (!closed) {
                closed = true;
                queue.add(END);
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
        List<Pending> batch = new ArrayList<>(maxBatch);
        boolean end = false;
        while (!end) {
            Pending first = takeUninterruptibly();
            if (first == END) {
                return;
            }
            batch.add(first);
            queue.drainTo(batch, maxBatch - 1);
            end = batch.remove(END);
            batches++;
            appends += batch.size();
            try {
                writer.accept(batch);
            } catch (Throwable t) {
                log.error("writing a batch of {} appends failed", batch.size(), t);
                StoreException failure = new StoreException("append message failed", t);
                batch.forEach(p -> p.fail(failure));
            }
            // Whatever the writer did, no caller may wait forever.
            for (Pending p : batch) {
                if (!p.settled()) {
                    log.error("the writer left an append unsettled");
                    p.fail(new StoreException("append message failed", new IllegalStateException("not settled")));
                }
            }
            batch.clear();
        }
    }

    /** Batches and appends written so far, for benchmarks: how many appends one commit serves. */
    Stats stats() {
        return new Stats(batches, appends);
    }

    record Stats(long batches, long appends) {
    }

    private Pending takeUninterruptibly() {
        while (true) {
            try {
                Pending p = queue.poll(1, TimeUnit.MINUTES);
                if (p != null) {
                    return p;
                }
            } catch (InterruptedException e) {
                // Nobody interrupts the committer on purpose; it stops at END only.
            }
        }
    }

    /** One queued append and its caller's outcome. */
    static final class Pending {
        final NewMessage message;
        private final CompletableFuture<AppendResult> outcome = new CompletableFuture<>();

        Pending(NewMessage message) {
            this.message = message;
        }

        /** Blocks until settled; returns the result or throws this append's own error. */
        AppendResult await() {
            try {
                // Uninterruptible: the message may commit whatever the caller does, so it waits for the outcome.
                return outcome.join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof RuntimeException cause) {
                    throw cause;
                }
                throw new StoreException("append message failed", e.getCause());
            }
        }

        void succeed(AppendResult result) {
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
