package dev.parley.examples;

import dev.parley.core.EngineConfig;
import dev.parley.core.memory.InMemoryChatStore;
import dev.parley.server.ChatServer;
import dev.parley.server.ServerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The reference server ({@code chat-server-ref}) in-process, in development mode as its README starts
 * it (no JWT secret: loopback only, {@code /dev/token/<user>} mints tokens), on a free port with an
 * in-memory store and its own temporary data directory.
 */
final class DevModeServer implements AutoCloseable {
    private final ChatServer server;
    private final Path dataDir;

    private DevModeServer(ChatServer server, Path dataDir) {
        this.server = server;
        this.dataDir = dataDir;
    }

    static DevModeServer start() throws Exception {
        return start(EngineConfig.builder().build());
    }

    static DevModeServer start(EngineConfig engineConfig) throws Exception {
        return start(engineConfig, ChatServer::start);
    }

    /** As {@link #start(EngineConfig)}, with the server started by {@code starter} (an example's own start). */
    static DevModeServer start(EngineConfig engineConfig, Starter starter) throws Exception {
        Path dataDir = Files.createTempDirectory("parley-examples-server");
        ServerConfig config = ServerConfig.builder().port(0).dataDir(dataDir).store(new InMemoryChatStore())
                .engineConfig(engineConfig).shutdownTimeout(Duration.ofSeconds(3)).build();
        return new DevModeServer(starter.start(config), dataDir);
    }

    /** Starts a server on a configuration. */
    interface Starter {
        ChatServer start(ServerConfig config) throws Exception;
    }

    /** The WebSocket URL clients connect to. */
    URI uri() {
        return URI.create("ws://127.0.0.1:" + server.port() + "/ws");
    }

    /** A token for this user, from the server's dev endpoint (user id and name are both {@code user}). */
    String token(String user) throws IOException, InterruptedException {
        return DevTokens.fetch(uri(), user);
    }

    @Override
    public void close() {
        server.close();
        try (Stream<Path> files = Files.walk(dataDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
