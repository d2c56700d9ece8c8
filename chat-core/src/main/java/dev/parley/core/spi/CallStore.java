package dev.parley.core.spi;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The state of calls (protocol 6.8), shared by every node so that a call offered on one node can
 * be answered, relayed and ended on another. A call is ringing, then connected, then ended: every
 * transition is atomic across nodes, so two devices answering at once, or an answer racing the
 * ring timeout, have exactly one winner. An ended call is kept as a tombstone for
 * {@link #ENDED_CALL_RETENTION}, so a late request from one of its parties can be told the call
 * ended ({@code CONFLICT}) rather than that it never existed ({@code NOT_FOUND}); then it is gone.
 */
public interface CallStore extends AutoCloseable {

    /** How long an ended call stays visible through {@link #findEnded}; its storage is freed after that. */
    Duration ENDED_CALL_RETENTION = Duration.ofMinutes(10);

    /** Records a new ringing call (its id is fresh). */
    void create(CallRecord call);

    /** The call, while it rings or is connected. */
    Optional<CallRecord> find(String callId);

    /**
     * The call as it was when it ended, if it ended less than {@link #ENDED_CALL_RETENTION} before
     * {@code now}; empty while it rings or is connected, and for unknown calls.
     */
    Optional<CallRecord> findEnded(String callId, Instant now);

    /**
     * Answers a ringing call: records the answering connection and time. Returns the connected
     * call, or empty if the call is unknown, already answered or ended (the caller lost the race).
     */
    Optional<CallRecord> connect(String callId, String answeringSession, Instant at);

    /**
     * Ends the call, ringing or connected, at {@code at}. Returns the call as it was, or empty if it
     * was unknown or already ended: exactly one of several concurrent callers gets it, and only that
     * one announces the end.
     */
    Optional<CallRecord> end(String callId, Instant at);

    /** Ends the call only if it still rings (a decline); empty if it is unknown, answered or ended. */
    Optional<CallRecord> endRinging(String callId, Instant at);

    /**
     * Ends (at {@code now}) and returns the ringing calls whose ring deadline is at or before
     * {@code now}. Each is returned to exactly one caller across the cluster, which announces the
     * timeout.
     */
    List<CallRecord> claimUnanswered(Instant now);

    @Override
    default void close() {
    }
}
