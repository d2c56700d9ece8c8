package dev.parley.core.spi;

import dev.parley.protocol.Extension;
import dev.parley.protocol.model.User;
import dev.parley.protocol.payload.KeyPayloads.PublicKeyInfo;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

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

    /**
     * A sign-in: {@link #upsertUser}, and the user's conversations as {@link #conversationIdsOf}
     * answers after that write. A store that writes profiles in batches can read them in the same
     * transaction, instead of one more read per sign-in.
     */
    default SignedIn signIn(UserProfile profile) {
        User user = upsertUser(profile);
        return new SignedIn(user, conversationIdsOf(profile.id()));
    }

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
     * Open rooms: makes {@code userId} an active participant of the group conversation with exactly
     * this id, first creating it (named after its id, created by the user) if absent, and returns it
     * as the user sees it. Empty, changing nothing, when the user is not yet a participant and it
     * already has {@code maxParticipants} active ones, or when that id is not a group conversation.
     * Concurrent first joiners end with one conversation holding them all.
     */
    default Optional<ConversationRecord> joinOpenConversation(String conversationId, String userId,
            int maxParticipants) {
        throw new UnsupportedOperationException("open rooms");
    }

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

    // ---- extensions (protocol section 6); a store lists the ones it implements ----

    /**
     * The extensions whose storage this store implements; the engine offers only those. A store
     * that lists an extension implements every method below that belongs to it.
     */
    default Set<Extension> supportedExtensions() {
        return Set.of();
    }

    /**
     * Adds a reaction of a user to a non-deleted message, at most once per (message, user, emoji).
     * Returns empty if the message does not exist in the conversation or is deleted. Throws
     * {@link IllegalStateException} if the message already has {@code maxDistinct} other emoji.
     * ({@code reactions})
     */
    default Optional<ReactionChange> addReaction(String conversationId, String messageId, String userId, String emoji,
                                                 int maxDistinct) {
        throw new UnsupportedOperationException("reactions");
    }

    /** Removes a reaction; empty if the message does not exist or is deleted. ({@code reactions}) */
    default Optional<ReactionChange> removeReaction(String conversationId, String messageId, String userId,
                                                    String emoji) {
        throw new UnsupportedOperationException("reactions");
    }

    /**
     * Replaces a non-deleted message's body (shared or per recipient) and metadata, setting
     * {@code editedAt}; returns the edited message for {@code editorId}, or empty if it does not
     * exist or is deleted. The caller has checked that the editor is the sender. ({@code edits})
     */
    default Optional<MessageRecord> editMessage(String conversationId, String messageId, String editorId,
                                                String content, Map<String, String> contents,
                                                com.google.gson.JsonObject metadata, Instant editedAt) {
        throw new UnsupportedOperationException("edits");
    }

    /**
     * Soft-deletes a message: sets {@code deletedAt} and drops every body, reaction and the
     * metadata. Deleting again changes nothing. Returns the tombstone (with the first deletion
     * time), or empty if there is no such message. ({@code edits})
     */
    default Optional<MessageRecord> deleteMessage(String conversationId, String messageId, Instant deletedAt) {
        throw new UnsupportedOperationException("edits");
    }

    /** Every active participant's read position in the conversation. ({@code receipts}) */
    default Map<String, Long> readPositions(String conversationId) {
        throw new UnsupportedOperationException("receipts");
    }

    /**
     * Every active participant's read position and unread count in the conversation, in one query,
     * by user id in participant order. ({@code receipts})
     */
    default Map<String, UnreadCount> unreadCounts(String conversationId) {
        throw new UnsupportedOperationException("receipts");
    }

    /**
     * A page of a thread's replies, as {@link #loadMessages} pages a conversation: the newest
     * {@code limit} non-deleted replies to {@code threadRootId} with {@code seq < beforeSeq}.
     * ({@code threads})
     */
    default MessagePage loadThread(String conversationId, String threadRootId, String viewerId, Long beforeSeq,
                                   int limit) {
        throw new UnsupportedOperationException("threads");
    }

    /**
     * Messages whose shared {@code content} contains {@code query} (case-insensitive), newest first,
     * in the given conversation or (with {@code conversationId} null) in every conversation where
     * the user is an active participant. Deleted messages and per-recipient bodies never match.
     * {@code beforeMessageId} is the oldest result of the previous page, or null for the first page;
     * empty if it names no message the user can read in that scope. ({@code search})
     */
    default Optional<MessagePage> searchMessages(String userId, String conversationId, String query,
                                                 String beforeMessageId, int limit) {
        throw new UnsupportedOperationException("search");
    }

    /**
     * Non-deleted messages with {@code seq > afterSeq}, ascending, at most {@code limit}; {@code hasMore}
     * tells that more follow. ({@code resume})
     */
    default MessagePage messagesAfter(String conversationId, String viewerId, long afterSeq, int limit) {
        throw new UnsupportedOperationException("resume");
    }

    /**
     * Messages with {@code seq <= upToSeq} edited or deleted after {@code since} (tombstones included),
     * ascending by {@code seq}, at most {@code limit}; {@code hasMore} tells that more match. ({@code resume})
     */
    default MessagePage messagesChangedSince(String conversationId, String viewerId, long upToSeq, Instant since,
                                             int limit) {
        throw new UnsupportedOperationException("resume");
    }

    /**
     * Stores a user's presence; users returned by this store carry it ({@code status},
     * {@code custom_status}, {@code last_seen}) from then on. ({@code presence})
     */
    default void setPresence(String userId, PresenceState state) {
        throw new UnsupportedOperationException("presence");
    }

    /** The stored presence of each of these users that has one. ({@code presence}) */
    default Map<String, PresenceState> presenceOf(Collection<String> userIds) {
        throw new UnsupportedOperationException("presence");
    }

    /**
     * The users other than {@code userId} who share at least one conversation with them, limited to
     * {@code candidates} when that is not null. ({@code presence}, {@code keys})
     */
    default Set<String> contactsOf(String userId, Collection<String> candidates) {
        throw new UnsupportedOperationException("presence");
    }

    /**
     * Stores a user's current public key of one type, replacing the previous one, and returns it.
     * ({@code keys})
     */
    default PublicKeyInfo publishKey(PublicKeyInfo key) {
        throw new UnsupportedOperationException("keys");
    }

    /** The current keys of these users, of one type or (with {@code keyType} null) of every type. ({@code keys}) */
    default List<PublicKeyInfo> keysOf(Collection<String> userIds, String keyType) {
        throw new UnsupportedOperationException("keys");
    }

    /** Records a published file and its message. ({@code files}) */
    default void saveFile(FileRecord file) {
        throw new UnsupportedOperationException("files");
    }

    /** A published file by id. ({@code files}) */
    default Optional<FileRecord> findFile(String fileId) {
        throw new UnsupportedOperationException("files");
    }

    /** Bytes of all files this user uploaded, for the per-user quota. ({@code files}) */
    default long storedFileBytes(String userId) {
        throw new UnsupportedOperationException("files");
    }

    /** Whether the store can serve requests now (for health checks). */
    default boolean isHealthy() {
        return true;
    }

    @Override
    default void close() {
    }
}
