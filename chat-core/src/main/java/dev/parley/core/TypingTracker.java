package dev.parley.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who is typing where: one entry per (conversation, user), not per connection, each expiring
 * {@code ttl} after its last {@code typing_start}. Reports only changes, so the engine broadcasts
 * only changes (protocol 3.8).
 */
final class TypingTracker {
    /** One typing state that ended by expiry. */
    record Expired(String conversationId, String userId, String username) {
    }

    private record Key(String conversationId, String userId) {
    }

    private record Entry(String username, Instant expiresAt) {
    }

    private final ConcurrentHashMap<Key, Entry> entries = new ConcurrentHashMap<>();
    private final Duration ttl;

    TypingTracker(Duration ttl) {
        this.ttl = ttl;
    }

    /** Starts or extends typing; returns true if the user was not typing there before. */
    boolean start(String conversationId, String userId, String username, Instant now) {
        Entry previous = entries.put(new Key(conversationId, userId), new Entry(username, now.plus(ttl)));
        return previous == null || !previous.expiresAt.isAfter(now);
    }

    /** Stops typing; returns true if the user was typing there. */
    boolean stop(String conversationId, String userId, Instant now) {
        Entry previous = entries.remove(new Key(conversationId, userId));
        return previous != null && previous.expiresAt.isAfter(now);
    }

    /** Users typing in the conversation now. */
    List<String> typingIn(String conversationId, Instant now) {
        List<String> users = new ArrayList<>();
        for (Map.Entry<Key, Entry> e : entries.entrySet()) {
            if (e.getKey().conversationId.equals(conversationId) && e.getValue().expiresAt.isAfter(now)) {
                users.add(e.getKey().userId);
            }
        }
        return users;
    }

    /** Conversations where the user is typing now. */
    List<String> conversationsOf(String userId, Instant now) {
        List<String> ids = new ArrayList<>();
        for (Map.Entry<Key, Entry> e : entries.entrySet()) {
            if (e.getKey().userId.equals(userId) && e.getValue().expiresAt.isAfter(now)) {
                ids.add(e.getKey().conversationId);
            }
        }
        return ids;
    }

    /** Removes and returns the entries past their expiry. */
    List<Expired> expire(Instant now) {
        List<Expired> expired = new ArrayList<>();
        for (Map.Entry<Key, Entry> e : entries.entrySet()) {
            if (!e.getValue().expiresAt.isAfter(now) && entries.remove(e.getKey(), e.getValue())) {
                expired.add(new Expired(e.getKey().conversationId, e.getKey().userId, e.getValue().username));
            }
        }
        return expired;
    }

    int size() {
        return entries.size();
    }
}
