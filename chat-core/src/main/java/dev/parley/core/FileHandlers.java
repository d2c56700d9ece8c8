package dev.parley.core;

import com.google.gson.JsonObject;
import dev.parley.core.spi.BlobStore;
import dev.parley.core.spi.ChatStore;
import dev.parley.core.spi.FileRecord;
import dev.parley.core.spi.MessageRecord;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.MessageType;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.payload.FilePayloads.FileChunk;
import dev.parley.protocol.payload.FilePayloads.FileChunkAck;
import dev.parley.protocol.payload.FilePayloads.FileChunkData;
import dev.parley.protocol.payload.FilePayloads.FileChunkGet;
import dev.parley.protocol.payload.FilePayloads.FileDownload;
import dev.parley.protocol.payload.FilePayloads.FileDownloadReady;
import dev.parley.protocol.payload.FilePayloads.FileUploadCancel;
import dev.parley.protocol.payload.FilePayloads.FileUploadCancelled;
import dev.parley.protocol.payload.FilePayloads.FileUploadComplete;
import dev.parley.protocol.payload.FilePayloads.FileUploadReady;
import dev.parley.protocol.payload.FilePayloads.FileUploadStart;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * File transfer over the socket (protocol 6.9): uploads in base64 chunks that may come in any
 * order and be resent, verified by size and SHA-256 before the message that carries the file is
 * stored; downloads in chunks for participants only. An upload belongs to its user, not its
 * connection, so a client that reconnects resumes it (resending the chunks it is unsure of) until
 * it has been idle for {@code uploadIdleTimeout}.
 */
final class FileHandlers {
    private final ChatEngine engine;
    private final ChatStore store;
    private final BlobStore blobs;
    private final BaseHandlers base;
    private final ConcurrentHashMap<String, Upload> uploads = new ConcurrentHashMap<>();

    private static final class Upload {
        final String id;
        final String userId;
        final FileUploadStart start;
        final int chunkBytes;
        final int chunkCount;
        final byte[][] chunkDigests;
        long receivedBytes;
        Instant lastActivity;

        Upload(String id, String userId, FileUploadStart start, int chunkBytes, Instant now) {
            this.id = id;
            this.userId = userId;
            this.start = start;
            this.chunkBytes = chunkBytes;
            this.chunkCount = (int) ((start.size() + chunkBytes - 1) / chunkBytes);
            this.chunkDigests = new byte[chunkCount][];
            this.lastActivity = now;
        }

        int expectedLength(int index) {
            return index == chunkCount - 1 ? (int) (start.size() - (long) index * chunkBytes) : chunkBytes;
        }
    }

    FileHandlers(ChatEngine engine, BaseHandlers base, BlobStore blobs) {
        this.engine = engine;
        this.store = engine.chatStore();
        this.base = base;
        this.blobs = blobs;
    }

    void handle(Session s, MessageType type, Record payload, String requestId) {
        switch (type) {
            case FILE_UPLOAD_START -> start(s, (FileUploadStart) payload, requestId);
            case FILE_CHUNK -> chunk(s, (FileChunk) payload, requestId);
            case FILE_UPLOAD_COMPLETE -> complete(s, (FileUploadComplete) payload, requestId);
            case FILE_UPLOAD_CANCEL -> cancel(s, (FileUploadCancel) payload, requestId);
            case FILE_DOWNLOAD -> download(s, (FileDownload) payload, requestId);
            case FILE_CHUNK_GET -> chunkGet(s, (FileChunkGet) payload, requestId);
            default -> throw new ProtocolException(ErrorCode.NOT_SUPPORTED, type.wireName() + " is not supported");
        }
    }

    private void start(Session s, FileUploadStart req, String requestId) {
        String me = s.userId();
        base.requireParticipant(s, req.conversationId());
        long open = uploads.values().stream().filter(u -> u.userId.equals(me)).count();
        if (open >= engine.config().maxUploadsPerUser()) {
            throw ChatEngine.rateLimited(engine.config().uploadIdleTimeout().toMillis());
        }
        long pending = uploads.values().stream().filter(u -> u.userId.equals(me)).mapToLong(u -> u.start.size()).sum();
        long quota = engine.config().fileQuotaPerUser();
        if (store.storedFileBytes(me) + pending + req.size() > quota) {
            throw new ProtocolException(ErrorCode.PAYLOAD_TOO_LARGE, "Your file storage quota is used up",
                    Map.of("field", "size", "maxBytes", quota, "reason", "quota"));
        }
        Instant now = engine.now();
        Upload u = new Upload(UUID.randomUUID().toString(), me, req, engine.config().limits().fileChunkBytes(), now);
        uploads.put(u.id, u);
        s.send(MessageType.FILE_UPLOAD_READY,
                new FileUploadReady(u.id, u.chunkBytes, u.chunkCount, now.plus(engine.config().uploadIdleTimeout())),
                requestId);
    }

    private void chunk(Session s, FileChunk req, String requestId) {
        Upload u = upload(req.uploadId(), s.userId());
        int index = req.index();
        if (index >= u.chunkCount) {
            throw ProtocolException.invalidData("index", "must be below " + u.chunkCount);
        }
        byte[] data = Base64.getDecoder().decode(req.data());
        if (data.length != u.expectedLength(index)) {
            throw ProtocolException.invalidData("data", "chunk " + index + " must hold " + u.expectedLength(index) + " bytes");
        }
        s.takeFileBytes(data.length);
        byte[] digest = sha256(data);
        synchronized (u) {
            if (u.chunkDigests[index] != null) {
                if (!Arrays.equals(u.chunkDigests[index], digest)) {
                    throw new ProtocolException(ErrorCode.CONFLICT, "Chunk " + index + " was received with other data");
                }
            } else {
                write(u.id, (long) index * u.chunkBytes, data);
                u.chunkDigests[index] = digest;
                u.receivedBytes += data.length;
            }
            u.lastActivity = engine.now();
            s.send(MessageType.FILE_CHUNK_ACK, new FileChunkAck(u.id, index, u.receivedBytes), requestId);
        }
    }

