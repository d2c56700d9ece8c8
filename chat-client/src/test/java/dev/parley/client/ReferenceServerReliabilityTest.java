package dev.parley.client;

import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.io.TempDir;

/** The reliability suite against the reference server in-process ({@code chat-server-ref}). */
class ReferenceServerReliabilityTest extends ResumeReliabilityEndToEndTest {
    @TempDir
    Path dataDir;

    @Override
    TestServer startServer(int port) throws Exception {
        return ReferenceServer.start(config, port, dataDir);
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
