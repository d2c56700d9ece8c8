package dev.parley.client;

import dev.parley.client.ChatException.Kind;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.MessageType;
import dev.parley.protocol.model.Message;
import dev.parley.protocol.payload.FilePayloads.FileChunk;
import dev.parley.protocol.payload.FilePayloads.FileChunkAck;
import dev.parley.protocol.payload.FilePayloads.FileChunkData;
import dev.parley.protocol.payload.FilePayloads.FileChunkGet;
import dev.parley.protocol.payload.FilePayloads.FileDownload;
import dev.parley.protocol.payload.FilePayloads.FileDownloadReady;
import dev.parley.protocol.payload.FilePayloads.FileUploadComplete;
import dev.parley.protocol.payload.FilePayloads.FileUploadReady;
import dev.parley.protocol.payload.FilePayloads.FileUploadStart;
import dev.parley.protocol.payload.MessagePayloads.MessageSent;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The chunked uploads and downloads behind {@link ChatFiles}. Everything here runs on the client
 * thread: a few chunks are in flight at a time, each acknowledged one is marked done, and after a
 * lost connection (or a request timeout) the transfer waits for the client to be authenticated
 * again and goes on from the first chunk not acknowledged; resending a chunk the server already
 * has is harmless (6.9). Reading or writing one chunk (at most the server's chunk size, 48 KiB by
 * default) is the only file work done on the client thread.
 */
final class FileTransfers {
    /** Chunks in flight at once: enough to keep a connection busy, few enough to stay responsive. */
    static final int WINDOW = 4;
    /** Connection losses or timeouts in a row, without any chunk acknowledged in between, before giving up. */
    static final int MAX_TROUBLE_WITHOUT_PROGRESS = 6;
    /** How often a transfer the server lost (its upload expired, the server restarted) is started over. */
    static final int MAX_RESTARTS = 3;

    private FileTransfers() {
    }

    /** Random-access bytes to upload. */
    interface Source extends Closeable {
        long size();

        byte[] read(long offset, int length) throws IOException;

        static Source of(Path file) throws IOException {
            FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
            long size = ch.size();
            return new Source() {
                @Override
                public long size() {
                    return size;
                }

                @Override
                public byte[] read(long offset, int length) throws IOException {
                    ByteBuffer buf = ByteBuffer.allocate(length);
                    while (buf.hasRemaining()) {
                        if (ch.read(buf, offset + buf.position()) < 0) {
                            throw new IOException("the file shrank while it was uploaded");
                        }
                    }
                    return buf.array();
                }

                @Override
                public void close() throws IOException {
                    ch.close();
                }
            };
        }

        static Source of(byte[] data) {
            return new Source() {
                @Override
                public long size() {
                    return data.length;
                }

                @Override
                public byte[] read(long offset, int length) {
                    byte[] out = new byte[length];
                    System.arraycopy(data, (int) offset, out, 0, length);
                    return out;
                }

                @Override
                public void close() {
                }
            };
        }
    }

    /** The windowed chunk loop and its recovery, shared by uploads and downloads. */
    abstract static class ChunkTransfer<R> {
        final FacetContext ctx;
        final ChatFiles.Progress progress;
        final CompletableFuture<R> result = new CompletableFuture<>();
        long totalBytes;
        int chunkBytes;
        private int chunkCount;
        private boolean[] done;
        private boolean[] sending;
        private int doneCount;
        private long doneBytes;
        private int next;
        private int inFlight;
        private boolean recovering;
        private int troubleWithoutProgress;
        private int restarts;
        /** Bumped on every restart, so that answers meant for an abandoned attempt are ignored. */
        int generation;

        ChunkTransfer(FacetContext ctx, ChatFiles.Progress progress) {
            this.ctx = ctx;
            this.progress = progress;
        }

        /** Moves chunk {@code index}; completes with its length once the server confirmed it. */
        abstract CompletableFuture<Integer> chunk(int index) throws IOException;

        /** Every chunk is done: finish (complete the upload, verify the download). */
        abstract void allChunksDone();

        /** Starts over after the server lost the transfer; {@code false} if that cannot help. */
        abstract boolean restart();

        /** Releases local resources; the transfer has ended, well or not. */
        abstract void release();

        int lengthOf(int index) {
            return (int) Math.min(chunkBytes, totalBytes - (long) index * chunkBytes);
        }

        void chunksReady(int count) {
            chunkCount = count;
            done = new boolean[count];
            sending = new boolean[count];
            doneCount = 0;
            doneBytes = 0;
            next = 0;
            inFlight = 0;
            if (count == 0) {
                allChunksDone();
            } else {
                pump();
            }
        }

