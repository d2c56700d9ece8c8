package dev.parley.protocol;

/** The error codes of protocol section 5; {@link #name()} is the wire spelling. */
public enum ErrorCode {
    UNAUTHORIZED,
    MISSING_TOKEN,
    INVALID_TOKEN,
    TOKEN_EXPIRED,
    AUTH_ERROR,
    ACCESS_DENIED,
    MISSING_REQUIRED_FIELDS,
    INVALID_DATA,
    INVALID_MESSAGE,
    UNKNOWN_MESSAGE_TYPE,
    NOT_SUPPORTED,
    NOT_FOUND,
    CONFLICT,
    PAYLOAD_TOO_LARGE,
    RATE_LIMITED,
    SERVER_ERROR
}
