package dev.parley.client;

import dev.parley.protocol.model.Message;
import dev.parley.protocol.payload.FilePayloads.FileDownloadReady;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * File transfer ({@code files} extension, protocol 6.9), from {@link ChatClient#files()}. Files
 * travel in chunks over the chat connection, each acknowledged by the server; the whole file is
 * checked by SHA-256 at both ends. A transfer survives reconnects: after one it goes on from what
 * the server has acknowledged (an upload belongs to the user until it has been idle for the
 * server's upload timeout), and starts over only if the server lost it.
 *
 * <p>Futures complete on the listener executor; they fail with a {@link ChatException}
 * ({@code PAYLOAD_TOO_LARGE} for a file over the size limit or the user's quota,
 * {@code ACCESS_DENIED} for a conversation or file the user may not use, {@code NOT_FOUND},
 * {@link ChatException.Kind#CORRUPTED} for a download that fails its checksum) or with an
 * {@link IOException} for a local file problem. Progress is reported on the listener executor.
 */
public final class ChatFiles {
    /** How far a transfer got; called on the listener executor after each acknowledged chunk. */
    @FunctionalInterface
    public interface Progress {
        void onProgress(long doneBytes, long totalBytes);

        Progress NONE = (done, total) -> { };
    }

    /**
     * What the message carrying an uploaded file says besides the file: {@code messageType}
     * {@code file} or {@code image} ({@code null}: {@code file}), an optional shared caption or
     * per-recipient bodies (for end-to-end encrypted files, the file's key), at most one of both.
     */
    public record Body(String messageType, String caption, Map<String, String> encryptedContents) {
        public static final Body NONE = new Body(null, null, null);

        public Body {
            if (caption != null && encryptedContents != null) {
                throw new IllegalArgumentException("a caption or per-recipient bodies, not both");
            }
            encryptedContents = encryptedContents == null ? null : Map.copyOf(encryptedContents);
        }
    }

    private final FacetContext ctx;

    ChatFiles(FacetContext ctx) {
        this.ctx = ctx;
    }

    /** Uploads a file under its own name and completes with the message that carries it ({@code metadata.file}). */
    public CompletableFuture<Message> upload(String conversationId, Path file, String mimeType, Body body,
                                             Progress progress) {
        Objects.requireNonNull(file, "file");
        return start(conversationId, file.getFileName().toString(), mimeType, body, progress,
                () -> FileTransfers.Source.of(file));
    }

    /** Uploads bytes held in memory as a file named {@code fileName}. */
    public CompletableFuture<Message> upload(String conversationId, String fileName, String mimeType, byte[] data,
                                             Body body, Progress progress) {
        byte[] copy = data.clone();
        return start(conversationId, fileName, mimeType, body, progress, () -> FileTransfers.Source.of(copy));
    }

    /**
     * Downloads the file {@code fileId} (from a message's {@code metadata.file.file_id}) to
     * {@code target}, replacing it only once every byte arrived and matched the checksum.
     */
    public CompletableFuture<FileDownloadReady> download(String fileId, Path target, Progress progress) {
        Objects.requireNonNull(fileId, "fileId");
        Objects.requireNonNull(target, "target");
        Progress p = progress == null ? Progress.NONE : progress;
        return ctx.call(() -> new FileTransfers.Download(ctx, fileId, target, p).begin());
    }

    private CompletableFuture<Message> start(String conversationId, String fileName, String mimeType, Body body,
                                             Progress progress, SourceOpener opener) {
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(fileName, "fileName");
        Objects.requireNonNull(mimeType, "mimeType");
        Body b = body == null ? Body.NONE : body;
        Progress p = progress == null ? Progress.NONE : progress;
        return ctx.call(() -> {
            FileTransfers.Source source;
            try {
                source = opener.open();
            } catch (IOException e) {
                return CompletableFuture.failedFuture(e);
            }
            return new FileTransfers.Upload(ctx, conversationId, fileName, mimeType, source, b, p).begin();
        });
    }

    private interface SourceOpener {
        FileTransfers.Source open() throws IOException;
    }
}
