package dev.parley.protocol.payload;

import dev.parley.protocol.Rules.MaxItems;
import dev.parley.protocol.Rules.Required;
import dev.parley.protocol.model.AuthUser;
import java.time.Instant;
import java.util.List;

/** Authentication (3.1). */
public final class AuthPayloads {
    private AuthPayloads() {
    }

    /** {@code auth}: a bearer token and the extensions this connection wants (6.0). */
    public record Auth(@Required String token, @MaxItems(32) List<String> extensions) {
    }

    /** {@code auth_success}. */
    public record AuthSuccess(
            AuthUser user,
            Instant expiresAt,
            int protocol,
            List<String> extensions,
            Limits limits) {
    }

    /** The limits reported in {@code auth_success}. */
    public record Limits(long maxFrameBytes, long maxContentBytes, long maxFileBytes, long fileChunkBytes) {
    }
}