    private void complete(Session s, FileUploadComplete req, String requestId) {
        String me = s.userId();
        Upload u = upload(req.uploadId(), me);
        engine.takeToken(UserRateLimits.Kind.MESSAGE, me);
        base.requireParticipant(s, u.start.conversationId());
        String sha256;
        synchronized (u) {
            if (u.receivedBytes != u.start.size()) {
                throw new ProtocolException(ErrorCode.INVALID_DATA, "Chunks are missing",
                        Map.of("field", "uploadId", "reason", "missing chunks", "receivedBytes", u.receivedBytes));
            }
            sha256 = digestOfUpload(u);
            if (u.start.sha256() != null && !u.start.sha256().equalsIgnoreCase(sha256)) {
                throw ProtocolException.invalidData("sha256", "the uploaded bytes do not match the announced sha256");
            }
            if (uploads.remove(u.id) == null) {
                throw ProtocolException.notFound("upload");
            }
        }
        String fileId = UUID.randomUUID().toString();
        try {
            blobs.publish(u.id, fileId);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        JsonObject metadata = req.metadata() == null ? new JsonObject() : req.metadata().deepCopy();
        JsonObject file = new JsonObject();
        file.addProperty("file_id", fileId);
        file.addProperty("name", u.start.fileName());
        file.addProperty("mime_type", u.start.mimeType());
        file.addProperty("size", u.start.size());
        file.addProperty("sha256", sha256);
        metadata.add("file", file);
        base.appendAndAnnounce(s, u.start.conversationId(), req.messageTypeOrDefault(), req.content(),
                req.encryptedContents(), req.replyToId(), req.threadRootId(), u.start.clientMessageId(), metadata,
                requestId, stored -> store.saveFile(new FileRecord(fileId, u.start.conversationId(), stored.id(), me,
                        u.start.fileName(), u.start.mimeType(), u.start.size(), sha256, engine.now())));
    }

    private void cancel(Session s, FileUploadCancel req, String requestId) {
        Upload u = upload(req.uploadId(), s.userId());
        discard(u);
        s.send(MessageType.FILE_UPLOAD_CANCELLED, new FileUploadCancelled(u.id), requestId);
    }

    private void download(Session s, FileDownload req, String requestId) {
        FileRecord f = readableFile(s, req.fileId());
        int chunkBytes = engine.config().limits().fileChunkBytes();
        int chunkCount = (int) ((f.size() + chunkBytes - 1) / chunkBytes);
        s.send(MessageType.FILE_DOWNLOAD_READY, new FileDownloadReady(f.fileId(), f.conversationId(), f.name(),
                f.mimeType(), f.size(), f.sha256(), chunkBytes, chunkCount), requestId);
    }

    private void chunkGet(Session s, FileChunkGet req, String requestId) {
        FileRecord f = readableFile(s, req.fileId());
        int chunkBytes = engine.config().limits().fileChunkBytes();
        int chunkCount = (int) ((f.size() + chunkBytes - 1) / chunkBytes);
        if (req.index() >= chunkCount) {
            throw ProtocolException.invalidData("index", "must be below " + chunkCount);
        }
        long offset = (long) req.index() * chunkBytes;
        int length = (int) Math.min(chunkBytes, f.size() - offset);
        s.takeFileBytes(length);
        byte[] data;
        try {
            data = blobs.read(f.fileId(), offset, length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        s.send(MessageType.FILE_CHUNK_DATA, new FileChunkData(f.fileId(), req.index(),
                Base64.getEncoder().encodeToString(data), req.index() == chunkCount - 1), requestId);
    }

    /** The file, if its message still exists and the user takes part in its conversation. */
    private FileRecord readableFile(Session s, String fileId) {
        FileRecord f = store.findFile(fileId).orElseThrow(() -> ProtocolException.notFound("file"));
        base.requireParticipant(s, f.conversationId());
        MessageRecord m = store.findMessage(f.conversationId(), f.messageId(), s.userId()).orElse(null);
        if (m == null || m.isDeleted()) {
            throw ProtocolException.notFound("file");
        }
        return f;
    }

    /** Discards uploads idle past the timeout. */
    void sweep(Instant now) {
        for (Upload u : uploads.values()) {
            if (!now.isBefore(u.lastActivity.plus(engine.config().uploadIdleTimeout()))) {
                discard(u);
            }
        }
    }

    private void discard(Upload u) {
        if (uploads.remove(u.id) != null) {
            try {
                blobs.delete(u.id);
            } catch (IOException e) {
                engine.counters().increment("blobDeleteFailures");
            }
        }
    }

    private Upload upload(String uploadId, String userId) {
        Upload u = uploads.get(uploadId);
        if (u == null || !u.userId.equals(userId)) {
            throw ProtocolException.notFound("upload");
        }
        return u;
    }

    private void write(String uploadId, long offset, byte[] data) {
        try {
            blobs.write(uploadId, offset, data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String digestOfUpload(Upload u) {
        MessageDigest sha = newSha256();
        try {
            for (int i = 0; i < u.chunkCount; i++) {
                sha.update(blobs.read(u.id, (long) i * u.chunkBytes, u.expectedLength(i)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static byte[] sha256(byte[] data) {
        return newSha256().digest(data);
    }

    /** A fresh SHA-256 digest (file checksums, chunk identity, key fingerprints). */
    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
    }
}
