package dev.parley.core.memory;

import com.google.gson.JsonObject;
import dev.parley.core.spi.AppendResult;
import dev.parley.core.spi.ChatStore;
import dev.parley.core.spi.Clock;
import dev.parley.core.spi.ConversationRecord;
import dev.parley.core.spi.CreateResult;
import dev.parley.core.spi.MessagePage;
import dev.parley.core.spi.MessageRecord;
import dev.parley.core.spi.NewConversation;
import dev.parley.core.spi.NewMessage;
import dev.parley.core.spi.ReactionChange;
import dev.parley.core.spi.ReplyRecord;
import dev.parley.core.spi.UnreadCount;
import dev.parley.core.spi.UserProfile;
import dev.parley.protocol.Extension;
import dev.parley.protocol.model.ConversationType;
import dev.parley.protocol.model.Participant;
import dev.parley.protocol.model.Role;
import dev.parley.protocol.model.User;
import dev.parley.protocol.payload.KeyPayloads.PublicKeyInfo;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * A {@link ChatStore} in memory, for tests, demos and embedders that keep history elsewhere.
 * Nothing survives a restart. One lock guards all state: simple, and correct under concurrency.
 */
public final class InMemoryChatStore implements ChatStore {
    private final Clock clock;
    private final Map<String, UserProfile> users = new HashMap<>();
    private final Map<String, dev.parley.core.spi.PresenceState> presence = new HashMap<>();
    private final Map<String, Map<String, PublicKeyInfo>> keys = new HashMap<>();
    private final Map<String, dev.parley.core.spi.FileRecord> files = new HashMap<>();
    private final Map<String, Conv> conversations = new HashMap<>();
    private final Map<String, String> directByPair = new HashMap<>();
    private final Map<String, Set<String>> conversationsByUser = new HashMap<>();

    public InMemoryChatStore() {
        this(Clock.system());
    }

    public InMemoryChatStore(Clock clock) {
        this.clock = clock;
    }

    private Instant now() {
        return dev.parley.protocol.Timestamps.truncate(clock.now());
    }

    @Override
    public synchronized User upsertUser(UserProfile profile) {
        users.put(profile.id(), profile);
        return user(profile.id());
    }

    @Override
    public synchronized List<User> findUsers(Collection<String> ids) {
        List<User> found = new ArrayList<>();
        for (String id : new LinkedHashSet<>(ids)) {
            if (users.containsKey(id)) {
                found.add(user(id));
            }
        }
        return found;
    }

    @Override
    public synchronized CreateResult createConversation(NewConversation nc) {
        if (nc.type() == ConversationType.DIRECT) {
            if (nc.otherUserIds().size() != 1) {
                throw new IllegalArgumentException("a direct conversation has exactly one other user");
            }
            String existing = directByPair.get(pairKey(nc.createdBy(), nc.otherUserIds().get(0)));
            if (existing != null) {
                return new CreateResult(view(conversations.get(existing), nc.createdBy()), false);
            }
        }
        Instant now = now();
        Conv c = new Conv(UUID.randomUUID().toString(), nc.type(), nc.type() == ConversationType.DIRECT ? null : nc.name(),
                nc.createdBy(), now);
        c.participants.add(new Part(nc.createdBy(), Role.ADMIN, now));
        for (String other : new LinkedHashSet<>(nc.otherUserIds())) {
            if (!other.equals(nc.createdBy())) {
                c.participants.add(new Part(other, Role.MEMBER, now));
            }
        }
        conversations.put(c.id, c);
        for (Part p : c.participants) {
            conversationsByUser.computeIfAbsent(p.userId, k -> new LinkedHashSet<>()).add(c.id);
        }
        if (nc.type() == ConversationType.DIRECT) {
            directByPair.put(pairKey(nc.createdBy(), nc.otherUserIds().get(0)), c.id);
        }
        return new CreateResult(view(c, nc.createdBy()), true);
    }