        void pump() {
            // a send can fail at once (the socket just closed) and start a recovery from inside the loop
            while (!result.isDone() && !recovering && done != null && inFlight < WINDOW && next < chunkCount) {
                int i = next++;
                if (done[i] || sending[i]) {
                    continue;
                }
                int gen = generation;
                CompletableFuture<Integer> f;
                try {
                    f = chunk(i);
                } catch (IOException | RuntimeException e) {
                    fail(e);
                    return;
                }
                sending[i] = true;
                inFlight++;
                f.whenComplete((n, e) -> {
                    if (gen != generation || result.isDone()) {
                        return;
                    }
                    sending[i] = false;
                    inFlight--;
                    if (e != null) {
                        next = Math.min(next, i); // from the first chunk not acknowledged
                        trouble(e, this::pump);
                        return;
                    }
                    troubleWithoutProgress = 0;
                    if (!done[i]) {
                        done[i] = true;
                        doneCount++;
                        doneBytes += n;
                        long d = doneBytes;
                        ctx.view.callback(() -> progress.onProgress(d, totalBytes));
                    }
                    if (doneCount == chunkCount) {
                        allChunksDone();
                    } else {
                        pump();
                    }
                });
            }
        }

        /** A step failed: wait for a connection and retry it, wait out a rate limit, start over, or give up. */
        void trouble(Throwable x, Runnable retry) {
            Throwable cause = x instanceof CompletionException && x.getCause() != null ? x.getCause() : x;
            if (cause instanceof UncheckedIOException u) {
                cause = u.getCause();
            }
            if (!(cause instanceof ChatException)) {
                fail(cause);
                return;
            }
            ChatException ce = (ChatException) cause;
            switch (ce.kind()) {
                case NOT_CONNECTED, TIMEOUT -> {
                    // One lost connection fails every chunk in flight: while a recovery is under way,
                    // the others are part of the same trouble and do not count again.
                    if (!recovering && ++troubleWithoutProgress > MAX_TROUBLE_WITHOUT_PROGRESS) {
                        fail(ce);
                    } else {
                        recover(retry);
                    }
                }
                case REJECTED -> {
                    if (ce.code() == ErrorCode.RATE_LIMITED) {
                        Object after = ce.details().get("retryAfterMs");
                        long delay = after instanceof Number n ? Math.max(1, n.longValue()) : 1000;
                        if (!recovering) {
                            recovering = true; // holds the loop until the wait is over
                            ctx.scheduler.schedule(() -> {
                                recovering = false;
                                retry.run();
                            }, delay);
                        }
                    } else if (ce.code() == ErrorCode.NOT_FOUND && restarts < MAX_RESTARTS && restart()) {
                        restarts++;
                    } else {
                        fail(ce);
                    }
                }
                default -> fail(ce);
            }
        }

        private void recover(Runnable retry) {
            if (recovering) {
                return;
            }
            recovering = true;
            // after the current task: the client has then taken in the loss and is reconnecting
            ctx.scheduler.execute(() -> ctx.core.whenAuthenticated().whenComplete((v, e) -> {
                recovering = false;
                if (e != null) {
                    fail(e);
                } else if (!result.isDone()) {
                    retry.run();
                }
            }));
        }

        /** Forgets every chunk's state: the next {@link #chunksReady} begins from nothing. */
        void resetChunks() {
            generation++;
            done = null;
            sending = null;
            inFlight = 0;
            recovering = false;
        }

        void succeed(R value) {
            if (!result.isDone()) {
                release();
                result.complete(value);
            }
        }

        void fail(Throwable t) {
            if (!result.isDone()) {
                release();
                result.completeExceptionally(t);
            }
        }
    }

    static final class Upload extends ChunkTransfer<Message> {
        private final String conversationId;
        private final String fileName;
        private final String mimeType;
        private final Source source;
        private final ChatFiles.Body body;
        /** Makes the message idempotent across a restart whose first completion's answer was lost. */
        private final String clientMessageId = UUID.randomUUID().toString();
        private String sha256;
        private String uploadId;

        Upload(FacetContext ctx, String conversationId, String fileName, String mimeType, Source source,
               ChatFiles.Body body, ChatFiles.Progress progress) {
            super(ctx, progress);
            this.conversationId = conversationId;
            this.fileName = fileName;
            this.mimeType = mimeType;
            this.source = source;
            this.body = body;
        }

        CompletableFuture<Message> begin() {
            totalBytes = source.size();
            try {
                sha256 = sha256(source);
            } catch (IOException e) {
                fail(e);
                return result;
            }
            startUpload();
            return result;
        }

        private void startUpload() {
            int gen = generation;
            ctx.request(MessageType.FILE_UPLOAD_START, new FileUploadStart(conversationId, fileName, mimeType,
                    totalBytes, sha256, clientMessageId), FileUploadReady.class).whenComplete((r, e) -> {
                        if (gen != generation || result.isDone()) {
                            return;
                        }
                        if (e != null) {
                            trouble(e, this::startUpload);
                            return;
                        }
                        uploadId = r.uploadId();
                        chunkBytes = r.chunkBytes();
                        chunksReady(r.chunkCount());
                    });
        }

