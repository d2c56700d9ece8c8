package dev.parley.store.jdbi;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Run in a child JVM by {@link JdbiChatStoreOpenTest}: opens an embedded store, says so, and keeps it
 * open until its standard input ends.
 */
final class EmbeddedStoreHolder {
    private EmbeddedStoreHolder() {
    }

    public static void main(String[] args) throws IOException {
        try (JdbiChatStore store = JdbiChatStore.embedded(Path.of(args[0]))) {
            System.out.println("open");
            System.out.flush();
            System.in.transferTo(java.io.OutputStream.nullOutputStream());
        }
    }
}