    @Override
    public synchronized Optional<ConversationRecord> joinOpenConversation(String conversationId, String userId,
            int maxParticipants) {
        Conv c = conversations.get(conversationId);
        Instant now = now();
        if (c == null) {
            c = new Conv(conversationId, ConversationType.GROUP, conversationId, userId, now);
            c.participants.add(new Part(userId, Role.ADMIN, now));
            conversations.put(c.id, c);
        } else if (c.type != ConversationType.GROUP) {
            return Optional.empty();
        } else if (c.part(userId) == null) {
            if (c.participants.size() >= maxParticipants) {
                return Optional.empty();
            }
            c.participants.add(new Part(userId, Role.MEMBER, now));
        }
        conversationsByUser.computeIfAbsent(userId, k -> new LinkedHashSet<>()).add(c.id);
        return Optional.of(view(c, userId));
    }

    @Override
    public synchronized Optional<ConversationRecord> findConversation(String conversationId, String viewerId) {
        Conv c = conversations.get(conversationId);
        if (c == null || c.part(viewerId) == null) {
            return Optional.empty();
        }
        return Optional.of(view(c, viewerId));
    }

    @Override
    public synchronized List<ConversationRecord> listConversations(String userId, int limit) {
        List<ConversationRecord> list = new ArrayList<>();
        for (String id : conversationsByUser.getOrDefault(userId, Set.of())) {
            Conv c = conversations.get(id);
            if (c.part(userId) != null) {
                list.add(view(c, userId));
            }
        }
        list.sort(Comparator.comparing(InMemoryChatStore::activity).reversed());
        return list.size() > limit ? List.copyOf(list.subList(0, limit)) : list;
    }

    private static Instant activity(ConversationRecord r) {
        return r.latestMessage() != null ? r.latestMessage().createdAt() : r.createdAt();
    }

    @Override
    public synchronized boolean isParticipant(String conversationId, String userId) {
        Conv c = conversations.get(conversationId);
        return c != null && c.part(userId) != null;
    }

    @Override
    public synchronized List<String> participantIds(String conversationId) {
        Conv c = conversations.get(conversationId);
        return c == null ? List.of() : c.participants.stream().map(p -> p.userId).toList();
    }

    @Override
    public synchronized List<String> conversationIdsOf(String userId) {
        List<String> ids = new ArrayList<>();
        for (String id : conversationsByUser.getOrDefault(userId, Set.of())) {
            if (conversations.get(id).part(userId) != null) {
                ids.add(id);
            }
        }
        return ids;
    }

    @Override
    public synchronized AppendResult appendMessage(NewMessage m) {
        Conv c = conversations.get(m.conversationId());
        if (c == null) {
            throw new IllegalArgumentException("unknown conversation");
        }
        if (m.clientMessageId() != null) {
            Msg existing = c.byClientId.get(m.senderId() + '\u0000' + m.clientMessageId());
            if (existing != null) {
                return new AppendResult(record(c, existing), true);
            }
        }
        Msg msg = new Msg(UUID.randomUUID().toString(), c.id, ++c.latestSeq, m, now());
        c.messages.add(msg);
        Part sender = c.part(m.senderId());
        if (sender != null) {
            sender.sentSinceRead++;
        }
        c.byId.put(msg.id, msg);
        if (m.clientMessageId() != null) {
            c.byClientId.put(m.senderId() + '\u0000' + m.clientMessageId(), msg);
        }
        if (m.threadRootId() != null) {
            Msg root = c.byId.get(m.threadRootId());
            if (root != null) {
                root.threadReplyCount++;
                root.threadLastReplyAt = msg.createdAt;
            }
        }
        return new AppendResult(record(c, msg), false);
    }

    @Override
    public synchronized Optional<MessageRecord> findMessage(String conversationId, String messageId, String viewerId) {
        Conv c = conversations.get(conversationId);
        Msg m = c == null ? null : c.byId.get(messageId);
        return m == null ? Optional.empty() : Optional.of(record(c, m));
    }

    @Override
    public synchronized MessagePage loadMessages(String conversationId, String viewerId, Long beforeSeq, int limit,
                                                 boolean includeDeleted, boolean excludeThreadReplies) {
        Conv c = conversations.get(conversationId);
        if (c == null) {
            return new MessagePage(List.of(), false);
        }
        return newestBefore(c, beforeSeq, limit,
                m -> (includeDeleted || m.deletedAt == null) && (!excludeThreadReplies || m.in.threadRootId() == null));
    }

