package dev.parley.store.jdbi;

import dev.parley.core.spi.ChatStore;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The whole ChatStore contract on the embedded SQLite database, including 8 threads x 1000 appends. */
class EmbeddedChatStoreTest extends JdbiChatStoreContract {
    @TempDir
    Path dir;

    @Override
    protected ChatStore newStore() {
        return JdbiChatStore.embedded(dir.resolve("data"));
    }

    @Override
    protected JdbiChatStore reopenStore() {
        return JdbiChatStore.embedded(dir.resolve("data"));
    }
}
