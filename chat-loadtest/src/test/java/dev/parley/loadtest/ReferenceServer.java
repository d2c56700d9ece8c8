package dev.parley.loadtest;

import dev.parley.core.ChatEngine;
import dev.parley.core.EngineConfig;
import dev.parley.core.memory.InMemoryChatStore;
import dev.parley.core.spi.ChatStore;
import dev.parley.server.ChatServer;
import dev.parley.server.ServerConfig;
import java.net.URI;
import java.nio.file.Files;
import java.util.function.Consumer;

/**
 * The reference server in-process on a free loopback port, checking the HS256 tokens the tool mints
 * with {@code secret} (audience {@code authenticated}, as Supabase issues them).
 */
final class ReferenceServer implements AutoCloseable {
    private final ChatServer server;

    private ReferenceServer(ChatServer server) {
        this.server = server;
    }

    static ReferenceServer start(String secret, EngineConfig config) throws Exception {
        return start(secret, config, new InMemoryChatStore(), engine -> { });
    }

    /** A server on {@code store}, whose engine {@code engineSetup} completes (a shared broker, for a cluster). */
    static ReferenceServer start(String secret, EngineConfig config, ChatStore store,
                                 Consumer<ChatEngine.Builder> engineSetup) throws Exception {
        return new ReferenceServer(ChatServer.start(ServerConfig.builder()
                .host("127.0.0.1").port(0)
                .jwtSecret(secret).jwtAudience("authenticated")
                .dataDir(Files.createTempDirectory("parley-loadtest-server"))
                .store(store)
                .engineConfig(config)
                .build(), engineSetup));
    }

    URI uri() {
        return URI.create("ws://127.0.0.1:" + server.port() + "/ws");
    }

    /** Messages the server has stored since it started. */
    long storedMessages() {
        return server.engine().stats().counters().getOrDefault("messagesStored", 0L);
    }

    @Override
    public void close() {
        server.close();
    }
}
