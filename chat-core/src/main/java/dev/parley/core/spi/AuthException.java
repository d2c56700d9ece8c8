package dev.parley.core.spi;

/** Why a token was refused; {@link Reason} maps to the protocol's auth error codes. */
public final class AuthException extends Exception {
    /** The kinds of refusal the protocol distinguishes. */
    public enum Reason {
        /** Malformed, badly signed, wrong issuer or audience, unknown user: {@code INVALID_TOKEN}. */
        INVALID,
        /** Past its expiry: {@code TOKEN_EXPIRED}. */
        EXPIRED,
        /** Revoked, or the user is disabled: {@code INVALID_TOKEN}, or close 4003 on a live connection. */
        REVOKED,
        /** The identity provider could not be reached: {@code AUTH_ERROR}. */
        UNAVAILABLE
    }

    private final Reason reason;

    public AuthException(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