    /** The newest {@code limit} messages with {@code seq < beforeSeq} that pass the filter, ascending. */
    private MessagePage newestBefore(Conv c, Long beforeSeq, int limit, java.util.function.Predicate<Msg> filter) {
        List<MessageRecord> page = new ArrayList<>();
        boolean hasMore = false;
        // seq n is at index n-1: walk backwards from the cursor.
        int start = beforeSeq == null ? c.messages.size() - 1 : (int) Math.min(c.messages.size(), beforeSeq - 1) - 1;
        for (int i = start; i >= 0; i--) {
            Msg m = c.messages.get(i);
            if (!filter.test(m)) {
                continue;
            }
            if (page.size() == limit) {
                hasMore = true;
                break;
            }
            page.add(record(c, m));
        }
        java.util.Collections.reverse(page);
        return new MessagePage(page, hasMore);
    }

    @Override
    public synchronized long markRead(String conversationId, String userId, long seq) {
        Conv c = conversations.get(conversationId);
        Part p = c == null ? null : c.part(userId);
        if (p == null) {
            return 0;
        }
        p.lastReadSeq = Math.max(p.lastReadSeq, Math.min(seq, c.latestSeq));
        p.sentSinceRead = 0;
        for (int i = c.messages.size() - 1; i >= 0 && c.messages.get(i).seq > p.lastReadSeq; i--) {
            if (c.messages.get(i).in.senderId().equals(userId)) {
                p.sentSinceRead++;
            }
        }
        return p.lastReadSeq;
    }

    @Override
    public Set<Extension> supportedExtensions() {
        return Set.of(Extension.REACTIONS, Extension.EDITS, Extension.RECEIPTS, Extension.THREADS, Extension.SEARCH,
                Extension.RESUME, Extension.PRESENCE, Extension.KEYS, Extension.FILES);
    }

    @Override
    public synchronized Optional<ReactionChange> addReaction(String conversationId, String messageId, String userId,
                                                             String emoji, int maxDistinct) {
        Msg m = liveMessage(conversationId, messageId);
        if (m == null) {
            return Optional.empty();
        }
        if (!m.reactions.containsKey(emoji) && m.reactions.size() >= maxDistinct) {
            throw new IllegalStateException("too many distinct reactions");
        }
        boolean changed = m.reactions.computeIfAbsent(emoji, k -> new LinkedHashSet<>()).add(userId);
        return Optional.of(new ReactionChange(changed, m.reactionList()));
    }

    @Override
    public synchronized Optional<ReactionChange> removeReaction(String conversationId, String messageId, String userId,
                                                                String emoji) {
        Msg m = liveMessage(conversationId, messageId);
        if (m == null) {
            return Optional.empty();
        }
        Set<String> users = m.reactions.get(emoji);
        boolean changed = users != null && users.remove(userId);
        if (users != null && users.isEmpty()) {
            m.reactions.remove(emoji);
        }
        return Optional.of(new ReactionChange(changed, m.reactionList()));
    }

    @Override
    public synchronized Optional<MessageRecord> editMessage(String conversationId, String messageId, String editorId,
                                                            String content, Map<String, String> contents,
                                                            JsonObject metadata, Instant editedAt) {
        Msg m = liveMessage(conversationId, messageId);
        if (m == null) {
            return Optional.empty();
        }
        m.content = content;
        m.contents = contents == null ? null : Map.copyOf(contents);
        if (metadata != null) {
            m.metadata = metadata.deepCopy();
        }
        m.editedAt = editedAt;
        return Optional.of(record(conversations.get(conversationId), m));
    }

    @Override
    public synchronized Optional<MessageRecord> deleteMessage(String conversationId, String messageId, Instant deletedAt) {
        Conv c = conversations.get(conversationId);
        Msg m = c == null ? null : c.byId.get(messageId);
        if (m == null) {
            return Optional.empty();
        }
        if (m.deletedAt == null) {
            if (m.in.threadRootId() != null) {
                Msg root = c.byId.get(m.in.threadRootId());
                if (root != null) {
                    root.threadReplyCount--;
                }
            }
            m.deletedAt = deletedAt;
            c.deleted.add(m);
            m.content = null;
            m.contents = null;
            m.metadata = new JsonObject();
            m.reactions.clear();
        }
        return Optional.of(record(c, m));
    }

