package dev.parley.core.spi;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The state of calls (protocol 6.8), shared by every node so that a call offered on one node can
 * be answered, relayed and ended on another. A call is ringing, then connected, then gone: every
 * transition is atomic across nodes, so two devices answering at once, or an answer racing the
 * ring timeout, have exactly one winner. Ended calls are removed, not kept.
 */
public interface CallStore extends AutoCloseable {

    /** Records a new ringing call (its id is fresh). */
    void create(CallRecord call);

    /** The call, while it rings or is connected. */
    Optional<CallRecord> find(String callId);

    /**
     * Answers a ringing call: records the answering connection and time. Returns the connected
     * call, or empty if the call is unknown, already answered or ended (the caller lost the race).
     */
    Optional<CallRecord> connect(String callId, String answeringSession, Instant at);

    /**
     * Ends the call, ringing or connected. Returns the call as it was, or empty if it was already
     * gone: exactly one of several concurrent callers gets it, and only that one announces the end.
     */
    Optional<CallRecord> end(String callId);

    /** Ends the call only if it still rings (a decline); empty if it is unknown, answered or ended. */
    Optional<CallRecord> endRinging(String callId);

    /**
     * Ends and returns the ringing calls whose ring deadline is at or before {@code now}. Each is
     * returned to exactly one caller across the cluster, which announces the timeout.
     */
    List<CallRecord> claimUnanswered(Instant now);

    @Override
    default void close() {
    }
}
