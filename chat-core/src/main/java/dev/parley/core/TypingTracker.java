package dev.parley.core;

import dev.parley.core.spi.TypingStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Who is typing where: one entry per (conversation, user), not per connection, each expiring
 * {@code ttl} after its last {@code typing_start}, kept in the {@link TypingStore} (shared by the
 * nodes of a cluster). Reports only changes, so the engine broadcasts only changes (protocol 3.8).
 */
final class TypingTracker {
    private final TypingStore store;
    private final Duration ttl;

    TypingTracker(TypingStore store, Duration ttl) {
        this.store = store;
        this.ttl = ttl;
    }

    /** Starts or extends typing; returns true if the user was not typing there before. */
    boolean start(String conversationId, String userId, String username, Instant now) {
        return store.start(conversationId, userId, username, now.plus(ttl), now);
    }

    /** Stops typing; returns true if the user was typing there (and nobody announced the stop yet). */
    boolean stop(String conversationId, String userId, Instant now) {
        return store.stop(conversationId, userId);
    }

    /** Users typing in the conversation now. */
    List<String> typingIn(String conversationId, Instant now) {
        return store.typingIn(conversationId, now);
    }

    /** Conversations where the user is typing now. */
    List<String> conversationsOf(String userId, Instant now) {
        return store.conversationsOf(userId, now);
    }

    /** Removes and returns the entries past their expiry (across nodes, each to one node). */
    List<TypingStore.Expired> expire(Instant now) {
        return store.claimExpired(now);
    }

    void close() {
        store.close();
    }
}
