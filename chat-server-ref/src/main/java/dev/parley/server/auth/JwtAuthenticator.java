package dev.parley.server.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.JWSVerifierFactory;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.proc.SingleKeyJWSKeySelector;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.nimbusds.jwt.proc.ExpiredJWTException;
import dev.parley.core.spi.AuthException;
import dev.parley.core.spi.Authenticator;
import dev.parley.core.spi.Principal;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Verifies JWT bearer tokens: HS256 with a shared secret, and/or RS256 and ES256 with keys from a
 * JWKS endpoint (cached and refreshed by nimbus-jose-jwt). Unsigned ({@code alg: none}) tokens
 * are always refused. {@code exp} and {@code sub} are required; {@code iss} and {@code aud} are
 * checked when configured; time claims allow a clock skew (60 s by default).
 *
 * <p>Claims map to a {@link Principal} as the protocol's section 3.1 says: id = {@code sub},
 * username = {@code user_metadata.username} else the local part of {@code email}, display name =
 * {@code user_metadata.display_name} else the username, plus {@code email}, {@code phone} and the
 * expiry. HS256 tokens are checked on the caller's thread; JWKS tokens on a small pool of this
 * authenticator's own, because a key fetch may block.
 */
public final class JwtAuthenticator implements Authenticator, AutoCloseable {
    /** Enough for HS256: nimbus refuses shorter HMAC keys, and so do we, at configuration time. */
    public static final int MIN_SECRET_BYTES = 32;

    private final DefaultJWTProcessor<SecurityContext> processor;
    private final ExecutorService jwksPool;

