package dev.parley.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.parley.core.spi.AuthException;
import dev.parley.core.spi.Principal;
import dev.parley.server.auth.JwtAuthenticator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokensTest {
    static final String SECRET = "tokens-test-secret-with-enough-bytes!";

    @Test
    void mintedTokensAreAcceptedByTheReferenceServersVerifierWithTheSameSecret() throws Exception {
        Tokens tokens = new Tokens.Minted(SECRET, Duration.ofMinutes(10), "lt-");

        Principal p = verifier(SECRET).authenticate(tokens.tokenFor(3)).get();

        assertThat(p.userId()).isEqualTo(Tokens.userId("lt-", 3));
        assertThat(p.username()).isEqualTo("lt-3");
        assertThat(p.expiresAt()).isBetween(Instant.now().plusSeconds(590), Instant.now().plusSeconds(601));
    }

    @Test
    void mintedTokensCarryTheSupabaseClaims() throws Exception {
        SignedJWT jwt = SignedJWT.parse(new Tokens.Minted(SECRET, Duration.ofHours(1), "lt-").tokenFor(0));
        JWTClaimsSet claims = jwt.getJWTClaimsSet();

        assertThat(jwt.getHeader().getAlgorithm().getName()).isEqualTo("HS256");
        assertThat(claims.getAudience()).containsExactly("authenticated");
        assertThat(claims.getClaim("role")).isEqualTo("authenticated");
        assertThat(claims.getIssueTime()).isNotNull();
        assertThat(claims.getJSONObjectClaim("user_metadata")).isEqualTo(Map.of("username", "lt-0"));
    }

    @Test
    void eachConnectionIsItsOwnUserWithAStableUuid() {
        assertThat(Tokens.userId("lt-", 1)).isNotEqualTo(Tokens.userId("lt-", 2))
                .isEqualTo(Tokens.userId("lt-", 1))
                .matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    }

    @Test
    void tokensSignedWithAnotherSecretAreRefused() {
        String token = new Tokens.Minted(SECRET, Duration.ofMinutes(1), "lt-").tokenFor(0);

        assertThat(verifier("another-secret-with-enough-bytes-too!").authenticate(token))
                .failsWithin(Duration.ofSeconds(5))
                .withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(AuthException.class);
    }

    @Test
    void tokenFileLinesAreUsedInTurnSkippingBlankLines(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("t.txt"), "first\n\n  second  \n");
        Tokens tokens = Tokens.fromFile(file);

        assertThat(tokens.tokenFor(0)).isEqualTo("first");
        assertThat(tokens.tokenFor(1)).isEqualTo("second");
        assertThat(tokens.tokenFor(2)).isEqualTo("first");
    }

    @Test
    void anEmptyTokenFileIsAnError(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("t.txt"), "\n \n");

        assertThatThrownBy(() -> Tokens.fromFile(file)).isInstanceOf(IOException.class).hasMessageContaining("no tokens");
    }

    /** The reference server's check of HS256 tokens, with the audience Supabase sets. */
    private static JwtAuthenticator verifier(String secret) {
        return JwtAuthenticator.builder().secret(secret).audience("authenticated").build();
    }
}
