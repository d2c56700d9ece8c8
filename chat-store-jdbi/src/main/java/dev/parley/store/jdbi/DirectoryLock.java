package dev.parley.store.jdbi;

import dev.parley.core.spi.StoreException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on a file, held by this process until closed: SQLite lets several processes
 * open one database, but two servers on one data directory would each think its rooms and
 * sequence numbers were theirs alone. The operating system releases the lock if the process dies.
 */
final class DirectoryLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private DirectoryLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock on {@code file} (created if missing), or fails with {@code inUse} if another holder has it. */
    static DirectoryLock acquire(Path file, String inUse) {
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new StoreException("cannot open " + file, e);
        }
        try {
            FileLock lock = channel.tryLock();
            if (lock != null) {
                return new DirectoryLock(channel, lock);
            }
            closeQuietly(channel);
            throw new StoreException(inUse, null);
        } catch (OverlappingFileLockException e) { // held by this process
            closeQuietly(channel);
            throw new StoreException(inUse, e);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new StoreException("cannot lock " + file, e);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException e) {
            // closing the channel releases it as well
        }
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // nothing held any more
        }
    }
}
