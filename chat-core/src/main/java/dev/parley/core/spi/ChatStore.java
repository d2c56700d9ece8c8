package dev.parley.core.spi;

import dev.parley.protocol.model.User;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Durable chat state: users, conversations, participants, messages and read positions. Every
 * method may block (it runs on the engine's worker pool, never on a transport thread) and throws
 * {@link StoreException} when the backing store fails. A method that returns has committed.
 *
 * <p>Contract highlights, pinned by {@code ChatStoreContract}:
 * <ul>
 *   <li>{@code seq} starts at 1 in each conversation and is assigned in the append's commit,
 *       strictly increasing with no duplicates and no gaps, under any number of concurrent writers;</li>
 *   <li>appending with a (conversation, sender, client message id) already stored returns the stored
 *       message with {@code duplicate = true} and stores nothing, also under a concurrent retry;</li>
 *   <li>a direct conversation between two users exists at most once;</li>
 *   <li>strings are stored and returned exactly, whatever they hold (quotes, NUL, emoji, 64 KiB).</li>
 * </ul>
 */
public interface ChatStore extends AutoCloseable {

    /** Creates or updates a user's profile; returns it as other users see it. */
    User upsertUser(UserProfile profile);

    /** The users among {@code ids} that exist, in no particular order. */
    List<User> findUsers(Collection<String> ids);

    /**
     * Creates a conversation and its participants in one commit. For a direct conversation, an
     * existing one between the same two users is returned instead ({@code created = false}).
     */
    CreateResult createConversation(NewConversation conversation);

    /** The conversation as {@code viewerId} sees it, if {@code viewerId} is an active participant. */
    Optional<ConversationRecord> findConversation(String conversationId, String viewerId);

    /** The user's conversations, newest activity first (latest message time, else creation time), at most {@code limit}. */
    List<ConversationRecord> listConversations(String userId, int limit);

    /** Whether the user is an active participant of the conversation (false for unknown conversations). */
    boolean isParticipant(String conversationId, String userId);

    /** The active participants' user ids, or an empty list for an unknown conversation. */
    List<String> participantIds(String conversationId);

    /** Ids of the conversations in which the user is an active participant. */
    List<String> conversationIdsOf(String userId);

    /**
     * Stores a message, assigning its id, {@code seq} and {@code createdAt} in the same commit, or
     * returns the stored one for a repeated client message id. The caller has checked participation
     * and the reply and thread references.
     */
    AppendResult appendMessage(NewMessage message);

    /**
     * A message of this conversation as {@code viewerId} receives it (tombstones included), or
     * empty if there is none with that id in this conversation.
     */
    Optional<MessageRecord> findMessage(String conversationId, String messageId, String viewerId);

    /**
     * A page of messages for a viewer, ascending by {@code seq}: the newest {@code limit} messages
     * with {@code seq < beforeSeq} ({@code beforeSeq = null}: no bound). Tombstones only when
     * {@code includeDeleted}; thread replies left out when {@code excludeThreadReplies}.
     */
    MessagePage loadMessages(String conversationId, String viewerId, Long beforeSeq, int limit,
                             boolean includeDeleted, boolean excludeThreadReplies);

    /**
     * Moves the user's read position in the conversation up to {@code seq} (never backwards) and
     * returns the position afterwards.
     */
    long markRead(String conversationId, String userId, long seq);

    /** Whether the store can serve requests now (for health checks). */
    default boolean isHealthy() {
        return true;
    }

    @Override
    default void close() {
    }
}
