package dev.parley.client;

/**
 * The client's one thread and one clock. Every piece of client state is touched only by tasks run
 * here, which is what makes the client thread-safe without locks; tests substitute a manual one.
 */
interface Scheduler {
    /** Monotonic milliseconds, for timers and idle checks. */
    long nowMillis();

    /** Runs the task on the client thread as soon as possible. */
    void execute(Runnable task);

    /** Runs the task on the client thread after the delay. */
    Cancellable schedule(Runnable task, long delayMillis);

    /** Stops running tasks; pending ones are dropped. */
    void shutdown();

    /** A scheduled task that has not run yet can be cancelled. */
    interface Cancellable {
        void cancel();
    }
}