        @Override
        CompletableFuture<Integer> chunk(int index) throws IOException {
            byte[] data = source.read((long) index * chunkBytes, lengthOf(index));
            return ctx.request(MessageType.FILE_CHUNK,
                    new FileChunk(uploadId, index, Base64.getEncoder().encodeToString(data)), FileChunkAck.class)
                    .thenApply(ack -> data.length);
        }

        @Override
        void allChunksDone() {
            int gen = generation;
            ctx.request(MessageType.FILE_UPLOAD_COMPLETE, new FileUploadComplete(uploadId, body.messageType(),
                    body.caption(), body.encryptedContents(), null, null, null), MessageSent.class)
                    .whenComplete((sent, e) -> {
                        if (gen != generation || result.isDone()) {
                            return;
                        }
                        if (e != null) {
                            trouble(e, this::allChunksDone);
                        } else {
                            succeed(sent.message());
                        }
                    });
        }

        @Override
        boolean restart() {
            resetChunks();
            uploadId = null;
            ctx.scheduler.execute(this::startUpload);
            return true;
        }

        @Override
        void release() {
            try {
                source.close();
            } catch (IOException e) {
                // read-only: nothing is lost
            }
        }
    }

    static final class Download extends ChunkTransfer<FileDownloadReady> {
        private final String fileId;
        private final Path target;
        private final Path partial;
        private FileChannel out;
        private FileDownloadReady ready;

        Download(FacetContext ctx, String fileId, Path target, ChatFiles.Progress progress) {
            super(ctx, progress);
            this.fileId = fileId;
            this.target = target;
            this.partial = target.resolveSibling(target.getFileName() + ".part");
        }

        CompletableFuture<FileDownloadReady> begin() {
            describe();
            return result;
        }

        private void describe() {
            ctx.request(MessageType.FILE_DOWNLOAD, new FileDownload(fileId), FileDownloadReady.class)
                    .whenComplete((r, e) -> {
                        if (result.isDone()) {
                            return;
                        }
                        if (e != null) {
                            trouble(e, this::describe);
                            return;
                        }
                        ready = r;
                        totalBytes = r.size();
                        chunkBytes = r.chunkBytes();
                        try {
                            out = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                                    StandardOpenOption.TRUNCATE_EXISTING);
                        } catch (IOException x) {
                            fail(x);
                            return;
                        }
                        chunksReady(r.chunkCount());
                    });
        }

        @Override
        CompletableFuture<Integer> chunk(int index) {
            return ctx.request(MessageType.FILE_CHUNK_GET, new FileChunkGet(fileId, index), FileChunkData.class)
                    .thenApply(d -> {
                        byte[] data = d.data() == null ? new byte[0] : Base64.getDecoder().decode(d.data());
                        if (d.index() != index || data.length != lengthOf(index)) {
                            throw ChatException.local(Kind.CORRUPTED, "chunk " + index + " came back with "
                                    + data.length + " bytes instead of " + lengthOf(index));
                        }
                        try {
                            ByteBuffer buf = ByteBuffer.wrap(data);
                            long offset = (long) index * chunkBytes;
                            while (buf.hasRemaining()) {
                                out.write(buf, offset + buf.position());
                            }
                        } catch (IOException x) {
                            throw new UncheckedIOException(x);
                        }
                        return data.length;
                    });
        }

        @Override
        void allChunksDone() {
            try {
                out.force(false);
                out.close();
                String actual;
                try (Source written = Source.of(partial)) {
                    actual = sha256(written);
                }
                if (!actual.equalsIgnoreCase(ready.sha256())) {
                    fail(ChatException.local(Kind.CORRUPTED, "the downloaded file does not match its sha256"));
                    return;
                }
                try {
                    Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } catch (IOException e) {
                fail(e);
                return;
            }
            succeed(ready);
        }

        @Override
        boolean restart() {
            return false; // a file that is not found is gone
        }

        @Override
        void release() {
            try {
                if (out != null) {
                    out.close();
                }
                Files.deleteIfExists(partial); // moved to the target on success
            } catch (IOException e) {
                // best effort: a leftover .part file is overwritten by the next download
            }
        }
    }

    /** Lowercase hex SHA-256 of every byte of the source. */
    static String sha256(Source source) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
        long size = source.size();
        for (long off = 0; off < size; off += 1 << 20) {
            sha.update(source.read(off, (int) Math.min(1 << 20, size - off)));
        }
        StringBuilder hex = new StringBuilder(64);
        for (byte b : sha.digest()) {
            hex.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return hex.toString();
    }
}
