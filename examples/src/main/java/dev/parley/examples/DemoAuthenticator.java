package dev.parley.examples;

import dev.parley.core.spi.AuthException;
import dev.parley.core.spi.Authenticator;
import dev.parley.core.spi.Principal;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Accepts a fixed set of tokens, each naming one user. Only for examples: a real embedding verifies
 * signed tokens (the reference server checks JWTs).
 */
final class DemoAuthenticator implements Authenticator {
    private final Map<String, Principal> users;

    DemoAuthenticator(Map<String, Principal> tokenToUser) {
        this.users = Map.copyOf(tokenToUser);
    }

    @Override
    public CompletableFuture<Principal> authenticate(String token) {
        Principal p = users.get(token);
        return p != null
                ? CompletableFuture.completedFuture(p)
                : CompletableFuture.failedFuture(new AuthException(AuthException.Reason.INVALID, "unknown token"));
    }
}
