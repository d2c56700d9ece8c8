package dev.parley.protocol.payload;

/** Typing indicators (3.8); requests use {@link ConversationPayloads.ConversationRequest}. */
public final class TypingPayloads {
    private TypingPayloads() {
    }

    /** The acknowledgement of {@code typing_start} and {@code typing_stop}. */
    public record TypingAck(String conversationId, boolean isTyping) {
    }

    /** {@code typing_update}: to the room's connections of other users, on changes only. */
    public record TypingUpdate(String conversationId, String userId, String username, boolean isTyping) {
    }
}
