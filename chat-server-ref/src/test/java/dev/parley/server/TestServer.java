package dev.parley.server;

import com.google.gson.JsonObject;
import dev.parley.core.EngineConfig;
import dev.parley.core.memory.InMemoryChatStore;
import dev.parley.core.spi.ChatStore;
import dev.parley.server.auth.TokenMinter;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/** A reference server started in-process on a free loopback port, with an HS256 secret and an in-memory store. */
final class TestServer implements AutoCloseable {
    static final String SECRET = "test-secret-of-at-least-thirty-two-bytes!";
    static final String AUDIENCE = "authenticated";
    /**
     * The transport the tests' servers use: Java-WebSocket's by default; the build runs the
     * transport-facing test classes a second time with {@code -Dparley.test.transport=nio}.
     */
    static final ServerConfig.Transport TRANSPORT =
            ServerConfig.Transport.parse(System.getProperty("parley.test.transport", "java-websocket"));

    final ChatServer server;
    final Path dataDir;

    private TestServer(ChatServer server, Path dataDir) {
        this.server = server;
        this.dataDir = dataDir;
    }

    static TestServer start() throws Exception {
        return start(b -> b);
    }

    static TestServer start(UnaryOperator<ServerConfig.Builder> customize) throws Exception {
        return start(new InMemoryChatStore(), customize);
    }

    static TestServer start(ChatStore store, UnaryOperator<ServerConfig.Builder> customize) throws Exception {
        return start(store, customize, engine -> { });
    }

    /** As {@link #start(ChatStore, UnaryOperator)}, with {@code engineSetup} completing the engine. */
    static TestServer start(ChatStore store, UnaryOperator<ServerConfig.Builder> customize,
                            java.util.function.Consumer<dev.parley.core.ChatEngine.Builder> engineSetup) throws Exception {
        Path dataDir = Files.createTempDirectory("parley-server-test");
        ServerConfig.Builder b = ServerConfig.builder()
                .host("127.0.0.1")
                .port(0)
                .jwtSecret(SECRET)
                .jwtAudience(AUDIENCE)
                .transport(TRANSPORT)
                .dataDir(dataDir)
                .store(store)
                .engineConfig(EngineConfig.builder().workerThreads(4).build())
                .healthCheckInterval(Duration.ofMillis(100))
                .shutdownTimeout(Duration.ofSeconds(3));
        try {
            return new TestServer(ChatServer.start(customize.apply(b).build(), engineSetup), dataDir);
        } catch (Exception | Error e) {
            deleteTree(dataDir);
            throw e;
        }
    }

    URI ws(String pathAndQuery) {
        return URI.create("ws://127.0.0.1:" + server.port() + pathAndQuery);
    }

    static String token(String user) {
        return TokenMinter.hs256(SECRET).subject(user).username(user).email(user + "@example.org")
                .audience(AUDIENCE).mint();
    }

    /** Connects and authenticates with an {@code auth} message. */
    WsClient login(String user) throws InterruptedException {
        return login(user, client -> { });
    }

    /** Connects (after {@code configure} has set up the library client) and authenticates. */
    WsClient login(String user, java.util.function.Consumer<org.java_websocket.client.WebSocketClient> configure)
            throws InterruptedException {
        WsClient c = WsClient.connecting(ws("/ws"), configure);
        JsonObject p = new JsonObject();
        p.addProperty("token", token(user));
        JsonObject answer = c.request("auth", p);
        if (!"auth_success".equals(answer.get("type").getAsString())) {
            throw new AssertionError("auth failed: " + answer);
        }
        return c;
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    /** Stops the server and deletes its data directory. */
    @Override
    public void close() {
        server.close();
        deleteTree(dataDir);
    }

    /** Deletes a directory and what is in it; a test's temporary files, so failures are ignored. */
    static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // already gone, or unreadable: nothing more to do for a temporary directory
        }
    }
}