    @Override
    public synchronized Map<String, Long> readPositions(String conversationId) {
        Conv c = conversations.get(conversationId);
        Map<String, Long> positions = new java.util.LinkedHashMap<>();
        if (c != null) {
            c.participants.forEach(p -> positions.put(p.userId, p.lastReadSeq));
        }
        return positions;
    }

    @Override
    public synchronized Map<String, UnreadCount> unreadCounts(String conversationId) {
        Conv c = conversations.get(conversationId);
        Map<String, UnreadCount> counts = new java.util.LinkedHashMap<>();
        if (c != null) {
            for (Part p : c.participants) {
                counts.put(p.userId, new UnreadCount(p.lastReadSeq, unread(c, p)));
            }
        }
        return counts;
    }

    @Override
    public synchronized MessagePage loadThread(String conversationId, String threadRootId, String viewerId,
                                               Long beforeSeq, int limit) {
        Conv c = conversations.get(conversationId);
        if (c == null) {
            return new MessagePage(List.of(), false);
        }
        return newestBefore(c, beforeSeq, limit, m -> threadRootId.equals(m.in.threadRootId()) && m.deletedAt == null);
    }

    @Override
    public synchronized Optional<MessagePage> searchMessages(String userId, String conversationId, String query,
                                                             String beforeMessageId, int limit) {
        String needle = query.toLowerCase(java.util.Locale.ROOT);
        List<Msg> hits = new ArrayList<>();
        List<String> scope = conversationId != null ? List.of(conversationId) : conversationIdsOf(userId);
        Msg before = null;
        if (beforeMessageId != null) {
            for (String id : scope) {
                Conv c = conversations.get(id);
                if (c != null && c.part(userId) != null && c.byId.containsKey(beforeMessageId)) {
                    before = c.byId.get(beforeMessageId);
                }
            }
            if (before == null) {
                return Optional.empty();
            }
        }
        for (String id : scope) {
            Conv c = conversations.get(id);
            if (c == null || c.part(userId) == null) {
                continue;
            }
            for (Msg m : c.messages) {
                if (m.deletedAt == null && m.content != null && m.contents == null
                        && m.content.toLowerCase(java.util.Locale.ROOT).contains(needle)
                        && (before == null || newerFirst(m, before) > 0)) {
                    hits.add(m);
                }
            }
        }
        hits.sort((a, b) -> newerFirst(a, b));
        List<MessageRecord> page = new ArrayList<>();
        for (int i = 0; i < Math.min(limit, hits.size()); i++) {
            Msg m = hits.get(i);
            page.add(record(conversations.get(m.conversationId), m));
        }
        return Optional.of(new MessagePage(page, hits.size() > limit));
    }

    /** Orders newest first: by creation time, then id; positive when {@code a} comes after {@code b}. */
    private static int newerFirst(Msg a, Msg b) {
        int byTime = b.createdAt.compareTo(a.createdAt);
        return byTime != 0 ? byTime : b.id.compareTo(a.id);
    }

    @Override
    public synchronized MessagePage messagesAfter(String conversationId, String viewerId, long afterSeq, int limit) {
        Conv c = conversations.get(conversationId);
        return c == null ? new MessagePage(List.of(), false)
                : oldestInRange(c, afterSeq, c.messages.size(), limit, m -> m.deletedAt == null);
    }

    @Override
    public synchronized MessagePage messagesChangedSince(String conversationId, String viewerId, long upToSeq,
                                                         Instant since, int limit) {
        Conv c = conversations.get(conversationId);
        return c == null ? new MessagePage(List.of(), false)
                : oldestInRange(c, 0, upToSeq, limit, m -> (m.editedAt != null && m.editedAt.isAfter(since))
                        || (m.deletedAt != null && m.deletedAt.isAfter(since)));
    }

