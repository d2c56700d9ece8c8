package dev.parley.client;

import dev.parley.protocol.model.Message;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The messages held per conversation: each id once, in {@code seq} order (protocol 2.11). The same
 * message can arrive as a response, an event and in a page; a later copy replaces the held one
 * (it may carry an edit). Not thread-safe: used on the client thread only.
 */
final class MessageStore {
    /** {@code seq} orders; {@code created_at} and the id only break ties from servers without {@code seq}. */
    static final Comparator<Message> ORDER = Comparator.comparingLong(Message::seq)
            .thenComparing(Message::createdAt, Comparator.nullsFirst(Comparator.<Instant>naturalOrder()))
            .thenComparing(Message::id);

    private final Map<String, Conversation> conversations = new HashMap<>();

    /** What a merge changed. */
    record Merge(List<Message> added, boolean changed) {
    }

    /** Merges messages that were received in order (events, pages); returns the ones not held before. */
    Merge merge(String conversationId, Collection<Message> messages) {
        return merge(conversationId, messages, true);
    }

    /**
     * Merges messages of one conversation; returns the ones not held before, in order.
     * {@code inOrder}: they came as events or pages, which arrive in {@code seq} order, so everything
     * up to the newest of them has been received ({@link #confirmedSeq}); the answer to a send
     * after a reconnect does not say that.
     */
    Merge merge(String conversationId, Collection<Message> messages, boolean inOrder) {
        Conversation c = conversations.computeIfAbsent(conversationId, k -> new Conversation());
        List<Message> added = new ArrayList<>();
        boolean changed = false;
        for (Message m : messages) {
            if (m == null || m.id() == null) {
                continue;
            }
            if (inOrder) {
                c.confirmedSeq = Math.max(c.confirmedSeq, m.seq());
            }
            Message held = c.byId.get(m.id());
            if (held != null) {
                if (held.equals(m)) {
                    continue;
                }
                c.ordered.remove(held);
            } else {
                added.add(m);
            }
            c.byId.put(m.id(), m);
            c.ordered.put(m, m);
            changed = true;
        }
        added.sort(ORDER);
        return new Merge(added, changed);
    }

    /**
     * Replaces the held copy of a message (an edit, a deletion, new reactions or thread counts);
     * a message that is not held stays out, so that the held range never gets a hole.
     */
    boolean replace(String conversationId, Message m) {
        Conversation c = conversations.get(conversationId);
        Message held = c == null || m == null ? null : c.byId.get(m.id());
        if (held == null || held.equals(m)) {
            return false;
        }
        c.ordered.remove(held);
        c.byId.put(m.id(), m);
        c.ordered.put(m, m);
        return true;
    }

    /** The held messages in order, as an immutable list. */
    List<Message> snapshot(String conversationId) {
        Conversation c = conversations.get(conversationId);
        return c == null ? List.of() : List.copyOf(c.ordered.values());
    }

    /** The held message with this id, or {@code null}. */
    Message find(String conversationId, String messageId) {
        Conversation c = conversations.get(conversationId);
        return c == null ? null : c.byId.get(messageId);
    }

    /** The oldest held message: the cursor for loading older pages; {@code null} if none. */
    Message oldest(String conversationId) {
        Conversation c = conversations.get(conversationId);
        return c == null || c.ordered.isEmpty() ? null : c.ordered.firstKey();
    }

    /**
     * The highest {@code seq} received in order (events, pages), 0 if none: everything up to it is
     * held, so recovery continues from there.
     */
    long confirmedSeq(String conversationId) {
        Conversation c = conversations.get(conversationId);
        return c == null ? 0 : c.holeAbove >= 0 ? Math.min(c.holeAbove, c.confirmedSeq) : c.confirmedSeq;
    }

    /**
     * Messages after {@code seq} may be missing below newer held ones (a page after a reconnect did
     * not reach down to what was held): until {@link #holeFilled}, {@link #confirmedSeq} stays at
     * {@code seq} whatever arrives in order meanwhile, so that a recovery cut short is done again.
     */
    void holeAbove(String conversationId, long seq) {
        Conversation c = conversations.computeIfAbsent(conversationId, k -> new Conversation());
        c.holeAbove = c.holeAbove >= 0 ? Math.min(c.holeAbove, seq) : seq;
    }

    void holeFilled(String conversationId) {
        Conversation c = conversations.get(conversationId);
        if (c != null) {
            c.holeAbove = -1;
        }
    }

    /** The highest held {@code seq}, 0 if none: what {@code resume} asks to continue from. */
    long newestSeq(String conversationId) {
        Conversation c = conversations.get(conversationId);
        return c == null || c.ordered.isEmpty() ? 0 : c.ordered.lastKey().seq();
    }

    /** Drops the messages older than {@code seq}, so that the held range has no hole. */
    boolean dropOlderThan(String conversationId, long seq) {
        Conversation c = conversations.get(conversationId);
        if (c == null) {
            return false;
        }
        boolean changed = false;
        while (!c.ordered.isEmpty() && c.ordered.firstKey().seq() < seq) {
            Message m = c.ordered.pollFirstEntry().getKey();
            c.byId.remove(m.id());
            changed = true;
        }
        return changed;
    }

    boolean clear(String conversationId) {
        Conversation c = conversations.remove(conversationId);
        return c != null && !c.byId.isEmpty();
    }

    Collection<String> conversationIds() {
        return List.copyOf(conversations.keySet());
    }

    private static final class Conversation {
        final Map<String, Message> byId = new HashMap<>();
        final TreeMap<Message, Message> ordered = new TreeMap<>(ORDER);
        long confirmedSeq;
        long holeAbove = -1;
    }
}
