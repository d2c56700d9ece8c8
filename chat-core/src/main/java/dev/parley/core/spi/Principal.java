package dev.parley.core.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * Who a token says the user is (protocol 3.1): the stable user id, the profile claims, and when the
 * token expires ({@code null} if never).
 */
public record Principal(
        String userId,
        String username,
        String displayName,
        String avatarUrl,
        String email,
        String phone,
        String authUserId,
        Instant expiresAt) {

    public Principal {
        Objects.requireNonNull(userId, "userId");
        if (userId.isEmpty()) {
            throw new IllegalArgumentException("userId must not be empty");
        }
        username = username == null || username.isEmpty() ? userId : username;
        displayName = displayName == null || displayName.isEmpty() ? username : displayName;
    }

    /** A principal with only an id and a name, for tests and simple embeddings. */
    public static Principal of(String userId, String username, Instant expiresAt) {
        return new Principal(userId, username, null, null, null, null, null, expiresAt);
    }
}
