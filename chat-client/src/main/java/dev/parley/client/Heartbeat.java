package dev.parley.client;

/**
 * Application-level liveness (protocol 2.5): send {@code ping} after {@code pingAfterIdle} without
 * sending anything, declare the connection dead after {@code deadAfter} without receiving anything.
 * Receipt is recorded from the socket thread, hence the volatile fields.
 */
final class Heartbeat {
    enum Action { NONE, PING, DEAD }

    private final long pingAfterIdle;
    private final long deadAfter;
    private volatile long lastSent;
    private volatile long lastReceived;

    Heartbeat(long pingAfterIdleMillis, long deadAfterMillis) {
        this.pingAfterIdle = pingAfterIdleMillis;
        this.deadAfter = deadAfterMillis;
    }

    void reset(long now) {
        lastSent = now;
        lastReceived = now;
    }

    void sent(long now) {
        lastSent = now;
    }

    void received(long now) {
        lastReceived = now;
    }

    Action check(long now) {
        if (now - lastReceived >= deadAfter) {
            return Action.DEAD;
        }
        return now - lastSent >= pingAfterIdle ? Action.PING : Action.NONE;
    }

    /** Milliseconds until {@link #check} could answer something other than {@code NONE}. */
    long nextCheckDelay(long now) {
        long untilPing = lastSent + pingAfterIdle - now;
        long untilDead = lastReceived + deadAfter - now;
        return Math.max(1, Math.min(untilPing, untilDead));
    }
}
