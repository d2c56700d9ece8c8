package dev.parley.loadtest;

import dev.parley.core.ChatEngine;
import dev.parley.core.EngineConfig;
import dev.parley.core.memory.InMemoryChatStore;
import dev.parley.core.spi.ChatStore;
import dev.parley.server.ChatServer;
import dev.parley.server.ServerConfig;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The reference server in-process on a free loopback port, checking the HS256 tokens the tool mints
 * with {@code secret} (audience {@code authenticated}, as Supabase issues them).
 */
final class ReferenceServer implements AutoCloseable {
    private final ChatServer server;
    private final Path dataDir;
    private final boolean tls;

    private ReferenceServer(ChatServer server, Path dataDir, boolean tls) {
        this.server = server;
        this.dataDir = dataDir;
        this.tls = tls;
    }

    static ReferenceServer start(String secret, EngineConfig config) throws Exception {
        return start(secret, config, new InMemoryChatStore(), engine -> { });
    }

    /** A server on {@code store}, whose engine {@code engineSetup} completes (a shared broker, for a cluster). */
    static ReferenceServer start(String secret, EngineConfig config, ChatStore store,
                                 Consumer<ChatEngine.Builder> engineSetup) throws Exception {
        Path dataDir = Files.createTempDirectory("parley-loadtest-server");
        return new ReferenceServer(ChatServer.start(base(secret, config, dataDir).store(store).build(), engineSetup),
                dataDir, false);
    }

    /** A server that speaks only TLS (wss://), with the key of {@code keystore} (PKCS12). */
    static ReferenceServer startTls(String secret, EngineConfig config, Path keystore, String password)
            throws Exception {
        Path dataDir = Files.createTempDirectory("parley-loadtest-server");
        return new ReferenceServer(ChatServer.start(base(secret, config, dataDir).store(new InMemoryChatStore())
                .tlsKeystore(keystore).tlsKeystorePassword(password).build(), engine -> { }), dataDir, true);
    }

    private static ServerConfig.Builder base(String secret, EngineConfig config, Path dataDir) {
        return ServerConfig.builder()
                .host("127.0.0.1").port(0)
                .jwtSecret(secret).jwtAudience("authenticated")
                .dataDir(dataDir)
                .engineConfig(config);
    }

    URI uri() {
        return URI.create((tls ? "wss" : "ws") + "://127.0.0.1:" + server.port() + "/ws");
    }

    /** Messages the server has stored since it started. */
    long storedMessages() {
        return server.engine().stats().counters().getOrDefault("messagesStored", 0L);
    }

    /** Stops the server and deletes its data directory (the files extension's folders). */
    @Override
    public void close() {
        server.close();
        try (Stream<Path> paths = Files.walk(dataDir)) {
            paths.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException e) {
            // a temporary directory: left for the system to clear
        }
    }
}
