package dev.parley.core.testkit;

import dev.parley.core.spi.AuthException;
import dev.parley.core.spi.Authenticator;
import dev.parley.core.spi.Principal;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * Tokens of the form {@code user:<id>} or {@code user:<id>:<expiry epoch second>}; anything else is
 * invalid, and {@code expired:<id>} is expired. For engine tests only: it proves nothing about real tokens.
 */
public final class TestAuthenticator implements Authenticator {
    public static String token(String userId) {
        return "user:" + userId;
    }

    public static String token(String userId, Instant expiresAt) {
        return "user:" + userId + ":" + expiresAt.getEpochSecond();
    }

    @Override
    public CompletableFuture<Principal> authenticate(String token) {
        String[] parts = token.split(":");
        if (parts.length >= 2 && parts[0].equals("expired")) {
            return CompletableFuture.failedFuture(new AuthException(AuthException.Reason.EXPIRED, "expired"));
        }
        if (parts.length < 2 || !parts[0].equals("user") || parts[1].isEmpty()) {
            return CompletableFuture.failedFuture(new AuthException(AuthException.Reason.INVALID, "bad token"));
        }
        Instant exp = parts.length == 3 ? Instant.ofEpochSecond(Long.parseLong(parts[2])) : null;
        String id = parts[1];
        return CompletableFuture.completedFuture(new Principal(id, id, capitalize(id), null, id + "@example.org",
                null, null, exp));
    }

    private static String capitalize(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
