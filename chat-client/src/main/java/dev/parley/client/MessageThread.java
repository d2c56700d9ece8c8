package dev.parley.client;

import dev.parley.protocol.model.Message;
import java.util.List;

/**
 * A thread this client loaded with {@link ChatClient#loadThread}: its root as last reported (with
 * {@code thread_reply_count} and {@code thread_last_reply_at}) and the replies held, oldest first.
 *
 * @param conversationId the conversation of the thread
 * @param root           the message the thread hangs off
 * @param replies        the replies held, in {@code seq} order, each once: from the newest page
 *                       loaded on (again after each reconnect), extended by older pages and by new
 *                       replies as they arrive
 * @param hasMore        whether older replies exist before the first one held
 */
public record MessageThread(String conversationId, Message root, List<Message> replies, boolean hasMore) {
    public MessageThread {
        replies = List.copyOf(replies);
    }
}
