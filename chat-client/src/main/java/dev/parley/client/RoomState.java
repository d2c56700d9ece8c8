package dev.parley.client;

import dev.parley.protocol.model.Conversation;
import dev.parley.protocol.model.Message;
import dev.parley.protocol.payload.ConversationPayloads.ConversationJoined;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the client knows about conversations: the list, the rooms it joined (re-joined after each
 * reconnect), and who else is typing or online in them. Presence and typing die with the
 * connection; the list and the joined rooms survive it. Every change is published to the view.
 * Not thread-safe: used on the client thread only.
 */
final class RoomState {
    private static final Comparator<Conversation> BY_ACTIVITY = Comparator.comparing(RoomState::activity,
            Comparator.nullsLast(Comparator.<Instant>reverseOrder()));

    private final ClientStateView view;
    private final Set<String> joined = new LinkedHashSet<>();
    private final Map<String, Conversation> conversations = new LinkedHashMap<>();
    private final Map<String, Set<String>> typing = new HashMap<>();
    private final Map<String, Set<String>> online = new HashMap<>();
    private String selfId;

    RoomState(ClientStateView view) {
        this.view = view;
    }

    /** The authenticated user, who is never listed as typing or online. */
    void self(String userId) {
        selfId = userId;
    }

    List<String> joinedRooms() {
        return List.copyOf(joined);
    }

    boolean isJoined(String conversationId) {
        return joined.contains(conversationId);
    }

    /** {@code conversations_loaded}: the whole list. */
    List<Conversation> replaceAll(Collection<Conversation> list) {
        conversations.clear();
        for (Conversation c : list) {
            conversations.put(c.id(), c);
        }
        List<Conversation> published = publishConversations();
        list.forEach(c -> view.publishUnread(c.id(), c.unreadCount()));
        return published;
    }

    void upsert(Conversation c) {
        conversations.put(c.id(), c);
        publishConversations();
        view.publishUnread(c.id(), c.unreadCount());
    }

    /** This user's read position and unread count moved (6.4): the listed conversation shows them. */
    void readState(String conversationId, int unreadCount, long lastReadSeq) {
        Conversation c = conversations.get(conversationId);
        if (c != null && (c.unreadCount() != unreadCount || c.lastReadSeq() != lastReadSeq)) {
            conversations.put(conversationId, new Conversation(c.id(), c.conversationId(), c.type(),
                    c.conversationType(), c.name(), c.conversationName(), c.avatarUrl(), c.conversationAvatarUrl(),
                    c.description(), c.groupId(), c.groupName(), c.createdBy(), c.createdAt(), c.updatedAt(),
                    c.participantCount(), c.participants(), c.latestMessageId(), c.latestMessageContent(),
                    c.latestMessageSenderId(), c.latestMessageSenderUsername(), c.latestMessageCreatedAt(),
                    c.lastMessageAt(), unreadCount, c.latestSeq(), lastReadSeq));
            publishConversations();
        }
        view.publishUnread(conversationId, unreadCount);
    }

    /** The creating connection is joined to a new conversation automatically (protocol 3.5). */
    void created(Conversation c) {
        joined.add(c.id());
        upsert(c);
    }

    /** {@code conversation_joined}: the room, and who is online and typing in it now. */
    void joined(String conversationId, ConversationJoined j) {
        joined.add(conversationId);
        if (j.conversation() != null && j.conversation().id() != null) {
            upsert(j.conversation());
        }
        online.put(conversationId, others(j.onlineUserIds()));
        publishOnline();
        Set<String> typers = others(j.typingUserIds());
        if (!typers.isEmpty() || typing.containsKey(conversationId)) {
            typing.put(conversationId, typers);
            view.publishTyping(conversationId, typers);
        }
    }

    /** Left, or no longer allowed in: not re-joined any more. */
    void forget(String conversationId) {
        joined.remove(conversationId);
        if (online.remove(conversationId) != null) {
            publishOnline();
        }
        if (typing.remove(conversationId) != null) {
            view.publishTyping(conversationId, Set.of());
        }
    }

    void typing(String conversationId, String userId, boolean isTyping) {
        if (userId.equals(selfId)) {
            return;
        }
        Set<String> s = typing.get(conversationId);
        boolean changed;
        if (isTyping) {
            if (s == null) {
                s = new HashSet<>();
                typing.put(conversationId, s);
            }
            changed = s.add(userId);
        } else {
            changed = s != null && s.remove(userId);
        }
        if (changed) {
            view.publishTyping(conversationId, s);
        }
    }

    /** {@code user_online} for one joined room. */
    void online(String conversationId, String userId) {
        if (userId.equals(selfId) || !joined.contains(conversationId)) {
            return;
        }
        online.computeIfAbsent(conversationId, k -> new HashSet<>()).add(userId);
        publishOnline();
    }

    /** {@code user_offline}: the user's last connection closed, so they are offline everywhere. */
    void offline(String userId) {
        online.values().forEach(s -> s.remove(userId));
        publishOnline();
        for (String c : new ArrayList<>(typing.keySet())) {
            typing(c, userId, false);
        }
    }

    /**
     * New messages arrived in a conversation: their senders stopped typing, and the newest becomes
     * the conversation's latest message (which moves it up the list).
     */
    void messagesArrived(String conversationId, List<Message> added) {
        Message newest = null;
        for (Message m : added) {
            if (m.senderId() != null) {
                typing(conversationId, m.senderId(), false);
            }
            newest = m;
        }
        Conversation c = conversations.get(conversationId);
        if (c != null && newest != null && !newest.isDeleted() && newest.seq() > c.latestSeq()) {
            conversations.put(conversationId, withLatest(c, newest));
            publishConversations();
        }
    }

    /** The connection is gone: presence and typing are unknown until the rooms are joined again. */
    void connectionLost() {
        for (String c : new ArrayList<>(typing.keySet())) {
            typing.remove(c);
            view.publishTyping(c, Set.of());
        }
        online.clear();
        view.publishOnline(Set.of());
    }

    private List<Conversation> publishConversations() {
        List<Conversation> list = new ArrayList<>(conversations.values());
        list.sort(BY_ACTIVITY);
        view.publishConversations(list);
        return List.copyOf(list);
    }

    private void publishOnline() {
        Set<String> all = new HashSet<>();
        online.values().forEach(all::addAll);
        view.publishOnline(all);
    }

    private Set<String> others(List<String> ids) {
        Set<String> out = ids == null ? new HashSet<>() : new HashSet<>(ids);
        out.remove(selfId);
        return out;
    }

    private static Instant activity(Conversation c) {
        return c.latestMessageCreatedAt() != null ? c.latestMessageCreatedAt() : c.createdAt();
    }

    private static Conversation withLatest(Conversation c, Message m) {
        String senderName = m.sender() == null ? null : m.sender().username();
        return new Conversation(c.id(), c.conversationId(), c.type(), c.conversationType(), c.name(),
                c.conversationName(), c.avatarUrl(), c.conversationAvatarUrl(), c.description(), c.groupId(),
                c.groupName(), c.createdBy(), c.createdAt(), c.updatedAt(), c.participantCount(), c.participants(),
                m.id(), m.encryptedContent(), m.senderId(), senderName, m.createdAt(), m.createdAt(),
                c.unreadCount(), Math.max(c.latestSeq(), m.seq()), c.lastReadSeq());
    }
}
