package dev.parley.client;

import dev.parley.core.spi.ChatStore;
import dev.parley.store.jdbi.JdbiChatStore;
import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reliability suite with the server on the embedded database: a restart closes the database and
 * opens the same files again, as a restarted process would.
 */
class EmbeddedDatabaseReliabilityEndToEndTest extends ReliabilityEndToEndTest {
    @TempDir
    Path databaseDir;

    @Override
    TestServer startServer(int port) throws Exception {
        JdbiChatStore database = JdbiChatStore.embedded(databaseDir);
        EngineServer engine = EngineServer.start(database, config, port);
        return new TestServer() {
            @Override
            public URI uri() {
                return engine.uri();
            }

            @Override
            public int port() {
                return engine.port();
            }

            @Override
            public ChatStore store() {
                return database;
            }

            @Override
            public int framesReceived(String type) {
                return engine.framesReceived(type);
            }

            @Override
            public void close() throws Exception {
                engine.close();
                database.close();
            }
        };
    }
}
