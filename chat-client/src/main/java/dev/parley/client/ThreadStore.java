package dev.parley.client;

import dev.parley.protocol.model.Message;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * The threads this client loaded: root and replies per thread, each reply once, in {@code seq}
 * order. Loading the newest page starts the held replies afresh (so they never have a hole after a
 * reconnect); older pages and arriving replies extend them. Not thread-safe: client thread only.
 */
final class ThreadStore {
    private final Map<String, Held> threads = new HashMap<>();

    private static final class Held {
        final String conversationId;
        Message root;
        final TreeMap<Message, Message> replies = new TreeMap<>(MessageStore.ORDER);
        final Map<String, Message> byId = new HashMap<>();
        boolean hasMore;

        Held(String conversationId, Message root) {
            this.conversationId = conversationId;
            this.root = root;
        }

        boolean put(Message m) {
            Message held = byId.get(m.id());
            if (m.equals(held)) {
                return false;
            }
            if (held != null) {
                replies.remove(held);
            }
            byId.put(m.id(), m);
            replies.put(m, m);
            return true;
        }

        MessageThread snapshot() {
            return new MessageThread(conversationId, root, List.copyOf(replies.values()), hasMore);
        }
    }

    private static String key(String conversationId, String rootId) {
        return conversationId + '\n' + rootId;
    }

    /** A page of {@code load_thread}; the newest page ({@code older} false) replaces the held replies. */
    MessageThread page(String conversationId, Message root, List<Message> page, boolean hasMore, boolean older) {
        Held t = threads.get(key(conversationId, root.id()));
        if (t == null || !older) {
            t = new Held(conversationId, root);
            threads.put(key(conversationId, root.id()), t);
        } else {
            t.root = root;
        }
        for (Message m : page) {
            t.put(m);
        }
        t.hasMore = hasMore;
        return t.snapshot();
    }

    MessageThread get(String conversationId, String rootId) {
        Held t = threads.get(key(conversationId, rootId));
        return t == null ? null : t.snapshot();
    }

    /** The held threads as (conversation id, root id) pairs. */
    List<Map.Entry<String, String>> held() {
        return threads.values().stream().map(t -> Map.entry(t.conversationId, t.root.id())).toList();
    }

    /** The oldest held reply (the cursor for older pages), or {@code null}. */
    Message oldestReply(String conversationId, String rootId) {
        Held t = threads.get(key(conversationId, rootId));
        return t == null || t.replies.isEmpty() ? null : t.replies.firstKey();
    }

    /**
     * A message arrived or changed: a reply of a held thread is added or replaced, a held root is
     * replaced. Returns the thread that changed, or {@code null}.
     */
    MessageThread arrived(String conversationId, Message m) {
        if (m == null || m.id() == null) {
            return null;
        }
        if (m.threadRootId() != null) {
            Held t = threads.get(key(conversationId, m.threadRootId()));
            return t != null && t.put(m) ? t.snapshot() : null;
        }
        Held t = threads.get(key(conversationId, m.id()));
        if (t == null || t.root.equals(m)) {
            return null;
        }
        t.root = m;
        return t.snapshot();
    }

    /** Applies a change to a held copy of this message (root or reply); returns the thread that changed, or {@code null}. */
    MessageThread update(String conversationId, String messageId, UnaryOperator<Message> change) {
        Held asRoot = threads.get(key(conversationId, messageId));
        if (asRoot != null) {
            Message changed = change.apply(asRoot.root);
            if (changed.equals(asRoot.root)) {
                return null;
            }
            asRoot.root = changed;
            return asRoot.snapshot();
        }
        for (Held t : threads.values()) {
            Message held = t.conversationId.equals(conversationId) ? t.byId.get(messageId) : null;
            if (held != null) {
                return t.put(change.apply(held)) ? t.snapshot() : null;
            }
        }
        return null;
    }
}
