package dev.parley.protocol.payload;

import dev.parley.protocol.WireFormat.OmitIfNull;
import java.time.Instant;
import java.util.Map;

/** Payloads with no feature of their own: empty payloads and errors. */
public final class SystemPayloads {
    private SystemPayloads() {
    }

    /** {@code {}}: {@code load_conversations}, {@code ping}, {@code pong}. */
    public record Empty() {
        public static final Empty INSTANCE = new Empty();
    }

    /**
     * {@code error} and {@code auth_error} (3.10): {@code requestId} is the failed request's id, or
     * {@code null} when it could not be read; {@code expiredAt} only on expired tokens.
     */
    public record ErrorPayload(
            String error,
            String code,
            String requestId,
            @OmitIfNull Map<String, Object> details,
            @OmitIfNull Instant expiredAt) {
    }
}
