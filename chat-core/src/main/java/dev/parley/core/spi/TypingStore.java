package dev.parley.core.spi;

import java.time.Instant;
import java.util.List;

/**
 * Who is typing where (protocol 3.8), shared by every node: one entry per (conversation, user),
 * not per connection, until its expiry time. Entries are never dropped silently: one past its
 * expiry stays until {@link #claimExpired} hands it to exactly one caller (which announces that
 * the user stopped typing) or {@link #stop} removes it, so each stop is announced once, even when
 * the node that started the entry crashed.
 */
public interface TypingStore extends AutoCloseable {

    /** An entry removed because it expired. {@code username} as given to {@link #start}, or null if unknown. */
    record Expired(String conversationId, String userId, String username) {
    }

    /**
     * Starts or extends typing until {@code expiresAt}; returns true if the user had no entry in
     * the conversation or only an expired one (they start typing now, as others see it).
     */
    boolean start(String conversationId, String userId, String username, Instant expiresAt, Instant now);

    /** Removes the user's entry; returns true if there was one, expired or not (its stop is yet to be announced). */
    boolean stop(String conversationId, String userId);

    /** Users whose entry in the conversation has not expired at {@code now}. */
    List<String> typingIn(String conversationId, Instant now);

    /** Conversations where the user's entry has not expired at {@code now}. */
    List<String> conversationsOf(String userId, Instant now);

    /** Removes and returns the entries expired at {@code now}; across nodes each goes to one caller only. */
    List<Expired> claimExpired(Instant now);

    @Override
    default void close() {
    }
}
