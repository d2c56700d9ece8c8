package dev.parley.client;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Supplies bearer tokens. The client calls it before each authentication: on every (re)connect,
 * about a minute before the current token expires, and after the server reports the token expired
 * or rejected. It is called on the client's own thread and must not block: fetch asynchronously
 * and complete the stage later.
 */
@FunctionalInterface
public interface TokenProvider {
    CompletionStage<String> token();

    /** Always the same token (a long-lived one, or tests). */
    static TokenProvider fixed(String token) {
        return () -> CompletableFuture.completedFuture(token);
    }
}
