package dev.parley.client;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** A {@link Scheduler} whose clock moves only when a test says so; tasks run on the test's thread. */
final class ManualScheduler implements Scheduler {
    private long now = 1_000_000;
    private long sequence;
    private final List<Task> tasks = new ArrayList<>();

    private final class Task implements Cancellable {
        final long due;
        final long order = sequence++;
        final Runnable runnable;
        boolean cancelled;

        Task(long due, Runnable runnable) {
            this.due = due;
            this.runnable = runnable;
        }

        @Override
        public void cancel() {
            cancelled = true;
            tasks.remove(this);
        }
    }

    @Override
    public long nowMillis() {
        return now;
    }

    @Override
    public void execute(Runnable task) {
        task.run();
    }

    @Override
    public Cancellable schedule(Runnable task, long delayMillis) {
        Task t = new Task(now + Math.max(0, delayMillis), task);
        tasks.add(t);
        return t;
    }

    @Override
    public void shutdown() {
        tasks.clear();
    }

    /** Moves the clock forward, running every task that falls due, in due order. */
    void advance(long millis) {
        long target = now + millis;
        while (true) {
            Task next = tasks.stream().filter(t -> t.due <= target)
                    .min(Comparator.<Task>comparingLong(t -> t.due).thenComparingLong(t -> t.order)).orElse(null);
            if (next == null) {
                break;
            }
            tasks.remove(next);
            now = Math.max(now, next.due);
            next.runnable.run();
        }
        now = target;
    }

    int scheduledCount() {
        return tasks.size();
    }
}
