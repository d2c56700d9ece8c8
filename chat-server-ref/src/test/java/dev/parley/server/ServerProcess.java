package dev.parley.server;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The packaged server jar ({@code java -jar chat-server.jar}) as a child process, for integration
 * tests that run after {@code package}: the environment is scrubbed of every server variable and
 * then given exactly the {@code env} map, the working directory is the caller's, and stdout and
 * stderr go to one file under {@code target/server-processes/} that survives the run for diagnosis.
 */
final class ServerProcess implements AutoCloseable {
    static final Duration STARTUP = Duration.ofSeconds(90);
    private static final List<String> SCRUBBED = List.of("JWT_SECRET", "SUPABASE_JWT_SECRET", "JWT_JWKS_URL",
            "JWT_ISSUER", "JWT_AUDIENCE", "SUPABASE_URL", "DATABASE_URL", "DATABASE_USER", "DATABASE_PASSWORD",
            "DATABASE_TIMEOUT_SECONDS",
            "REDIS_URL", "REDIS_KEY_PREFIX", "REDIS_PRESENCE_TTL_SECONDS", "ALLOWED_ORIGINS", "WEBSOCKET_HOST", "WEBSOCKET_PORT", "DATA_DIR",
            "TLS_KEYSTORE", "TLS_KEYSTORE_PASSWORD", "LOG_LEVEL", "LOG_FILE", "MAX_CONNECTIONS_PER_IP",
            "RATE_MESSAGES_PER_SECOND", "RATE_FRAMES_PER_SECOND", "MAX_CONNECTIONS_PER_USER", "MAX_GROUP_SIZE",
            "OPEN_ROOM_PREFIX",
            "PUSH_WEBHOOK_URL", "PUSH_WEBHOOK_SECRET", "EXTENSIONS");
    /** What a JVM reports as the exit value of a process that SIGKILL ended (128 + 9). */
    static final int KILLED_BY_SIGKILL = 137;
    private static final AtomicInteger LAUNCHES = new AtomicInteger();

    private final Process process;
    private final Path output;
    private final int port;

    private ServerProcess(Process process, Path output, int port) {
        this.process = process;
        this.output = output;
        this.port = port;
    }

    /** The jar {@code mvn verify} built; skips the test without it, unless CI=true, where that fails. */
    static Path jar() {
        String path = System.getProperty("parley.serverJar");
        boolean present = path != null && Files.isRegularFile(Path.of(path));
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("the server jar was not built: " + path);
        }
        assumeTrue(present, "no server jar (run through 'mvn verify'): " + path);
        return Path.of(path);
    }

    /** Runs {@code java -jar chat-server.jar args} (a server or a command such as {@code token}) without waiting. */
    static ServerProcess launch(String name, Path workDir, Map<String, String> env, String... args) throws IOException {
        return launch(name, workDir, env, -1, args);
    }

    /**
     * Starts a server listening on {@code port} ({@code --port}) and waits until its {@code /health}
     * answers; fails, with the process output, if it exits or stays silent for {@link #STARTUP}.
     */
    static ServerProcess startServer(String name, Path workDir, Map<String, String> env, int port, String... args)
            throws Exception {
        List<String> all = new ArrayList<>(List.of("--port", String.valueOf(port)));
        all.addAll(List.of(args));
        ServerProcess server = launch(name, workDir, env, port, all.toArray(String[]::new));
        try {
            server.awaitHealth();
        } catch (Exception | AssertionError e) {
            server.close();
            throw e;
        }
        return server;
    }

    /** Starts the jar with {@code args} (which should make it listen on {@code port}) and returns at once. */
    static ServerProcess launch(String name, Path workDir, Map<String, String> env, int port, String... args)
            throws IOException {
        Path jar = jar();
        Path logs = jar.resolveSibling("server-processes");
        Files.createDirectories(logs);
        Path output = logs.resolve(name + "-" + ProcessHandle.current().pid() + "-" + LAUNCHES.incrementAndGet() + ".log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // C1 only and the serial collector: a much quicker start on a busy machine; these
                // tests check behaviour, not speed.
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                // Whatever a killed server would leave in the temporary directory stays under target/.
                "-Djava.io.tmpdir=" + logs, "-jar", jar.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile())
                .redirectErrorStream(true).redirectOutput(output.toFile());
        SCRUBBED.forEach(pb.environment()::remove);
        pb.environment().putAll(env);
        return new ServerProcess(pb.start(), output, port);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    int port() {
        return port;
    }

    URI ws(String pathAndQuery) {
        return URI.create("ws://127.0.0.1:" + port + pathAndQuery);
    }

    /** Polls {@code GET /health} until it answers (whatever its status). */
    HttpResponse<String> awaitHealth() throws Exception {
        return awaitHealth(null);
    }

    /** As {@link #awaitHealth()}, over https with {@code tls} when it is not null. */
    HttpResponse<String> awaitHealth(javax.net.ssl.SSLContext tls) throws Exception {
        HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2));
        HttpClient http = tls == null ? builder.build() : builder.sslContext(tls).build();
        String scheme = tls == null ? "http" : "https";
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("server exited with " + process.exitValue() + ":\n" + output());
            }
            try {
                return http.send(HttpRequest.newBuilder(URI.create(scheme + "://127.0.0.1:" + port + "/health"))
                        .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        throw new AssertionError("no /health answer within " + STARTUP + ":\n" + output());
    }

    /** Waits for the process to exit and returns its exit value; fails if it is still running after {@code timeout}. */
    int awaitExit(Duration timeout) throws Exception {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the process did not exit within " + timeout + ":\n" + output());
        }
        return process.exitValue();
    }

    /** Asks for a graceful shutdown (SIGTERM); the shutdown hook runs. */
    void terminate() {
        process.destroy();
    }

    /**
     * Ends the process with SIGKILL, as a crash or the OOM killer would: no shutdown hook, no flush.
     * Returns once it is gone, and fails unless the exit value says SIGKILL ended it.
     */
    void kill() throws Exception {
        process.destroyForcibly();
        int exit = awaitExit(Duration.ofSeconds(30));
        if (exit != KILLED_BY_SIGKILL) {
            throw new AssertionError("expected the process to die of SIGKILL (exit " + KILLED_BY_SIGKILL + "), got " + exit);
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    Path outputFile() {
        return output;
    }

    /** Everything the process printed so far. */
    String output() throws IOException {
        return Files.readString(output);
    }

    /** Kills the process if it still runs. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }
}
