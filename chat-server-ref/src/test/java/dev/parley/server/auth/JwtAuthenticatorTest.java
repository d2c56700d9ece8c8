package dev.parley.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.parley.core.spi.AuthException;
import dev.parley.core.spi.Principal;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class JwtAuthenticatorTest {
    private static final String SECRET = "unit-test-secret-with-32-or-more-bytes";

    private static AuthException.Reason refusal(JwtAuthenticator auth, String token) {
        try {
            auth.authenticate(token).get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(AuthException.class);
            return ((AuthException) e.getCause()).reason();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("token was accepted");
    }

    private static Principal accepted(JwtAuthenticator auth, String token) {
        try {
            return auth.authenticate(token).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("token refused: " + e.getCause(), e);
        }
    }

    private static JWTClaimsSet.Builder claims(String sub) {
        return new JWTClaimsSet.Builder().subject(sub).expirationTime(Date.from(Instant.now().plus(Duration.ofHours(1))));
    }

    @Test
    void claimsMapToThePrincipalAsTheProtocolSays() throws Exception {
        JwtAuthenticator auth = JwtAuthenticator.builder().secret(SECRET).build();
        Principal p = auth.verify(TokenMinter.hs256(SECRET).subject("u-1").username("alice").displayName("Alice A.")
                .email("alice@example.org").mint());
        assertThat(p.userId()).isEqualTo("u-1");
        assertThat(p.username()).isEqualTo("alice");
        assertThat(p.displayName()).isEqualTo("Alice A.");
        assertThat(p.email()).isEqualTo("alice@example.org");
        assertThat(p.expiresAt()).isAfter(Instant.now());

        Principal fromEmail = JwtAuthenticator.toPrincipal(claims("u-2").claim("email", "bob.smith@example.org")
                .claim("phone", "").build());
        assertThat(fromEmail.username()).isEqualTo("bob.smith");
        assertThat(fromEmail.displayName()).isEqualTo("bob.smith");
        assertThat(fromEmail.phone()).isNull();

        Principal bare = JwtAuthenticator.toPrincipal(claims("u-3").claim("user_metadata", "not an object").build());
        assertThat(bare.username()).isEqualTo("u-3");
    }

    @Test
    void refusesTokensWithoutSubjectOrExpiry() {
        JwtAuthenticator auth = JwtAuthenticator.builder().secret(SECRET).build();
        String noExp = AuthTokens.hs256(SECRET, new JWTClaimsSet.Builder().subject("u").build());
        String noSub = AuthTokens.hs256(SECRET, new JWTClaimsSet.Builder()
                .expirationTime(Date.from(Instant.now().plusSeconds(600))).build());
        assertThat(refusal(auth, noExp)).isEqualTo(AuthException.Reason.INVALID);
        assertThat(refusal(auth, noSub)).isEqualTo(AuthException.Reason.INVALID);
        assertThat(refusal(auth, "")).isEqualTo(AuthException.Reason.INVALID);
        assertThat(refusal(auth, "a.b.c")).isEqualTo(AuthException.Reason.INVALID);
    }

    @Test
    void expiryAllowsSixtySecondsOfClockSkew() {
        JwtAuthenticator auth = JwtAuthenticator.builder().secret(SECRET).build();
        String justExpired = TokenMinter.hs256(SECRET).subject("u").issuedAt(Instant.now().minusSeconds(3630))
                .ttl(Duration.ofHours(1)).mint();
        String longExpired = TokenMinter.hs256(SECRET).subject("u").issuedAt(Instant.now().minusSeconds(3700))
                .ttl(Duration.ofHours(1)).mint();
        assertThat(accepted(auth, justExpired).userId()).isEqualTo("u");
        assertThat(refusal(auth, longExpired)).isEqualTo(AuthException.Reason.EXPIRED);
    }

    @Test
    void issuerAndAudienceAreCheckedWhenConfigured() {
        JwtAuthenticator auth = JwtAuthenticator.builder().secret(SECRET).issuer("https://id.example/auth/v1")
                .audience("authenticated").build();
        TokenMinter good = TokenMinter.hs256(SECRET).subject("u").issuer("https://id.example/auth/v1").audience("authenticated");
        assertThat(accepted(auth, good.mint()).userId()).isEqualTo("u");
        assertThat(refusal(auth, good.issuer("https://other.example").mint())).isEqualTo(AuthException.Reason.INVALID);
        assertThat(refusal(auth, TokenMinter.hs256(SECRET).subject("u").issuer("https://id.example/auth/v1")
                .audience("anon").mint())).isEqualTo(AuthException.Reason.INVALID);
        assertThat(refusal(auth, TokenMinter.hs256(SECRET).subject("u").issuer("https://id.example/auth/v1").mint()))
                .isEqualTo(AuthException.Reason.INVALID);
    }

    @Test
    void shortSecretsAreRefusedAtConfiguration() {
        assertThatThrownBy(() -> JwtAuthenticator.builder().secret("too-short"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32");
        assertThatThrownBy(() -> JwtAuthenticator.builder().build()).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void jwksKeysVerifyRs256AndEs256AndAnUnknownSignerIsRefused() throws Exception {
        try (JwksFixture jwks = new JwksFixture("/keys");
             JwtAuthenticator auth = JwtAuthenticator.builder().jwksUrl(URI.create(jwks.url()).toURL()).build()) {
            assertThat(accepted(auth, JwksFixture.signRs256(jwks.rsa, claims("rs").build())).userId()).isEqualTo("rs");
            assertThat(accepted(auth, JwksFixture.signEs256(jwks.ec, claims("es").build())).userId()).isEqualTo("es");
            RSAKey impostor = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
            assertThat(refusal(auth, JwksFixture.signRs256(impostor, claims("x").build())))
                    .isEqualTo(AuthException.Reason.INVALID);
            assertThat(refusal(auth, TokenMinter.hs256(SECRET).subject("x").mint())).isEqualTo(AuthException.Reason.INVALID);
            int fetched = jwks.fetches();
            for (int i = 0; i < 5; i++) {
                accepted(auth, JwksFixture.signRs256(jwks.rsa, claims("rs").build()));
            }
            assertThat(jwks.fetches()).as("keys are cached").isEqualTo(fetched);
        }
    }

    @Test
    void anUnreachableJwksEndpointIsReportedAsUnavailable() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        RSAKey key = new RSAKeyGenerator(2048).keyID("k").generate();
        try (JwtAuthenticator auth = JwtAuthenticator.builder()
                .jwksUrl(URI.create("http://127.0.0.1:" + port + "/jwks.json").toURL()).build()) {
            assertThat(refusal(auth, JwksFixture.signRs256(key, claims("u").build())))
                    .isEqualTo(AuthException.Reason.UNAVAILABLE);
        }
    }

    @Test
    void hmacAndJwksWorkSideBySide() throws Exception {
        try (JwksFixture jwks = new JwksFixture("/keys");
             JwtAuthenticator auth = JwtAuthenticator.builder().secret(SECRET)
                     .jwksUrl(URI.create(jwks.url()).toURL()).build()) {
            assertThat(accepted(auth, TokenMinter.hs256(SECRET).subject("h").mint()).userId()).isEqualTo("h");
            assertThat(accepted(auth, JwksFixture.signEs256(jwks.ec, claims("e").build())).userId()).isEqualTo("e");
        }
    }

    @Test
    void failuresSurfaceAsAuthExceptionsNotRawErrors() {
        JwtAuthenticator auth = JwtAuthenticator.builder().secret(SECRET).build();
        assertThatThrownBy(() -> auth.authenticate("garbage").join())
                .isInstanceOf(CompletionException.class).hasCauseInstanceOf(AuthException.class);
    }
}