    private JwtAuthenticator(Builder b) {
        SecretKeySpec secret = b.secret == null ? null : new SecretKeySpec(b.secret, "HmacSHA256");
        JWSKeySelector<SecurityContext> hmac = secret == null ? null
                : new SingleKeyJWSKeySelector<>(JWSAlgorithm.HS256, secret);
        JWSKeySelector<SecurityContext> jwks = null;
        if (b.jwksUrl != null) {
            JWKSource<SecurityContext> source = JWKSourceBuilder.<SecurityContext>create(b.jwksUrl)
                    .cache(b.jwksCacheTtl.toMillis(), JWKSourceBuilder.DEFAULT_CACHE_REFRESH_TIMEOUT)
                    .retrying(true)
                    .build();
            jwks = new JWSVerificationKeySelector<>(Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256), source);
        }
        if (hmac == null && jwks == null) {
            throw new IllegalArgumentException("a JWT authenticator needs a secret or a JWKS URL");
        }
        processor = new DefaultJWTProcessor<>();
        processor.setJWSKeySelector(new ByAlgorithm(hmac, jwks));
        if (secret != null) {
            processor.setJWSVerifierFactory(new KeptHmacVerifiers(secret));
        }
        JWTClaimsSet exact = b.issuer == null ? new JWTClaimsSet.Builder().build()
                : new JWTClaimsSet.Builder().issuer(b.issuer).build();
        DefaultJWTClaimsVerifier<SecurityContext> verifier = new DefaultJWTClaimsVerifier<>(
                b.audience == null ? null : Set.of(b.audience), exact, Set.of("sub", "exp"), null);
        verifier.setMaxClockSkew((int) b.clockSkew.toSeconds());
        processor.setJWTClaimsSetVerifier(verifier);
        jwksPool = jwks == null ? null : newPool();
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public CompletableFuture<Principal> authenticate(String token) {
        if (token == null || token.isBlank()) {
            return CompletableFuture.failedFuture(new AuthException(AuthException.Reason.INVALID, "no token"));
        }
        if (jwksPool == null) {
            try {
                return CompletableFuture.completedFuture(verify(token));
            } catch (AuthException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        CompletableFuture<Principal> result = new CompletableFuture<>();
        try {
            jwksPool.execute(() -> {
                try {
                    result.complete(verify(token));
                } catch (AuthException e) {
                    result.completeExceptionally(e);
                } catch (RuntimeException e) {
                    result.completeExceptionally(new AuthException(AuthException.Reason.INVALID, "unreadable token"));
                }
            });
        } catch (RuntimeException rejected) {
            result.completeExceptionally(new AuthException(AuthException.Reason.UNAVAILABLE, "authenticator busy"));
        }
        return result;
    }

    /** Verifies on the calling thread (a JWKS fetch may block). */
    Principal verify(String token) throws AuthException {
        JWTClaimsSet claims;
        try {
            // Only signed tokens pass, so the token is read as one: read as any JWT first, its
            // header was parsed twice. Unsigned and encrypted tokens fail here, as unreadable.
            claims = processor.process(SignedJWT.parse(token), null);
        } catch (ExpiredJWTException e) {
            throw new AuthException(AuthException.Reason.EXPIRED, "token expired");
        } catch (KeySourceException e) {
            throw new AuthException(AuthException.Reason.UNAVAILABLE, "signing keys unavailable");
        } catch (BadJOSEException | ParseException | com.nimbusds.jose.JOSEException e) {
            throw new AuthException(AuthException.Reason.INVALID, "invalid token: " + e.getMessage());
        } catch (RuntimeException e) {
            throw new AuthException(AuthException.Reason.INVALID, "unreadable token");
        }
        return toPrincipal(claims);
    }

    static Principal toPrincipal(JWTClaimsSet claims) {
        Map<String, Object> meta = objectClaim(claims, "user_metadata");
        String email = stringClaim(claims.getClaim("email"));
        String phone = stringClaim(claims.getClaim("phone"));
        String username = stringClaim(meta.get("username"));
        if (username == null && email != null) {
            int at = email.indexOf('@');
            username = at > 0 ? email.substring(0, at) : null;
        }
        String displayName = stringClaim(meta.get("display_name"));
        String avatarUrl = stringClaim(meta.get("avatar_url"));
        Date exp = claims.getExpirationTime();
        Instant expiresAt = exp == null ? null : exp.toInstant();
        return new Principal(claims.getSubject(), username, displayName, avatarUrl, email, phone, null, expiresAt);
    }

    private static Map<String, Object> objectClaim(JWTClaimsSet claims, String name) {
        try {
            Map<String, Object> value = claims.getJSONObjectClaim(name);
            return value == null ? Map.of() : value;
        } catch (ParseException notAnObject) {
            return Map.of();
        }
    }

    /** Blank strings count as absent: some providers send {@code "phone": ""}. */
    private static String stringClaim(Object value) {
        return value instanceof String s && !s.isBlank() ? s : null;
    }

    private static ExecutorService newPool() {
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(2, 2, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(10_000), r -> {
                    Thread t = new Thread(r, "parley-jwt-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    @Override
    public void close() {
        if (jwksPool != null) {
            jwksPool.shutdownNow();
        }
    }

    /**
     * Verifiers as the library's factory makes them, but the shared secret's HMAC verifier made once:
     * the library made one per token, and each looked its MAC up among the security providers at
     * every check (together 4 µs of a token's 11.6; BENCHMARKS.md, session 15).
     */
    private static final class KeptHmacVerifiers implements JWSVerifierFactory {
        private final DefaultJWSVerifierFactory others = new DefaultJWSVerifierFactory();
        private final SecretKeySpec secret;
        private final MACVerifier verifier;

        KeptHmacVerifiers(SecretKeySpec secret) {
            this.secret = secret;
            try {
                verifier = new MACVerifier(secret);
                verifier.getJCAContext().setProvider(Mac.getInstance("HmacSHA256").getProvider());
            } catch (JOSEException | NoSuchAlgorithmException e) {
                throw new IllegalArgumentException("the JWT secret cannot key HS256", e);
            }
        }

        @Override
        public JWSVerifier createJWSVerifier(JWSHeader header, Key key) throws JOSEException {
            return key == secret && JWSAlgorithm.HS256.equals(header.getAlgorithm()) ? verifier
                    : others.createJWSVerifier(header, key);
        }

        @Override
        public Set<JWSAlgorithm> supportedJWSAlgorithms() {
            return others.supportedJWSAlgorithms();
        }

        @Override
        public JCAContext getJCAContext() {
            return others.getJCAContext();
        }
    }

    /** Picks the key source by the token's algorithm, so HS256 and JWKS keys can be used side by side. */
    private record ByAlgorithm(JWSKeySelector<SecurityContext> hmac, JWSKeySelector<SecurityContext> jwks)
            implements JWSKeySelector<SecurityContext> {
        @Override
        public List<? extends Key> selectJWSKeys(com.nimbusds.jose.JWSHeader header, SecurityContext context)
                throws KeySourceException {
            JWSAlgorithm alg = header.getAlgorithm();
            if (JWSAlgorithm.HS256.equals(alg) && hmac != null) {
                return hmac.selectJWSKeys(header, context);
            }
            if ((JWSAlgorithm.RS256.equals(alg) || JWSAlgorithm.ES256.equals(alg)) && jwks != null) {
                return jwks.selectJWSKeys(header, context);
            }
            return List.of();
        }
    }

    public static final class Builder {
        private byte[] secret;
        private URL jwksUrl;
        private String issuer;
        private String audience;
        private Duration clockSkew = Duration.ofSeconds(60);
        private Duration jwksCacheTtl = Duration.ofMinutes(5);

        private Builder() {
        }

        /** HS256 shared secret (its UTF-8 bytes are the key), at least {@value #MIN_SECRET_BYTES} bytes. */
        public Builder secret(String secret) {
            byte[] bytes = Objects.requireNonNull(secret, "secret").getBytes(StandardCharsets.UTF_8);
            if (bytes.length < MIN_SECRET_BYTES) {
                throw new IllegalArgumentException("the JWT secret must be at least " + MIN_SECRET_BYTES + " bytes");
            }
            this.secret = bytes;
            return this;
        }

        /** Where RS256/ES256 public keys are published. */
        public Builder jwksUrl(URL url) {
            this.jwksUrl = url;
            return this;
        }

        /** Required {@code iss}, or {@code null} for any. */
        public Builder issuer(String issuer) {
            this.issuer = issuer;
            return this;
        }

        /** Required {@code aud} value, or {@code null} for any. */
        public Builder audience(String audience) {
            this.audience = audience;
            return this;
        }

        public Builder clockSkew(Duration skew) {
            this.clockSkew = Objects.requireNonNull(skew);
            return this;
        }

        /** How long fetched JWKS keys are used before they are fetched again (an unknown key id refreshes sooner). */
        public Builder jwksCacheTtl(Duration ttl) {
            this.jwksCacheTtl = Objects.requireNonNull(ttl);
            return this;
        }

        public JwtAuthenticator build() {
            return new JwtAuthenticator(this);
        }
    }
}
