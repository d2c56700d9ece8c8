package dev.parley.client;

import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.model.Message;

/**
 * A message this client is sending, as the outbound queue sees it.
 *
 * <p>{@link State#PENDING}: not yet acknowledged; it is (re)sent, always with the same
 * {@code clientMessageId}, whenever the client is authenticated, so a reconnect neither loses nor
 * duplicates it. {@link State#SENT}: stored by the server ({@code message} is set).
 * {@link State#FAILED}: refused by the server or given up ({@code error}, {@code code}).
 * {@code threadRootId} is set for a reply in a thread.
 */
public record OutgoingMessage(
        String clientMessageId,
        String conversationId,
        String content,
        String messageType,
        String replyToId,
        State state,
        int attempts,
        Message message,
        String error,
        ErrorCode code,
        String threadRootId) {

    /** Where a send stands. */
    public enum State { PENDING, SENT, FAILED }
}
