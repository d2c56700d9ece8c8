package dev.parley.server;

import static dev.parley.server.WsClient.payload;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.parley.server.auth.JwksFixture;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** RS256 and ES256 tokens verified with keys from a JWKS endpoint started by the test. */
class JwksServerTest {
    private TestServer server;
    private JwksFixture jwks;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (jwks != null) {
            jwks.close();
        }
    }

    private static JWTClaimsSet.Builder claims(String sub, String issuer) {
        return new JWTClaimsSet.Builder().subject(sub).issuer(issuer).audience("authenticated")
                .expirationTime(Date.from(Instant.now().plus(Duration.ofHours(1))))
                .claim("email", sub + "@example.org");
    }

    @Test
    void jwksUrlAndIssuerVerifyRs256AndEs256() throws Exception {
        jwks = new JwksFixture("/.well-known/jwks.json");
        server = TestServer.start(b -> b.jwtSecret(null).jwksUrl(jwks.url()).jwtIssuer("https://issuer.test"));
        String rs = JwksFixture.signRs256(jwks.rsa, claims("carol", "https://issuer.test").build());
        try (WsClient c = WsClient.connect(server.ws("/ws"), Map.of("Authorization", "Bearer " + rs))) {
            JsonObject user = payload(c.next("auth_success")).getAsJsonObject("user");
            assertThat(user.get("id").getAsString()).isEqualTo("carol");
            assertThat(user.get("username").getAsString()).isEqualTo("carol");
        }
        String es = JwksFixture.signEs256(jwks.ec, claims("dave", "https://issuer.test").build());
        try (WsClient c = WsClient.connect(server.ws("/ws?token=" + es))) {
            assertThat(payload(c.next("auth_success")).getAsJsonObject("user").get("id").getAsString()).isEqualTo("dave");
        }
        RSAKey impostor = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        String forged = JwksFixture.signRs256(impostor, claims("carol", "https://issuer.test").build());
        String wrongIssuer = JwksFixture.signRs256(jwks.rsa, claims("carol", "https://elsewhere.test").build());
        String hs = TestServer.token("carol");
        try (WsClient c = WsClient.connect(server.ws("/ws"))) {
            for (String bad : new String[] {forged, wrongIssuer, hs}) {
                JsonObject p = new JsonObject();
                p.addProperty("token", bad);
                assertThat(payload(c.request("auth", p)).get("code").getAsString()).isEqualTo("INVALID_TOKEN");
            }
        }
    }

    @Test
    void supabaseUrlDerivesTheJwksEndpointAndIssuer() throws Exception {
        jwks = new JwksFixture("/auth/v1/.well-known/jwks.json");
        server = TestServer.start(b -> b.jwtSecret(null).supabaseUrl(jwks.baseUrl() + "/"));
        JWTClaimsSet supabaseLike = claims("0b6e7c3a-uuid", jwks.baseUrl() + "/auth/v1")
                .claim("phone", "")
                .claim("user_metadata", Map.of("username", "erin", "display_name", "Erin E."))
                .build();
        try (WsClient c = WsClient.connect(server.ws("/ws?token=" + JwksFixture.signEs256(jwks.ec, supabaseLike)))) {
            JsonObject user = payload(c.next("auth_success")).getAsJsonObject("user");
            assertThat(user.get("id").getAsString()).isEqualTo("0b6e7c3a-uuid");
            assertThat(user.get("username").getAsString()).isEqualTo("erin");
            assertThat(user.get("display_name").getAsString()).isEqualTo("Erin E.");
            assertThat(user.get("phone").isJsonNull()).isTrue();
        }
        String otherIssuer = JwksFixture.signEs256(jwks.ec, claims("x", "https://not-supabase.test").build());
        try (WsClient c = WsClient.connect(server.ws("/ws?token=" + otherIssuer))) {
            assertThat(payload(c.next("auth_error")).get("code").getAsString()).isEqualTo("INVALID_TOKEN");
        }
    }
}
