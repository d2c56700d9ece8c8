package dev.parley.client;

import dev.parley.protocol.ErrorCode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Why a request failed. {@link Kind#REJECTED}: the server answered with an {@code error} frame, whose
 * {@link #code()} and {@link #details()} this carries; the other kinds are decided by the client and
 * have no code.
 */
public final class ChatException extends RuntimeException {
    /** Who decided the failure. */
    public enum Kind {
        /** The server answered with {@code error}: see {@link #code()}. */
        REJECTED,
        /** No answer within the request timeout; a late answer is dropped. */
        TIMEOUT,
        /** The client was not authenticated, or the connection dropped before the answer came. */
        NOT_CONNECTED,
        /** The client was closed. */
        CLOSED,
        /** Received file bytes do not match the checksum the server announced; nothing was kept. */
        CORRUPTED
    }

    private final Kind kind;
    private final ErrorCode code;
    private final String wireCode;
    private final Map<String, Object> details;

    ChatException(Kind kind, ErrorCode code, String wireCode, String message, Map<String, Object> details) {
        super(message, null, false, false); // expected outcomes: no stack trace
        this.kind = kind;
        this.code = code;
        this.wireCode = wireCode;
        this.details = details == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(details));
    }

    static ChatException local(Kind kind, String message) {
        return new ChatException(kind, null, null, message, null);
    }

    /**
     * A server's {@code error} payload. Codes of the original implementation are mapped to their v1
     * equivalents (protocol section 5); an unknown code becomes {@code SERVER_ERROR}, while
     * {@link #wireCode()} keeps what was sent.
     */
    static ChatException rejected(String wireCode, String message, Map<String, Object> details) {
        return new ChatException(Kind.REJECTED, mapCode(wireCode), wireCode,
                message == null || message.isEmpty() ? String.valueOf(wireCode) : message, details);
    }

    public Kind kind() {
        return kind;
    }

    /** The protocol error code when {@link #kind()} is {@link Kind#REJECTED}, else {@code null}. */
    public ErrorCode code() {
        return code;
    }

    /** The code exactly as the server sent it, or {@code null}. */
    public String wireCode() {
        return wireCode;
    }

    /** The error's {@code details} object ({@code fields}, {@code retryAfterMs}, ...); empty if none. */
    public Map<String, Object> details() {
        return details;
    }

    static ErrorCode mapCode(String wire) {
        if (wire == null) {
            return ErrorCode.SERVER_ERROR;
        }
        switch (wire) {
            case "AUTH_REQUIRED":
                return ErrorCode.UNAUTHORIZED;
            case "MISSING_CONVERSATION_ID":
            case "MISSING_TARGET_USER":
            case "MISSING_CALL_ID":
                return ErrorCode.MISSING_REQUIRED_FIELDS;
            case "INVALID_ENCRYPTED_CONTENTS":
                return ErrorCode.INVALID_DATA;
            case "MESSAGE_NOT_FOUND":
            case "CALL_NOT_FOUND":
            case "SESSION_NOT_FOUND":
            case "USER_NOT_FOUND":
                return ErrorCode.NOT_FOUND;
            default:
                try {
                    return ErrorCode.valueOf(wire);
                } catch (IllegalArgumentException e) {
                    return ErrorCode.SERVER_ERROR;
                }
        }
    }
}
