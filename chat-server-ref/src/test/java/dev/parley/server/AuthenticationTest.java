package dev.parley.server;

import static dev.parley.server.WsClient.payload;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.parley.core.EngineConfig;
import dev.parley.server.auth.TokenMinter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Tokens at connect and in band, refresh, expiry, and every kind of bad token, over real connections. */
class AuthenticationTest {
    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static JsonObject auth(String token) {
        JsonObject p = new JsonObject();
        p.addProperty("token", token);
        return p;
    }

    private static String code(JsonObject frame) {
        return payload(frame).get("code").getAsString();
    }

    static String wrongKeyToken() {
        return TokenMinter.hs256("another-secret-of-at-least-thirty-two-bytes").subject("mallory")
                .audience(TestServer.AUDIENCE).mint();
    }

    static String expiredToken() {
        return TokenMinter.hs256(TestServer.SECRET).subject("alice").audience(TestServer.AUDIENCE)
                .issuedAt(Instant.now().minus(Duration.ofHours(2))).ttl(Duration.ofHours(1)).mint();
    }

    static String wrongAudienceToken() {
        return TokenMinter.hs256(TestServer.SECRET).subject("alice").audience("someone-else").mint();
    }

    /** An unsigned token: header {@code alg: none}, claims that would otherwise pass, empty signature. */
    static String algNoneToken() {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = b64.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        long exp = Instant.now().plus(Duration.ofHours(1)).getEpochSecond();
        String claims = b64.encodeToString(("{\"sub\":\"alice\",\"aud\":\"" + TestServer.AUDIENCE + "\",\"exp\":" + exp + "}")
                .getBytes(StandardCharsets.UTF_8));
        return header + "." + claims + ".";
    }

    @Test
    void tokenInAuthorizationHeaderAuthenticatesAtConnect() throws Exception {
        server = TestServer.start();
        try (WsClient c = WsClient.connect(server.ws("/ws"), Map.of("Authorization", "Bearer " + TestServer.token("alice")))) {
            JsonObject ok = c.next("auth_success");
            JsonObject user = payload(ok).getAsJsonObject("user");
            assertThat(user.get("id").getAsString()).isEqualTo("alice");
            assertThat(user.get("username").getAsString()).isEqualTo("alice");
            assertThat(user.get("email").getAsString()).isEqualTo("alice@example.org");
            assertThat(payload(ok).get("expiresAt").getAsString()).endsWith("Z");
            assertThat(c.request("load_conversations", new JsonObject()).get("type").getAsString())
                    .isEqualTo("conversations_loaded");
        }
    }

    @Test
    void tokenInQueryAuthenticatesAtConnectOnBothPaths() throws Exception {
        server = TestServer.start();
        for (String path : new String[] {"/", "/ws"}) {
            try (WsClient c = WsClient.connect(server.ws(path + "?token=" + TestServer.token("bob")))) {
                assertThat(payload(c.next("auth_success")).getAsJsonObject("user").get("id").getAsString()).isEqualTo("bob");
            }
        }
    }

    @Test
    void badTokensAtConnectGetAuthErrorAndTheConnectionCanStillAuthenticate() throws Exception {
        server = TestServer.start();
        Map<String, String> expected = Map.of(
                wrongKeyToken(), "INVALID_TOKEN",
                expiredToken(), "TOKEN_EXPIRED",
                wrongAudienceToken(), "INVALID_TOKEN",
                algNoneToken(), "INVALID_TOKEN",
                "not-a-jwt", "INVALID_TOKEN");
        for (Map.Entry<String, String> e : expected.entrySet()) {
            try (WsClient c = WsClient.connect(server.ws("/ws?token=" + e.getKey()))) {
                JsonObject error = c.next("auth_error");
                assertThat(code(error)).as("token %s", e.getKey()).isEqualTo(e.getValue());
                assertThat(c.request("load_conversations", new JsonObject()).get("type").getAsString()).isEqualTo("error");
                assertThat(c.request("auth", auth(TestServer.token("alice"))).get("type").getAsString())
                        .isEqualTo("auth_success");
            }
        }
    }

    @Test
    void badTokensInBandGetTheProtocolsErrorCodes() throws Exception {
        server = TestServer.start();
        try (WsClient c = WsClient.connect(server.ws("/ws"))) {
            assertThat(code(c.request("auth", auth(wrongKeyToken())))).isEqualTo("INVALID_TOKEN");
            assertThat(code(c.request("auth", auth(expiredToken())))).isEqualTo("TOKEN_EXPIRED");
            assertThat(code(c.request("auth", auth(wrongAudienceToken())))).isEqualTo("INVALID_TOKEN");
            assertThat(code(c.request("auth", auth(algNoneToken())))).isEqualTo("INVALID_TOKEN");
            assertThat(c.request("auth", auth(TestServer.token("alice"))).get("type").getAsString()).isEqualTo("auth_success");
        }
    }

