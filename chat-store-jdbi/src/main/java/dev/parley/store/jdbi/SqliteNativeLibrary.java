package dev.parley.store.jdbi;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the SQLite driver unpacks its native library. By default it writes a copy with a fresh name
 * into the system's temporary directory at every start and deletes it at a normal exit only, so a
 * server that is killed again and again (a crash loop under a supervisor) fills that directory, a
 * known problem of the driver (xerial/sqlite-jdbc#1140). The embedded store has a directory of its
 * own, locked against other processes, so the copy goes there and each start removes what a killed
 * run left.
 */
final class SqliteNativeLibrary {
    private static final Logger log = LoggerFactory.getLogger(SqliteNativeLibrary.class);
    /** The driver's settings for where it unpacks the library and for a library installed by hand. */
    private static final String UNPACK_DIRECTORY = "org.sqlite.tmpdir";
    private static final String INSTALLED_PATH = "org.sqlite.lib.path";

    private SqliteNativeLibrary() {
    }

    /**
     * Has the driver unpack into {@code directory}, after removing the copies earlier runs left
     * there, unless the JVM was told where the library goes (by its command line, or by an earlier
     * call: the first store opened in a JVM decides). Call it holding the lock of the directory's
     * owner, before the store's first connection.
     */
    static synchronized void unpackInto(Path directory) {
        if (System.getProperty(UNPACK_DIRECTORY) != null || System.getProperty(INSTALLED_PATH) != null) {
            return;
        }
        try {
            Files.createDirectories(directory);
            removeLeftovers(directory);
        } catch (IOException e) {
            // The system's temporary directory still works; only the leftovers stay.
            log.warn("cannot prepare {} for SQLite's native library ({}); it goes to the temporary directory",
                    directory, e.toString());
            return;
        }
        System.setProperty(UNPACK_DIRECTORY, directory.toString());
    }

    private static void removeLeftovers(Path directory) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "sqlite-*")) {
            for (Path file : files) {
                try {
                    // Left by a process that died: the directory's lock keeps live ones out.
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    log.debug("cannot remove {} ({})", file, e.toString());
                }
            }
        }
    }
}
