package dev.parley.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The dev-mode HS256 secret, kept in {@code <data dir>/dev-secret} so the {@code token} command
 * can sign tokens the running server accepts, and so tokens survive a restart.
 */
final class DevSecret {
    static final String FILE_NAME = "dev-secret";

    private DevSecret() {
    }

    static Path fileIn(Path dataDir) {
        return dataDir.resolve(FILE_NAME);
    }

    /** The stored secret, or a new random one written (owner-only) if there is none. */
    static String loadOrCreate(Path dataDir) throws IOException {
        Path file = fileIn(dataDir);
        if (Files.exists(file)) {
            return read(file);
        }
        Files.createDirectories(dataDir);
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        try {
            Files.writeString(file, secret + "\n", StandardCharsets.US_ASCII, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException concurrentStart) {
            return read(file);
        }
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            // Windows: the file inherits the directory's permissions.
        }
        return secret;
    }

    /** The stored secret, or {@code null} if there is none. */
    static String readIfPresent(Path dataDir) throws IOException {
        Path file = fileIn(dataDir);
        return Files.exists(file) ? read(file) : null;
    }

    private static String read(Path file) throws IOException {
        String secret = Files.readString(file, StandardCharsets.US_ASCII).trim();
        if (secret.length() < 32) {
            throw new IOException(file + " holds no usable secret; delete it to get a new one");
        }
        return secret;
    }
}