    /** The oldest {@code limit} messages with {@code afterSeq < seq <= upToSeq} that pass the filter, ascending. */
    private MessagePage oldestInRange(Conv c, long afterSeq, long upToSeq, int limit,
                                      java.util.function.Predicate<Msg> filter) {
        List<MessageRecord> page = new ArrayList<>();
        // seq n is at index n-1.
        int end = (int) Math.min(upToSeq, c.messages.size());
        for (int i = (int) Math.max(0, afterSeq); i < end; i++) {
            Msg m = c.messages.get(i);
            if (!filter.test(m)) {
                continue;
            }
            if (page.size() == limit) {
                return new MessagePage(page, true);
            }
            page.add(record(c, m));
        }
        return new MessagePage(page, false);
    }

    @Override
    public synchronized void setPresence(String userId, dev.parley.core.spi.PresenceState state) {
        presence.put(userId, state);
    }

    @Override
    public synchronized Map<String, dev.parley.core.spi.PresenceState> presenceOf(Collection<String> userIds) {
        Map<String, dev.parley.core.spi.PresenceState> result = new HashMap<>();
        for (String id : userIds) {
            if (presence.containsKey(id)) {
                result.put(id, presence.get(id));
            }
        }
        return result;
    }

    @Override
    public synchronized Set<String> contactsOf(String userId, Collection<String> candidates) {
        Set<String> wanted = candidates == null ? null : new java.util.HashSet<>(candidates);
        Set<String> contacts = new java.util.TreeSet<>();
        for (String id : conversationIdsOf(userId)) {
            for (Part p : conversations.get(id).participants) {
                if (!p.userId.equals(userId) && (wanted == null || wanted.contains(p.userId))) {
                    contacts.add(p.userId);
                }
            }
        }
        return contacts;
    }

    @Override
    public synchronized PublicKeyInfo publishKey(PublicKeyInfo key) {
        keys.computeIfAbsent(key.userId(), k -> new java.util.TreeMap<>()).put(key.keyType(), key);
        return key;
    }

    @Override
    public synchronized List<PublicKeyInfo> keysOf(Collection<String> userIds, String keyType) {
        List<PublicKeyInfo> found = new ArrayList<>();
        for (String id : new LinkedHashSet<>(userIds)) {
            for (PublicKeyInfo k : keys.getOrDefault(id, Map.of()).values()) {
                if (keyType == null || keyType.equals(k.keyType())) {
                    found.add(k);
                }
            }
        }
        return found;
    }

    @Override
    public synchronized void saveFile(dev.parley.core.spi.FileRecord file) {
        files.put(file.fileId(), file);
    }

    @Override
    public synchronized Optional<dev.parley.core.spi.FileRecord> findFile(String fileId) {
        return Optional.ofNullable(files.get(fileId));
    }

    @Override
    public synchronized long storedFileBytes(String userId) {
        return files.values().stream().filter(f -> f.uploaderId().equals(userId))
                .mapToLong(dev.parley.core.spi.FileRecord::size).sum();
    }

    private Msg liveMessage(String conversationId, String messageId) {
        Conv c = conversations.get(conversationId);
        Msg m = c == null ? null : c.byId.get(messageId);
        return m == null || m.deletedAt != null ? null : m;
    }

    private static String pairKey(String a, String b) {
        return a.compareTo(b) < 0 ? a + '\u0000' + b : b + '\u0000' + a;
    }

    private User user(String id) {
        UserProfile p = users.get(id);
        User u = p == null ? User.of(id, id, id, null) : User.of(p.id(), p.username(), p.displayName(), p.avatarUrl());
        dev.parley.core.spi.PresenceState state = presence.get(id);
        return state == null ? u : u.withPresence(state.status(), state.customStatus(), state.lastSeen());
    }

