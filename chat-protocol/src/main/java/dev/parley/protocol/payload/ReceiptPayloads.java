package dev.parley.protocol.payload;

import dev.parley.protocol.Rules.MaxChars;
import dev.parley.protocol.Rules.Required;
import java.time.Instant;

/** Read receipts and unread counts (6.4). */
public final class ReceiptPayloads {
    private ReceiptPayloads() {
    }

    /** {@code mark_read}. */
    public record MarkRead(
            @Required @MaxChars(value = 128, invalid = true) String conversationId,
            @Required @MaxChars(value = 128, invalid = true) String messageId) {
    }

    /** {@code marked_read}. */
    public record MarkedRead(String conversationId, String lastReadMessageId, long lastReadSeq, int unreadCount) {
    }

    /** {@code read_receipt}: to other users' connections in the room. */
    public record ReadReceipt(
            String conversationId, String userId, String lastReadMessageId, long lastReadSeq, Instant readAt) {
    }

    /** {@code unread_update}: to the user's own negotiated connections. */
    public record UnreadUpdate(String conversationId, int unreadCount, long lastReadSeq) {
    }

    /** One other participant's read position, in {@code messages_loaded.readState}. */
    public record ReadState(String userId, long lastReadSeq) {
    }
}
