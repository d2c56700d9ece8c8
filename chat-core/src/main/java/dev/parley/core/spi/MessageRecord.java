package dev.parley.core.spi;

import com.google.gson.JsonObject;
import dev.parley.protocol.model.Reaction;
import dev.parley.protocol.model.User;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A stored message. The body is either one shared {@code content} or per-recipient
 * {@code contents} (user id to that user's copy; protocol 6.10); a store that loads a message for
 * one viewer may hold only that viewer's copy in {@code contents}. Tombstones have neither.
 *
 * @param sender            the sender's profile at load time
 * @param replyTo           the quoted message, or {@code null}
 * @param threadReplyCount  replies under this message, if it is a thread root
 * @param reactions         in order of first use; empty if none
 */
public record MessageRecord(
        String id,
        String conversationId,
        long seq,
        String senderId,
        User sender,
        String messageType,
        String content,
        Map<String, String> contents,
        String replyToId,
        ReplyRecord replyTo,
        JsonObject metadata,
        Instant createdAt,
        String clientMessageId,
        Instant editedAt,
        Instant deletedAt,
        String threadRootId,
        int threadReplyCount,
        Instant threadLastReplyAt,
        List<Reaction> reactions) {

    public MessageRecord {
        contents = contents == null ? null : Map.copyOf(contents);
        metadata = metadata == null ? new JsonObject() : metadata;
        reactions = reactions == null ? List.of() : List.copyOf(reactions);
    }

    /** The body as {@code viewerId} receives it: the shared content, their own copy, or {@code null}. */
    public String contentFor(String viewerId) {
        if (deletedAt != null) {
            return null;
        }
        return contents == null ? content : contents.get(viewerId);
    }

    public boolean isDeleted() {
        return deletedAt != null;
    }

    /** Whether the body is per-recipient (end-to-end encrypted copies the server cannot read). */
    public boolean isPerRecipient() {
        return contents != null;
    }
}
