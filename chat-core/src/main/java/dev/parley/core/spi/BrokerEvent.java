package dev.parley.core.spi;

import java.util.Map;

/**
 * One event published on a topic, already encoded, with the rules that choose which local
 * connections get it. Encoded once, delivered to many: connections share the frame text.
 *
 * @param frame            the frame for every qualifying connection (for per-recipient bodies: for users without a copy)
 * @param framesByUser     per-user frames (end-to-end encrypted copies), or {@code null}
 * @param excludeUserId    connections of this user do not get it, or {@code null}
 * @param excludeSessionId this connection does not get it (it caused the event), or {@code null}
 * @param extension        only connections that negotiated this extension (its wire name) get it, or {@code null}
 * @param seq              the conversation seq of the message it announces, which receiving nodes use
 *                         to hand a room's messages to their connections in seq order; 0 for events
 *                         that have no place in that order
 */
public record BrokerEvent(
        String frame,
        Map<String, String> framesByUser,
        String excludeUserId,
        String excludeSessionId,
        String extension,
        long seq) {

    public BrokerEvent {
        framesByUser = framesByUser == null ? null : Map.copyOf(framesByUser);
        if (seq < 0) {
            throw new IllegalArgumentException("seq must not be negative");
        }
    }

    /** An event outside the seq order of its topic. */
    public BrokerEvent(String frame, Map<String, String> framesByUser, String excludeUserId, String excludeSessionId,
                       String extension) {
        this(frame, framesByUser, excludeUserId, excludeSessionId, extension, 0);
    }

    /** An event for every connection on the topic. */
    public static BrokerEvent toAll(String frame) {
        return new BrokerEvent(frame, null, null, null, null);
    }

    /** This event, announcing the message of this conversation seq. */
    public BrokerEvent withSeq(long messageSeq) {
        return new BrokerEvent(frame, framesByUser, excludeUserId, excludeSessionId, extension, messageSeq);
    }

    /** The frame for a connection of this user. */
    public String frameFor(String userId) {
        if (framesByUser != null) {
            String own = framesByUser.get(userId);
            if (own != null) {
                return own;
            }
        }
        return frame;
    }
}
