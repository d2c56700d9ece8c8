package dev.parley.client;

import com.google.gson.JsonObject;
import dev.parley.protocol.model.Conversation;
import dev.parley.protocol.model.Message;
import dev.parley.protocol.payload.PresencePayloads.PresenceInfo;
import dev.parley.protocol.payload.ReactionPayloads.ReactionUpdated;
import dev.parley.protocol.payload.ReceiptPayloads.ReadReceipt;
import java.util.List;
import java.util.Set;

/**
 * Receives the client's state changes. Every method does nothing by default, so override only what
 * you need. Callbacks run on the listener executor given to the builder (on Android, the main
 * thread's), never on the socket thread; with a serial executor (the default one, Android's main
 * thread) one at a time and in the order the changes happened. Each argument is an immutable
 * snapshot. Do not block in a callback.
 */
public interface ChatListener {
    default void onConnectionStateChanged(ConnectionState state) {
    }

    /** The conversation list changed (loaded, created, a new latest message); newest activity first. */
    default void onConversationsChanged(List<Conversation> conversations) {
    }

    /** The held messages of one conversation changed; ordered by {@code seq}, each id once. */
    default void onMessagesChanged(String conversationId, List<Message> messages) {
    }

    /**
     * A message this client did not hold before arrived as an event or through recovery after a
     * reconnect. This client's own sends are held from their acknowledgement on, so they show up in
     * {@link #onMessagesChanged} and {@link #onOutgoingMessageChanged} instead.
     */
    default void onMessageReceived(Message message) {
    }

    /** The users typing in a conversation changed (this user is never listed). */
    default void onTypingChanged(String conversationId, Set<String> userIds) {
    }

    /** The users known online in the joined conversations changed. */
    default void onOnlineUsersChanged(Set<String> userIds) {
    }

    /** A queued send changed state (pending, sent, failed). */
    default void onOutgoingMessageChanged(OutgoingMessage message) {
    }

    // ---- message extensions (protocol 6.1-6.5): events come only where the extension was negotiated ----

    /**
     * Someone (another user, or this user on another device) added or removed a reaction; the held
     * message already carries the new {@code reactions} ({@link #onMessagesChanged}).
     */
    default void onReactionChanged(ReactionUpdated update) {
    }

    /** A thread loaded with {@link ChatClient#loadThread} changed: a new reply, new counts, an edit. */
    default void onThreadChanged(MessageThread thread) {
    }

    /** A held message was edited elsewhere; {@code message} is its new state. */
    default void onMessageEdited(Message message) {
    }

    /** A held message was deleted elsewhere; {@code message} is the tombstone (no body). */
    default void onMessageDeleted(Message message) {
    }

    /** This user's unread count in a conversation changed (a new message, a read on any device, a deletion). */
    default void onUnreadCountChanged(String conversationId, int unreadCount) {
    }

    /** Another participant's read position moved; see also {@link ChatClient#readPositions}. */
    default void onReadReceipt(ReadReceipt receipt) {
    }

    /** A user's status, custom status or last-seen time changed (contacts and this user's other devices). */
    default void onPresenceChanged(PresenceInfo presence) {
    }

    /**
     * A server event that the client does not interpret itself: the events of negotiated extensions
     * other than those above (the message extensions' events come through their own callbacks).
     */
    default void onEvent(String type, JsonObject payload) {
    }
}