    /**
     * At debug level (LOG_LEVEL=debug, with the library's logger at INFO as the shipped parley-server-logback.xml
     * pins it), no token reaches the logs, whether it comes in the query, a header or an auth message,
     * valid or not, on a WebSocket path, a plain HTTP path or a refused upgrade.
     */
    @Test
    void tokensNeverReachTheLogs() throws Exception {
        server = TestServer.start(b -> b.allowedOrigins(java.util.List.of("https://chat.example.org")));
        String valid = TestServer.token("alice");
        String garbage = "garbage-token-" + java.util.UUID.randomUUID();
        java.util.List<String> tokens = java.util.List.of(valid, TestServer.token("alice"), wrongKeyToken(), expiredToken(),
                algNoneToken(), garbage);
        int attempts = 0;
        try (LogCapture logs = LogCapture.of(org.slf4j.Logger.ROOT_LOGGER_NAME, ch.qos.logback.classic.Level.DEBUG,
                "org.java_websocket", ch.qos.logback.classic.Level.INFO)) {
            for (String token : tokens) {
                for (String path : new String[] {"/", "/ws"}) {
                    try (WsClient c = WsClient.connect(server.ws(path + "?token=" + token))) {
                        c.request("auth", auth(token));
                        c.request("ping", new JsonObject());
                    }
                    attempts++;
                }
                try (WsClient c = WsClient.connect(server.ws("/ws"), Map.of("Authorization", "Bearer " + token))) {
                    c.request("ping", new JsonObject());
                }
                WsClient.attempt(server.ws("/ws?token=" + token), Map.of("Origin", "https://evil.example")).close();
                WsClient.attempt(server.ws("/nowhere?token=" + token), Map.of()).close();
                assertThat(server.get("/health?token=" + token).statusCode()).isEqualTo(200);
                attempts += 4;
            }
            try (WsClient c = WsClient.connect(server.ws("/ws?token=" + valid))) {
                c.next("auth_success");
                c.request("auth", auth(tokens.get(1))); // a refresh
                c.request("send_message", auth(valid)); // a token where it does not belong: INVALID_DATA
                attempts += 2;
            }
            server.get("/ws?token=" + valid); // plain HTTP on the WebSocket path: 426
            attempts++;
            assertThat(logs.lines()).as("something was logged at debug level").isNotEmpty();
            for (String token : tokens) {
                String secretPart = token.contains(".") ? token.substring(token.lastIndexOf('.') + 1) : token;
                assertThat(logs.lines()).as("log lines mentioning a token").noneMatch(l -> l.contains(token)
                        || (!secretPart.isEmpty() && l.contains(secretPart)));
            }
            System.out.printf(java.util.Locale.ROOT, "AuthenticationTest: tokensNeverReachTheLogs: %d tokens presented"
                    + " %d ways, %d debug log lines, 0 containing a token or its signature%n", tokens.size(), attempts,
                    logs.lines().size());
        }
    }

    @Test
    void refreshKeepsTheConnectionAndAnotherUsersTokenConflicts() throws Exception {
        server = TestServer.start();
        try (WsClient c = server.login("alice")) {
            String later = TokenMinter.hs256(TestServer.SECRET).subject("alice").audience(TestServer.AUDIENCE)
                    .ttl(Duration.ofHours(5)).mint();
            JsonObject refreshed = c.request("auth", auth(later));
            assertThat(refreshed.get("type").getAsString()).isEqualTo("auth_success");
            assertThat(Instant.parse(payload(refreshed).get("expiresAt").getAsString()))
                    .isAfter(Instant.now().plus(Duration.ofHours(4)));
            assertThat(code(c.request("auth", auth(TestServer.token("bob"))))).isEqualTo("CONFLICT");
            assertThat(c.request("ping", new JsonObject()).get("type").getAsString()).isEqualTo("pong");
        }
    }

    @Test
    void offeredExtensionsAreNegotiated() throws Exception {
        server = TestServer.start(b -> b.extensions(ServerConfig.parseExtensions("reactions,edits")));
        try (WsClient c = WsClient.connect(server.ws("/ws"))) {
            JsonObject p = auth(TestServer.token("alice"));
            com.google.gson.JsonArray wanted = new com.google.gson.JsonArray();
            wanted.add("reactions");
            wanted.add("calls");
            p.add("extensions", wanted);
            JsonObject ok = c.request("auth", p);
            assertThat(payload(ok).getAsJsonArray("extensions").toString()).isEqualTo("[\"reactions\"]");
        }
    }

    @Test
    void anExpiringTokenIsReportedAndRefreshedWithinTheGrace() throws Exception {
        server = TestServer.start(b -> b.engineConfig(EngineConfig.builder().workerThreads(2)
                .tokenGrace(Duration.ofSeconds(20)).build()));
        String shortLived = TokenMinter.hs256(TestServer.SECRET).subject("alice").audience(TestServer.AUDIENCE)
                .ttl(Duration.ofSeconds(2)).mint();
        try (WsClient c = WsClient.connect(server.ws("/ws?token=" + shortLived))) {
            c.next("auth_success");
            JsonObject expired = c.next("auth_error");
            assertThat(code(expired)).isEqualTo("TOKEN_EXPIRED");
            assertThat(code(c.request("load_conversations", new JsonObject()))).isEqualTo("TOKEN_EXPIRED");
            assertThat(c.request("auth", auth(TestServer.token("alice"))).get("type").getAsString()).isEqualTo("auth_success");
            assertThat(c.request("load_conversations", new JsonObject()).get("type").getAsString())
                    .isEqualTo("conversations_loaded");
        }
    }

    @Test
    void anExpiredTokenNotRefreshedClosesWith4002() throws Exception {
        server = TestServer.start(b -> b.engineConfig(EngineConfig.builder().workerThreads(2)
                .tokenGrace(Duration.ofSeconds(1)).build()));
        String shortLived = TokenMinter.hs256(TestServer.SECRET).subject("alice").audience(TestServer.AUDIENCE)
                .ttl(Duration.ofSeconds(2)).mint();
        try (WsClient c = WsClient.connect(server.ws("/ws?token=" + shortLived))) {
            c.next("auth_success");
            c.next("auth_error");
            assertThat(c.awaitClose()).isEqualTo(4002);
        }
    }
}
