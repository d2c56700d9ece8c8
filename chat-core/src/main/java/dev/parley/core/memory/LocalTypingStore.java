package dev.parley.core.memory;

import dev.parley.core.spi.TypingStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The one-node {@link TypingStore}: entries in a map. */
public final class LocalTypingStore implements TypingStore {
    private record Key(String conversationId, String userId) {
    }

    private record Entry(String username, Instant expiresAt) {
    }

    private final ConcurrentHashMap<Key, Entry> entries = new ConcurrentHashMap<>();

    @Override
    public boolean start(String conversationId, String userId, String username, Instant expiresAt, Instant now) {
        Entry previous = entries.put(new Key(conversationId, userId), new Entry(username, expiresAt));
        return previous == null || !previous.expiresAt.isAfter(now);
    }

    @Override
    public boolean stop(String conversationId, String userId) {
        return entries.remove(new Key(conversationId, userId)) != null;
    }

    @Override
    public List<String> typingIn(String conversationId, Instant now) {
        List<String> users = new ArrayList<>();
        for (Map.Entry<Key, Entry> e : entries.entrySet()) {
            if (e.getKey().conversationId.equals(conversationId) && e.getValue().expiresAt.isAfter(now)) {
                users.add(e.getKey().userId);
            }
        }
        return users;
    }

    @Override
    public List<String> conversationsOf(String userId, Instant now) {
        List<String> ids = new ArrayList<>();
        for (Map.Entry<Key, Entry> e : entries.entrySet()) {
            if (e.getKey().userId.equals(userId) && e.getValue().expiresAt.isAfter(now)) {
                ids.add(e.getKey().conversationId);
            }
        }
        return ids;
    }

    @Override
    public List<Expired> claimExpired(Instant now) {
        List<Expired> expired = new ArrayList<>();
        for (Map.Entry<Key, Entry> e : entries.entrySet()) {
            if (!e.getValue().expiresAt.isAfter(now) && entries.remove(e.getKey(), e.getValue())) {
                expired.add(new Expired(e.getKey().conversationId, e.getKey().userId, e.getValue().username));
            }
        }
        return expired;
    }
}
