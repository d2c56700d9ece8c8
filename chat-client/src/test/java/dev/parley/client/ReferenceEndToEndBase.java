package dev.parley.client;

import dev.parley.server.ServerConfig;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.io.TempDir;

/** End-to-end tests against the reference server in-process, with its embedded database in a fresh directory. */
abstract class ReferenceEndToEndBase extends EndToEndBase {
    @TempDir
    Path dataDir;

    @Override
    TestServer startServer(int port) throws Exception {
        return ReferenceServer.start(config, port, dataDir, this::serverSettings);
    }

    /** Further reference-server settings for this test class. */
    void serverSettings(ServerConfig.Builder b) {
    }

    @Override
    String token(String userId) {
        return ReferenceServer.token(userId);
    }

    @Override
    String token(String userId, Instant expiresAt) {
        return ReferenceServer.token(userId, expiresAt);
    }
}
