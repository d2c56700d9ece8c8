package dev.parley.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.spi.Principal;
import dev.parley.server.auth.JwtAuthenticator;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MainTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    @Test
    void tokenCommandMintsATokenTheServerAccepts() throws Exception {
        String secret = "x".repeat(40);
        assertThat(run("token", "--user", "alice", "--secret", secret, "--ttl", "2h", "--email", "alice@example.org",
                "--audience", "authenticated")).isEqualTo(0);
        String token = out.toString().trim();
        Principal p = JwtAuthenticator.builder().secret(secret).audience("authenticated").build()
                .authenticate(token).get();
        assertThat(p.userId()).isEqualTo("alice");
        assertThat(p.username()).isEqualTo("alice");
        assertThat(p.email()).isEqualTo("alice@example.org");
        assertThat(p.expiresAt()).isBetween(Instant.now().plus(Duration.ofMinutes(119)), Instant.now().plus(Duration.ofMinutes(121)));
    }

    @Test
    void tokenCommandUsesTheDevSecretOfTheDataDirectory(@TempDir Path dir) throws Exception {
        String devSecret = DevSecret.loadOrCreate(dir);
        assertThat(Files.readString(dir.resolve("dev-secret")).trim()).isEqualTo(devSecret);
        assertThat(DevSecret.loadOrCreate(dir)).as("kept across restarts").isEqualTo(devSecret);
        assertThat(run("token", "--user", "bob", "--data-dir", dir.toString())).isEqualTo(0);
        Principal p = JwtAuthenticator.builder().secret(devSecret).build().authenticate(out.toString().trim()).get();
        assertThat(p.userId()).isEqualTo("bob");
    }

    @Test
    void tokenCommandWithoutAnySecretExplainsWhatToDo(@TempDir Path dir) {
        assertThat(run("token", "--user", "bob", "--data-dir", dir.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--secret").contains("dev mode");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void badFlagsAndValuesAreUsageErrors() {
        assertThat(run("--port", "eighty")).isEqualTo(2);
        assertThat(run("token")).isEqualTo(2);
        assertThat(run("token", "--user", "a", "--secret", "y".repeat(40), "--ttl", "soon")).isEqualTo(2);
        assertThat(err.toString()).contains("not a duration");
    }

    @Test
    void helpListsEveryFlagWithItsVariable() {
        assertThat(run("--help")).isEqualTo(0);
        for (String variable : new String[] {"WEBSOCKET_PORT", "WEBSOCKET_HOST", "JWT_SECRET", "SUPABASE_JWT_SECRET",
                "JWT_JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE", "SUPABASE_URL", "DATABASE_URL", "DATABASE_USER",
                "DATABASE_PASSWORD", "DATABASE_TIMEOUT_SECONDS", "REDIS_URL", "REDIS_KEY_PREFIX",
                "REDIS_PRESENCE_TTL_SECONDS", "ALLOWED_ORIGINS", "LOG_LEVEL", "LOG_FILE", "TLS_KEYSTORE",
                "TLS_KEYSTORE_PASSWORD", "MAX_CONNECTIONS_PER_IP", "DATA_DIR", "EMBEDDED_SYNC", "EXTENSIONS", "PUSH_WEBHOOK_URL", "PUSH_WEBHOOK_SECRET",
                "RATE_MESSAGES_PER_SECOND", "RATE_FRAMES_PER_SECOND", "MAX_CONNECTIONS_PER_USER", "MAX_GROUP_SIZE",
                "OPEN_ROOM_PREFIX"}) {
            assertThat(out.toString()).contains(variable);
        }
    }

    @Test
    void healthCommandFailsWhenNothingAnswers() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        assertThat(run("health", "--url", "http://127.0.0.1:" + port + "/health")).isEqualTo(1);
        assertThat(err.toString()).contains("unhealthy");
    }

    @Test
    void healthCommandSucceedsAgainstARunningServer() throws Exception {
        try (TestServer server = TestServer.start()) {
            assertThat(run("health", "--url", "http://127.0.0.1:" + server.server.port() + "/health")).isEqualTo(0);
            assertThat(out.toString()).startsWith("200 {\"status\":\"ok\"");
        }
    }

    @Test
    void durationsAcceptShortAndIsoForms() {
        assertThat(Main.parseDuration("90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(Main.parseDuration("15m")).isEqualTo(Duration.ofMinutes(15));
        assertThat(Main.parseDuration("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(Main.parseDuration("7d")).isEqualTo(Duration.ofDays(7));
        assertThat(Main.parseDuration("PT30M")).isEqualTo(Duration.ofMinutes(30));
    }
}