    private ConversationRecord view(Conv c, String viewerId) {
        Part viewer = c.part(viewerId);
        long lastRead = viewer == null ? 0 : viewer.lastReadSeq;
        Msg latest = null;
        for (int i = c.messages.size() - 1; i >= 0 && latest == null; i--) {
            if (c.messages.get(i).deletedAt == null) {
                latest = c.messages.get(i);
            }
        }
        int unread = viewer == null ? 0 : unread(c, viewer);
        List<Participant> parts = c.participants.stream()
                .map(p -> new Participant(p.userId, p.role, p.joinedAt, user(p.userId))).toList();
        Instant updated = latest != null ? latest.createdAt : c.createdAt;
        return new ConversationRecord(c.id, c.type, c.name, null, null, c.createdBy, c.createdAt, updated, parts,
                latest == null ? null : record(c, latest), unread, c.latestSeq, lastRead);
    }

    /**
     * Other senders' live messages after the participant's read position, counted as the JDBI
     * store does, without a pass over them: seqs are gapless, so it is every message after the
     * position less the participant's own and other senders' deleted ones.
     */
    private static int unread(Conv c, Part p) {
        long othersDeleted = c.deleted.stream()
                .filter(m -> m.seq > p.lastReadSeq && !m.in.senderId().equals(p.userId)).count();
        return (int) (c.latestSeq - p.lastReadSeq - p.sentSinceRead - othersDeleted);
    }

    private MessageRecord record(Conv c, Msg m) {
        NewMessage in = m.in;
        ReplyRecord reply = null;
        if (in.replyToId() != null) {
            Msg r = c.byId.get(in.replyToId());
            if (r != null) {
                reply = new ReplyRecord(r.id, r.in.senderId(), r.content, r.contents, r.deletedAt);
            }
        }
        return new MessageRecord(m.id, c.id, m.seq, in.senderId(), user(in.senderId()), in.messageType(), m.content,
                m.contents, in.replyToId(), reply, m.metadata.deepCopy(), m.createdAt, in.clientMessageId(), m.editedAt,
                m.deletedAt, in.threadRootId(), m.threadReplyCount, m.threadLastReplyAt, m.reactionList());
    }

    private static final class Conv {
        final String id;
        final ConversationType type;
        final String name;
        final String createdBy;
        final Instant createdAt;
        final List<Part> participants = new ArrayList<>();
        final List<Msg> messages = new ArrayList<>();
        final Map<String, Msg> byId = new HashMap<>();
        final Map<String, Msg> byClientId = new HashMap<>();
        /** Deleted messages, in the order of their deletion. */
        final List<Msg> deleted = new ArrayList<>();
        long latestSeq;

        Conv(String id, ConversationType type, String name, String createdBy, Instant createdAt) {
            this.id = id;
            this.type = type;
            this.name = name;
            this.createdBy = createdBy;
            this.createdAt = createdAt;
        }

        Part part(String userId) {
            for (Part p : participants) {
                if (p.userId.equals(userId)) {
                    return p;
                }
            }
            return null;
        }
    }

    private static final class Part {
        final String userId;
        final Role role;
        final Instant joinedAt;
        long lastReadSeq;
        /** This participant's own messages after {@link #lastReadSeq}. */
        int sentSinceRead;

        Part(String userId, Role role, Instant joinedAt) {
            this.userId = userId;
            this.role = role;
            this.joinedAt = joinedAt;
        }
    }

    private static final class Msg {
        final String id;
        final String conversationId;
        final long seq;
        final NewMessage in;
        final Instant createdAt;
        String content;
        Map<String, String> contents;
        JsonObject metadata;
        Instant editedAt;
        Instant deletedAt;
        final Map<String, Set<String>> reactions = new java.util.LinkedHashMap<>();
        int threadReplyCount;
        Instant threadLastReplyAt;

        Msg(String id, String conversationId, long seq, NewMessage in, Instant createdAt) {
            this.id = id;
            this.conversationId = conversationId;
            this.seq = seq;
            this.in = in;
            this.createdAt = createdAt;
            this.content = in.content();
            this.contents = in.contents();
            this.metadata = in.metadata();
        }

        List<dev.parley.protocol.model.Reaction> reactionList() {
            List<dev.parley.protocol.model.Reaction> list = new ArrayList<>();
            reactions.forEach((emoji, users) ->
                    list.add(new dev.parley.protocol.model.Reaction(emoji, users.size(), List.copyOf(users))));
            return list;
        }
    }
}
