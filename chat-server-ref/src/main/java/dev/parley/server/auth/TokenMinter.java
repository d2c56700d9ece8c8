package dev.parley.server.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Mints HS256 tokens that {@link JwtAuthenticator} accepts, shaped like Supabase access tokens
 * ({@code sub}, {@code email}, {@code user_metadata}). For development and tests: production
 * tokens come from the identity provider.
 */
public final class TokenMinter {
    private final byte[] secret;
    private String subject;
    private String username;
    private String displayName;
    private String email;
    private String issuer;
    private String audience;
    private Duration ttl = Duration.ofHours(1);
    private Instant issuedAt;

    private TokenMinter(byte[] secret) {
        this.secret = secret;
    }

    /** A minter signing with this shared secret (its UTF-8 bytes, as {@link JwtAuthenticator} reads it). */
    public static TokenMinter hs256(String secret) {
        return new TokenMinter(Objects.requireNonNull(secret, "secret").getBytes(StandardCharsets.UTF_8));
    }

    public TokenMinter subject(String v) { subject = v; return this; }
    public TokenMinter username(String v) { username = v; return this; }
    public TokenMinter displayName(String v) { displayName = v; return this; }
    public TokenMinter email(String v) { email = v; return this; }
    public TokenMinter issuer(String v) { issuer = v; return this; }
    public TokenMinter audience(String v) { audience = v; return this; }
    public TokenMinter ttl(Duration v) { ttl = Objects.requireNonNull(v); return this; }
    /** Defaults to now. */
    public TokenMinter issuedAt(Instant v) { issuedAt = v; return this; }

    public String mint() {
        if (subject == null || subject.isBlank()) {
            throw new IllegalStateException("a token needs a subject (user id)");
        }
        Instant iat = issuedAt == null ? Instant.now() : issuedAt;
        Map<String, Object> meta = new LinkedHashMap<>();
        if (username != null) {
            meta.put("username", username);
        }
        if (displayName != null) {
            meta.put("display_name", displayName);
        }
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .subject(subject)
                .issueTime(Date.from(iat))
                .expirationTime(Date.from(iat.plus(ttl)))
                .claim("user_metadata", meta);
        if (email != null) {
            claims.claim("email", email);
        }
        if (issuer != null) {
            claims.issuer(issuer);
        }
        if (audience != null) {
            claims.audience(audience);
        }
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).build(),
                claims.build());
        try {
            jwt.sign(new MACSigner(secret));
        } catch (JOSEException e) {
            throw new IllegalArgumentException("cannot sign with this secret: " + e.getMessage(), e);
        }
        return jwt.serialize();
    }
}
