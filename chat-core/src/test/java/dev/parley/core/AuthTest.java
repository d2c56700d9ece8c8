package dev.parley.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.parley.core.testkit.TestAuthenticator;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AuthTest extends EngineHarness {

    @Test
    void authSucceedsWithUserProfileLimitsAndEchoedRequestId() {
        Client c = connect();
        String id = c.send("auth", "{\"token\":\"" + TestAuthenticator.token("alice") + "\"}");
        JsonObject r = c.transport.next();
        assertThat(r.get("type").getAsString()).isEqualTo("auth_success");
        assertThat(r.get("requestId").getAsString()).isEqualTo(id);
        JsonObject p = payload(r);
        assertThat(p.getAsJsonObject("user").get("id").getAsString()).isEqualTo("alice");
        assertThat(p.getAsJsonObject("user").get("display_name").getAsString()).isEqualTo("Alice");
        assertThat(p.getAsJsonObject("user").get("email").getAsString()).isEqualTo("alice@example.org");
        assertThat(p.getAsJsonObject("user").has("phone")).isTrue();
        assertThat(p.get("expiresAt").isJsonNull()).isTrue();
        assertThat(p.get("protocol").getAsInt()).isEqualTo(1);
        assertThat(p.getAsJsonArray("extensions")).isEmpty();
        assertThat(p.getAsJsonObject("limits").get("maxFrameBytes").getAsLong()).isEqualTo(1 << 20);
    }

    @Test
    void requestsBeforeAuthAreUnauthorizedButPingWorks() {
        Client c = connect();
        c.callError("load_conversations", "{}", "UNAUTHORIZED");
        assertThat(c.call("ping", "{}").get("type").getAsString()).isEqualTo("pong");
    }

    @Test
    void authWithoutTokenIsMissingToken() {
        Client c = connect();
        c.callError("auth", "{}", "MISSING_TOKEN");
        c.callError("auth", "{\"token\":\"\"}", "MISSING_TOKEN");
    }

    @Test
    void invalidAndExpiredTokensGetTheirCodes() {
        Client c = connect();
        c.callError("auth", "{\"token\":\"garbage\"}", "INVALID_TOKEN");
        c.callError("auth", "{\"token\":\"expired:bob\"}", "TOKEN_EXPIRED");
        Instant past = clock.now().minusSeconds(5);
        c.callError("auth", "{\"token\":\"" + TestAuthenticator.token("bob", past) + "\"}", "TOKEN_EXPIRED");
    }

    @Test
    void fiveFailedAuthsCloseWith1008() {
        Client c = connect();
        for (int i = 0; i < 4; i++) {
            c.callError("auth", "{\"token\":\"bad\"}", "INVALID_TOKEN");
        }
        assertThat(c.transport.closeCode()).isNull();
        c.callError("auth", "{\"token\":\"bad\"}", "INVALID_TOKEN");
        assertThat(c.transport.awaitClose()).isEqualTo(1008);
    }

    @Test
    void tokenAtConnectSendsUnsolicitedAuthSuccess() {
        Client c = connectWithToken(TestAuthenticator.token("alice"));
        JsonObject r = c.next("auth_success");
        assertThat(r.get("requestId").getAsString()).isNotEmpty();
        assertThat(c.call("load_conversations", "{}").get("type").getAsString()).isEqualTo("conversations_loaded");
    }

    @Test
    void badTokenAtConnectSendsAuthErrorAndKeepsTheConnectionOpen() {
        Client c = connectWithToken("nonsense");
        JsonObject r = c.next("auth_error");
        assertThat(payload(r).get("code").getAsString()).isEqualTo("INVALID_TOKEN");
        assertThat(payload(r).get("requestId").isJsonNull()).isTrue();
        assertThat(c.call("auth", "{\"token\":\"" + TestAuthenticator.token("alice") + "\"}").get("type").getAsString())
                .isEqualTo("auth_success");
    }

    @Test
    void connectionNotAuthenticatedInTimeIsClosedWith4001() {
        Client c = connect();
        clock.advance(Duration.ofSeconds(29));
        engine.sweep();
        assertThat(c.transport.closeCode()).isNull();
        clock.advance(Duration.ofSeconds(1));
        engine.sweep();
        assertThat(c.transport.awaitClose()).isEqualTo(4001);
    }

    @Test
    void expiredTokenGetsAuthErrorThenGraceThenRefreshKeepsTheSession() {
        Client a = connect();
        Instant exp = clock.now().plusSeconds(50);
        a.call("auth", "{\"token\":\"" + TestAuthenticator.token("alice", exp) + "\"}");
        createConversation(login("bob"), "direct", "alice");
        clock.advance(Duration.ofSeconds(50));
        engine.sweep();
        JsonObject err = a.next("auth_error");
        assertThat(payload(err).get("code").getAsString()).isEqualTo("TOKEN_EXPIRED");
        assertThat(payload(err).get("expiredAt").getAsString()).isEqualTo("2025-03-01T09:00:50.000Z");
        a.callError("load_conversations", "{}", "TOKEN_EXPIRED");
        assertThat(a.call("ping", "{}").get("type").getAsString()).isEqualTo("pong");

        Instant later = clock.now().plusSeconds(3600);
        JsonObject ok = a.call("auth", "{\"token\":\"" + TestAuthenticator.token("alice", later) + "\"}");
        assertThat(ok.get("type").getAsString()).isEqualTo("auth_success");
        assertThat(payload(ok).get("expiresAt").getAsString()).isEqualTo("2025-03-01T10:00:50.000Z");
        assertThat(payload(a.call("load_conversations", "{}")).getAsJsonArray("conversations")).hasSize(1);
    }

    @Test
    void expiredTokenNotRefreshedWithinGraceClosesWith4002() {
        Client a = connect();
        a.call("auth", "{\"token\":\"" + TestAuthenticator.token("alice", clock.now().plusSeconds(10)) + "\"}");
        clock.advance(Duration.ofSeconds(10));
        engine.sweep();
        a.next("auth_error");
        clock.advance(Duration.ofSeconds(29));
        engine.sweep();
        assertThat(a.transport.closeCode()).isNull();
        clock.advance(Duration.ofSeconds(1));
        engine.sweep();
        assertThat(a.transport.awaitClose()).isEqualTo(4002);
    }

    @Test
    void reauthAsAnotherUserIsConflictAndKeepsTheIdentity() {
        Client a = login("alice");
        a.callError("auth", "{\"token\":\"" + TestAuthenticator.token("mallory") + "\"}", "CONFLICT");
        JsonObject again = a.call("auth", "{\"token\":\"" + TestAuthenticator.token("alice") + "\"}");
        assertThat(payload(again).getAsJsonObject("user").get("id").getAsString()).isEqualTo("alice");
    }

    @Test
    void failedReauthKeepsTheCurrentAuthentication() {
        Client a = login("alice");
        a.callError("auth", "{\"token\":\"bad\"}", "INVALID_TOKEN");
        assertThat(a.call("load_conversations", "{}").get("type").getAsString()).isEqualTo("conversations_loaded");
    }

    @Test
    void eleventhConnectionOfAUserIsClosedWith4009() {
        for (int i = 0; i < 10; i++) {
            login("alice");
        }
        Client extra = connect();
        extra.send("auth", "{\"token\":\"" + TestAuthenticator.token("alice") + "\"}");
        assertThat(extra.transport.awaitClose()).isEqualTo(4009);
    }
}
