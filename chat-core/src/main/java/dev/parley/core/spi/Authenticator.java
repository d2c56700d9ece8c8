package dev.parley.core.spi;

import java.util.concurrent.CompletableFuture;

/**
 * Turns a bearer token into a {@link Principal}. May complete asynchronously (a JWKS fetch, an
 * introspection call); the engine never blocks a transport thread on it. A refused token
 * completes exceptionally with an {@link AuthException}.
 */
@FunctionalInterface
public interface Authenticator {
    CompletableFuture<Principal> authenticate(String token);
}
