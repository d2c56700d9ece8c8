package dev.parley.core.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * One call (protocol 6.8) as the engine shares it between nodes. A call rings until
 * {@code ringDeadline}; once answered it records the answering connection and the time.
 *
 * @param id             the call id
 * @param callerId       the calling user
 * @param callerSession  the connection that offered the call
 * @param calleeId       the called user
 * @param conversationId the conversation the call belongs to, or null for a call between contacts
 * @param callType       {@code voice} or {@code video}
 * @param startedAt      when the call was offered
 * @param ringDeadline   when an unanswered call ends
 * @param calleeSession  the connection that answered, or null while ringing
 * @param connectedAt    when it was answered, or null while ringing
 */
public record CallRecord(String id, String callerId, String callerSession, String calleeId, String conversationId,
                         String callType, Instant startedAt, Instant ringDeadline, String calleeSession,
                         Instant connectedAt) {
    public CallRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(callerId, "callerId");
        Objects.requireNonNull(callerSession, "callerSession");
        Objects.requireNonNull(calleeId, "calleeId");
        Objects.requireNonNull(callType, "callType");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(ringDeadline, "ringDeadline");
        if ((calleeSession == null) != (connectedAt == null)) {
            throw new IllegalArgumentException("calleeSession and connectedAt are set together");
        }
    }

    /** A call that was just offered and rings until the deadline. */
    public static CallRecord ringing(String id, String callerId, String callerSession, String calleeId,
                                     String conversationId, String callType, Instant startedAt, Instant ringDeadline) {
        return new CallRecord(id, callerId, callerSession, calleeId, conversationId, callType, startedAt, ringDeadline,
                null, null);
    }

    /** Whether nobody has answered yet. */
    public boolean isRinging() {
        return calleeSession == null;
    }

    /** This call, answered by that connection at that time. */
    public CallRecord connected(String answeringSession, Instant at) {
        return new CallRecord(id, callerId, callerSession, calleeId, conversationId, callType, startedAt, ringDeadline,
                Objects.requireNonNull(answeringSession), Objects.requireNonNull(at));
    }
}
