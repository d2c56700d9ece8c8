package dev.parley.server;

import static dev.parley.server.WsClient.payload;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.parley.server.auth.TokenMinter;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starts the packaged jar with {@code java -jar} as a child process, as an operator would: dev
 * mode, {@code /health}, a token from the {@code token} command, a chat connection, debug logs
 * without tokens, graceful shutdown on SIGTERM, a cluster node, and the refusal of {@code REDIS_URL} without {@code DATABASE_URL}. Runs in the
 * verify phase, after the jar is built.
 */
class JarLaunchIT {
    private static final Duration STARTUP = Duration.ofSeconds(90);
    private static final List<String> SCRUBBED = List.of("JWT_SECRET", "SUPABASE_JWT_SECRET", "JWT_JWKS_URL",
            "JWT_ISSUER", "JWT_AUDIENCE", "SUPABASE_URL", "DATABASE_URL", "DATABASE_USER", "DATABASE_PASSWORD", "DATABASE_TIMEOUT_SECONDS",
            "REDIS_URL", "ALLOWED_ORIGINS", "WEBSOCKET_HOST", "WEBSOCKET_PORT", "DATA_DIR", "TLS_KEYSTORE",
            "TLS_KEYSTORE_PASSWORD", "LOG_LEVEL", "LOG_FILE", "MAX_CONNECTIONS_PER_IP");

    @TempDir
    Path work;
    private Path jar;
    private final List<Process> processes = new ArrayList<>();

    @BeforeEach
    void findJar() {
        String path = System.getProperty("parley.serverJar");
        boolean present = path != null && Files.isRegularFile(Path.of(path));
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("the server jar was not built: " + path);
        }
        assumeTrue(present, "no server jar (run through 'mvn verify'): " + path);
        jar = Path.of(path);
    }

    @AfterEach
    void killLeftovers() throws InterruptedException {
        for (Process p : processes) {
            if (p.isAlive()) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private Process launch(Map<String, String> env, Path output, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-jar", jar.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(work.toFile())
                .redirectErrorStream(true).redirectOutput(output.toFile());
        SCRUBBED.forEach(pb.environment()::remove);
        pb.environment().putAll(env);
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static HttpResponse<String> awaitHealth(int port, Process server, Path output) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) {
                throw new AssertionError("server exited with " + server.exitValue() + ":\n" + Files.readString(output));
            }
            try {
                return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                        .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        throw new AssertionError("no /health answer within " + STARTUP + ":\n" + Files.readString(output));
    }

    @Test
    void theJarServesHealthAndChatAndShutsDownGracefullyOnSigterm() throws Exception {
        int port = freePort();
        Path stdout = work.resolve("server.out");
        Path logFile = work.resolve("logs/server.log");
        Process server = launch(Map.of("LOG_FILE", logFile.toString(), "LOG_LEVEL", "debug"), stdout,
                "--port", String.valueOf(port));

        HttpResponse<String> health = awaitHealth(port, server, stdout);
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(JsonParser.parseString(health.body()).getAsJsonObject().get("status").getAsString()).isEqualTo("ok");
        assertThat(Files.readString(stdout)).contains("DEV MODE").contains("token --user")
                .contains("{\"type\":\"auth\",\"payload\":{\"token\":\"<token>\"}}");
        assertThat(work.resolve("data/dev-secret")).exists();

        Path healthOut = work.resolve("health.out");
        Process healthCommand = launch(Map.of("WEBSOCKET_PORT", String.valueOf(port)), healthOut, "health");
        assertThat(healthCommand.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(healthCommand.exitValue()).as(Files.readString(healthOut)).isEqualTo(0);

        Path tokenOut = work.resolve("token.out");
        Process tokenCommand = launch(Map.of(), tokenOut, "token", "--user", "alice");
        assertThat(tokenCommand.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(tokenCommand.exitValue()).isEqualTo(0);
        String token = Files.readString(tokenOut, StandardCharsets.UTF_8).trim();
        assertThat(token).matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");

        WsClient alice = WsClient.connect(URI.create("ws://127.0.0.1:" + port + "/ws?token=" + token));
        assertThat(payload(alice.next("auth_success")).getAsJsonObject("user").get("id").getAsString()).isEqualTo("alice");
        JsonObject p = new JsonObject();
        p.addProperty("token", token);
        assertThat(alice.request("auth", p).get("type").getAsString()).isEqualTo("auth_success");
        assertThat(alice.request("load_conversations", new JsonObject()).get("type").getAsString())
                .isEqualTo("conversations_loaded");

        server.destroy();
        assertThat(alice.awaitClose()).isEqualTo(1001);
        assertThat(server.waitFor(60, TimeUnit.SECONDS)).as("the server exits after SIGTERM").isTrue();

        String console = Files.readString(stdout);
        String log = Files.readString(logFile);
        assertThat(console).contains("shut down");
        assertThat(log).contains("listening on ws://127.0.0.1:" + port).contains("type=auth").contains("type=auth_success");
        assertThat(console).doesNotContain(token).doesNotContain(token.substring(token.lastIndexOf('.') + 1));
        assertThat(log).doesNotContain(token).doesNotContain(token.substring(token.lastIndexOf('.') + 1));
    }

    @Test
    void redisUrlWithoutDatabaseUrlExitsWithStatusTwo() throws Exception {
        Path out = work.resolve("redis.out");
        Process server = launch(Map.of("REDIS_URL", "redis://127.0.0.1:6379", "LOG_FILE", work.resolve("r.log").toString()),
                out, "--port", String.valueOf(freePort()));
        assertThat(server.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(server.exitValue()).isEqualTo(2);
        assertThat(Files.readString(out)).contains("REDIS_URL").contains("needs DATABASE_URL");
    }

    /** The shaded jar runs a cluster node: Lettuce/Netty and the PostgreSQL migrations load from it. */
    @Test
    void theJarRunsAClusterNodeWithRedisAndPostgresql() throws Exception {
        ClusterServerTest.requireReachable("PostgreSQL", 5432);
        ClusterServerTest.requireReachable("Redis", 6379);
        String schema = ClusterServerTest.createSchema();
        try {
            int port = freePort();
            Path out = work.resolve("cluster.out");
            String prefix = "parley-it-" + UUID.randomUUID();
            Process server = launch(Map.of("REDIS_URL", "redis://127.0.0.1:6379", "REDIS_KEY_PREFIX", prefix,
                    "DATABASE_URL", "jdbc:postgresql://127.0.0.1:5432/test?currentSchema=" + schema,
                    "DATABASE_USER", "postgres", "JWT_SECRET", TestServer.SECRET,
                    "LOG_FILE", work.resolve("c.log").toString()), out, "--port", String.valueOf(port));
            assertThat(awaitHealth(port, server, out).statusCode()).isEqualTo(200);
            assertThat(Files.readString(out)).contains("cluster mode: node").contains(prefix);
            WsClient alice = WsClient.connect(URI.create("ws://127.0.0.1:" + port + "/ws?token="
                    + TokenMinter.hs256(TestServer.SECRET).subject("alice").username("alice").mint()));
            assertThat(alice.next("auth_success")).isNotNull();
            server.destroy();
            assertThat(alice.awaitClose()).isEqualTo(1001);
            assertThat(server.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(Files.readString(out)).contains("shut down");
        } finally {
            ClusterServerTest.dropSchema(schema);
        }
    }
}
