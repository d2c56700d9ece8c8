package dev.parley.server;

import static dev.parley.server.WsClient.payload;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.parley.server.auth.TokenMinter;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starts the packaged jar with {@code java -jar} as a child process, as an operator would: dev
 * mode, {@code /health}, a token from the {@code token} command, a chat connection, debug logs
 * without tokens, graceful shutdown on SIGTERM, TLS on the nio transport, a cluster node, and the refusal of {@code REDIS_URL} without {@code DATABASE_URL}. Runs in the
 * verify phase, after the jar is built.
 */
class JarLaunchIT {
    @TempDir
    Path work;
    private final List<ServerProcess> processes = new ArrayList<>();

    @BeforeEach
    void findJar() {
        ServerProcess.jar();
    }

    @AfterEach
    void killLeftovers() throws InterruptedException {
        for (ServerProcess p : processes) {
            p.close();
        }
    }

    private ServerProcess launch(String name, Map<String, String> env, String... args) throws IOException {
        ServerProcess p = ServerProcess.launch(name, work, env, args);
        processes.add(p);
        return p;
    }

    private ServerProcess startServer(String name, Map<String, String> env) throws Exception {
        ServerProcess p = ServerProcess.startServer(name, work, env, ServerProcess.freePort());
        processes.add(p);
        return p;
    }

    @ParameterizedTest(name = "TRANSPORT={0}")
    @ValueSource(strings = {"java-websocket", "nio"})
    void theJarServesHealthAndChatAndShutsDownGracefullyOnSigterm(String transport) throws Exception {
        Path logFile = work.resolve("logs/server.log");
        ServerProcess server = startServer("jar-dev-" + transport, Map.of("LOG_FILE", logFile.toString(), "LOG_LEVEL", "debug",
                "TRANSPORT", transport));
        int port = server.port();

        HttpResponse<String> health = server.awaitHealth();
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(JsonParser.parseString(health.body()).getAsJsonObject().get("status").getAsString()).isEqualTo("ok");
        assertThat(server.output()).contains("DEV MODE").contains("token --user")
                .contains("{\"type\":\"auth\",\"payload\":{\"token\":\"<token>\"}}");
        assertThat(work.resolve("data/dev-secret")).exists();

        ServerProcess healthCommand = launch("jar-health", Map.of("WEBSOCKET_PORT", String.valueOf(port)), "health");
        assertThat(healthCommand.awaitExit(Duration.ofSeconds(60))).as(healthCommand.output()).isEqualTo(0);

        ServerProcess tokenCommand = launch("jar-token", Map.of(), "token", "--user", "alice");
        assertThat(tokenCommand.awaitExit(Duration.ofSeconds(60))).isEqualTo(0);
        String token = Files.readString(tokenCommand.outputFile(), StandardCharsets.UTF_8).trim();
        assertThat(token).matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");

        WsClient alice = WsClient.connect(server.ws("/ws?token=" + token));
        assertThat(payload(alice.next("auth_success")).getAsJsonObject("user").get("id").getAsString()).isEqualTo("alice");
        JsonObject p = new JsonObject();
        p.addProperty("token", token);
        assertThat(alice.request("auth", p).get("type").getAsString()).isEqualTo("auth_success");
        assertThat(alice.request("load_conversations", new JsonObject()).get("type").getAsString())
                .isEqualTo("conversations_loaded");

        server.terminate();
        assertThat(alice.awaitClose()).isEqualTo(1001);
        server.awaitExit(Duration.ofSeconds(60)); // fails unless the server exits after SIGTERM

        String console = server.output();
        String log = Files.readString(logFile);
        assertThat(console).contains("shut down");
        // The embedded database stays open until the server closes it: no failed last-seen writes.
        assertThat(console.substring(console.indexOf("shutting down"))).as("what the shutdown logged")
                .doesNotContain("WARN").doesNotContain("ERROR").doesNotContain("Database is already closed");
        assertThat(log).contains("listening on ws://127.0.0.1:" + port).contains("transport: " + transport)
                .contains("type=auth").contains("type=auth_success");
        assertThat(console).doesNotContain(token).doesNotContain(token.substring(token.lastIndexOf('.') + 1));
        assertThat(log).doesNotContain(token).doesNotContain(token.substring(token.lastIndexOf('.') + 1));
    }

