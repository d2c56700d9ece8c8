package dev.parley.client;

import dev.parley.core.EngineConfig;
import dev.parley.core.spi.ChatStore;
import dev.parley.protocol.Extension;
import dev.parley.server.ChatServer;
import dev.parley.server.ServerConfig;
import dev.parley.server.auth.TokenMinter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * The reference server ({@code chat-server-ref}) in-process, with HS256 tokens and its own embedded
 * database in {@code dataDir}: a restart on the same directory reopens the same database.
 */
final class ReferenceServer implements TestServer {
    static final String SECRET = "chat-client-e2e-secret-0123456789abcdef";

    private final ChatServer server;

    private ReferenceServer(ChatServer server) {
        this.server = server;
    }

    static ReferenceServer start(EngineConfig config, int port, Path dataDir) throws Exception {
        return start(config, port, dataDir, b -> { });
    }

    /** As {@link #start(EngineConfig, int, Path)}, with further server settings (push webhook, cluster). */
    static ReferenceServer start(EngineConfig config, int port, Path dataDir, Consumer<ServerConfig.Builder> settings)
            throws Exception {
        ServerConfig.Builder b = ServerConfig.builder().host("127.0.0.1").port(port).jwtSecret(SECRET).dataDir(dataDir)
                .engineConfig(config).extensions(config.extensions());
        settings.accept(b);
        return new ReferenceServer(ChatServer.start(b.build()));
    }

    static String token(String userId) {
        return TokenMinter.hs256(SECRET).subject(userId).username(userId).mint();
    }

    /** A token that expires exactly at this second. */
    static String token(String userId, Instant expiresAt) {
        Duration ttl = Duration.ofHours(1);
        return TokenMinter.hs256(SECRET).subject(userId).username(userId).issuedAt(expiresAt.minus(ttl)).ttl(ttl).mint();
    }

    @Override
    public URI uri() {
        return URI.create("ws://127.0.0.1:" + port() + "/ws");
    }

    @Override
    public int port() {
        return server.port();
    }

    @Override
    public ChatStore store() {
        return server.engine().store();
    }

    @Override
    public void close() {
        server.close();
    }
}
