package dev.parley.core.memory;

import dev.parley.core.spi.BlobStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.regex.Pattern;

/** A {@link BlobStore} on the local file system: uploads under {@code uploads/}, files under {@code files/}. */
public final class FileSystemBlobStore implements BlobStore {
    private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9-]{1,64}");

    private final Path uploads;
    private final Path files;

    public FileSystemBlobStore(Path root) throws IOException {
        this.uploads = Files.createDirectories(root.resolve("uploads"));
        this.files = Files.createDirectories(root.resolve("files"));
    }

    @Override
    public void write(String uploadId, long offset, byte[] data) throws IOException {
        try (FileChannel ch = FileChannel.open(path(uploads, uploadId), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.wrap(data);
            long position = offset;
            while (buf.hasRemaining()) {
                position += ch.write(buf, position);
            }
        }
    }

    @Override
    public byte[] read(String id, long offset, int length) throws IOException {
        Path p = Files.exists(path(files, id)) ? path(files, id) : path(uploads, id);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            int n = (int) Math.max(0, Math.min(length, ch.size() - offset));
            ByteBuffer buf = ByteBuffer.allocate(n);
            long position = offset;
            while (buf.hasRemaining()) {
                int read = ch.read(buf, position);
                if (read < 0) {
                    break;
                }
                position += read;
            }
            return buf.array();
        }
    }

    @Override
    public void publish(String uploadId, String fileId) throws IOException {
        try (FileChannel ch = FileChannel.open(path(uploads, uploadId), StandardOpenOption.WRITE)) {
            ch.force(true); // durable before the message that references it is acknowledged
        }
        Files.move(path(uploads, uploadId), path(files, fileId), StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public void delete(String id) throws IOException {
        Files.deleteIfExists(path(uploads, id));
        Files.deleteIfExists(path(files, id));
    }

    private static Path path(Path dir, String id) {
        if (!SAFE_ID.matcher(id).matches()) {
            throw new IllegalArgumentException("not a blob id");
        }
        return dir.resolve(id);
    }
}