    /** TLS from the environment on the nio transport: https and wss on one port, as an operator sets it up. */
    @Test
    void theJarServesTlsOnTheNioTransport() throws Exception {
        TestKeys keys = TestKeys.create(work);
        int port = ServerProcess.freePort();
        String secret = "jar-tls-secret-of-at-least-thirty-two-bytes";
        ServerProcess server = ServerProcess.launch("jar-tls-nio", work, Map.of("TRANSPORT", "nio", "TLS_KEYSTORE", keys.keystore().toString(),
                "TLS_KEYSTORE_PASSWORD", keys.password(), "JWT_SECRET", secret, "JWT_AUDIENCE", "authenticated",
                "LOG_FILE", work.resolve("tls.log").toString()), port, "--port", String.valueOf(port));
        processes.add(server);
        assertThat(server.awaitHealth(keys.clientTls()).statusCode()).isEqualTo(200);

        String token = TokenMinter.hs256(secret).subject("alice").audience("authenticated").mint();
        WsClient alice = WsClient.connecting(URI.create("wss://127.0.0.1:" + port + "/ws?token=" + token),
                client -> client.setSocketFactory(keys.clientTls().getSocketFactory()));
        assertThat(payload(alice.next("auth_success")).getAsJsonObject("user").get("id").getAsString()).isEqualTo("alice");

        // The container health check: https when TLS_KEYSTORE is set; plain http cannot reach a TLS port.
        ServerProcess health = launch("jar-tls-health", Map.of("WEBSOCKET_PORT", String.valueOf(port),
                "TLS_KEYSTORE", keys.keystore().toString(), "TLS_KEYSTORE_PASSWORD", keys.password()), "health");
        assertThat(health.awaitExit(Duration.ofSeconds(60))).as(health.output()).isEqualTo(0);
        assertThat(health.output()).startsWith("200 ").contains("\"status\":\"ok\"");
        ServerProcess plainHealth = launch("jar-tls-plain-health", Map.of("WEBSOCKET_PORT", String.valueOf(port)), "health");
        assertThat(plainHealth.awaitExit(Duration.ofSeconds(60))).as(plainHealth.output()).isEqualTo(1);

        server.terminate();
        assertThat(alice.awaitClose()).isEqualTo(1001);
        server.awaitExit(Duration.ofSeconds(60)); // fails unless the server exits after SIGTERM
        assertThat(Files.readString(work.resolve("tls.log"))).contains("listening on wss://").contains("transport: nio");
    }

    @Test
    void redisUrlWithoutDatabaseUrlExitsWithStatusTwo() throws Exception {
        ServerProcess server = launch("jar-redis-alone", Map.of("REDIS_URL", "redis://127.0.0.1:6379",
                "LOG_FILE", work.resolve("r.log").toString()), "--port", String.valueOf(ServerProcess.freePort()));
        assertThat(server.awaitExit(Duration.ofSeconds(60))).isEqualTo(2);
        assertThat(server.output()).contains("REDIS_URL").contains("needs DATABASE_URL");
    }

    /** The shaded jar runs a cluster node: Lettuce/Netty and the PostgreSQL migrations load from it. */
    @Test
    void theJarRunsAClusterNodeWithRedisAndPostgresql() throws Exception {
        ClusterServerTest.requireReachable("PostgreSQL", 5432);
        ClusterServerTest.requireReachable("Redis", 6379);
        String schema = ClusterServerTest.createSchema();
        try {
            String prefix = "parley-it-" + UUID.randomUUID();
            ServerProcess server = startServer("jar-cluster", Map.of("REDIS_URL", "redis://127.0.0.1:6379",
                    "REDIS_KEY_PREFIX", prefix,
                    "DATABASE_URL", "jdbc:postgresql://127.0.0.1:5432/test?currentSchema=" + schema,
                    "DATABASE_USER", "postgres", "JWT_SECRET", TestServer.SECRET,
                    "LOG_FILE", work.resolve("c.log").toString()));
            assertThat(server.awaitHealth().statusCode()).isEqualTo(200);
            assertThat(server.output()).contains("cluster mode: node").contains(prefix);
            WsClient alice = WsClient.connect(server.ws("/ws?token="
                    + TokenMinter.hs256(TestServer.SECRET).subject("alice").username("alice").mint()));
            assertThat(alice.next("auth_success")).isNotNull();
            server.terminate();
            assertThat(alice.awaitClose()).isEqualTo(1001);
            server.awaitExit(Duration.ofSeconds(60));
            assertThat(server.output()).contains("shut down");
        } finally {
            ClusterServerTest.dropSchema(schema);
        }
    }
}
