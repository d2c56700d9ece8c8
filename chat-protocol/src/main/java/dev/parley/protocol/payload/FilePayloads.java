package dev.parley.protocol.payload;

import com.google.gson.JsonObject;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.ProtocolLimits;
import dev.parley.protocol.Rules.Limit;
import dev.parley.protocol.Rules.MaxBytes;
import dev.parley.protocol.Rules.MaxChars;
import dev.parley.protocol.Rules.MaxItems;
import dev.parley.protocol.Rules.OneOf;
import dev.parley.protocol.Rules.Pattern;
import dev.parley.protocol.Rules.Range;
import dev.parley.protocol.Rules.Required;
import dev.parley.protocol.Validated;
import java.time.Instant;
import java.util.Map;

/** File transfer over the socket in base64 chunks (6.9). */
public final class FilePayloads {
    private static final String SHA256_HEX = "[0-9a-fA-F]{64}";

    private FilePayloads() {
    }

    /** {@code file_upload_start}. */
    public record FileUploadStart(
            @Required @MaxChars(value = 128, invalid = true) String conversationId,
            @Required @MaxChars(255) String fileName,
            @Required @MaxChars(value = 255, invalid = true) String mimeType,
            @Required @Range(min = 1) Long size,
            @Pattern(value = SHA256_HEX, reason = "64 hex digits") String sha256,
            @Pattern(value = Bodies.CLIENT_MESSAGE_ID, reason = "1 to 64 characters of A-Z a-z 0-9 . _ : -") String clientMessageId)
            implements Validated {

        @Override
        public void validate(ProtocolLimits limits) {
            if (size > limits.maxFileBytes()) {
                throw ProtocolException.tooLarge("size", limits.maxFileBytes());
            }
        }
    }

    /** {@code file_upload_ready}. */
    public record FileUploadReady(String uploadId, int chunkBytes, int chunkCount, Instant expiresAt) {
    }

    /** {@code file_chunk}: {@code data} is standard base64 of at most {@code fileChunkBytes} bytes. */
    public record FileChunk(
            @Required @MaxChars(value = 128, invalid = true) String uploadId,
            @Required @Range(min = 0, max = Integer.MAX_VALUE) Integer index,
            @Required String data) implements Validated {

        @Override
        public void validate(ProtocolLimits limits) {
            long maxChars = 4L * ((limits.fileChunkBytes() + 2) / 3);
            if (data.length() > maxChars) {
                throw ProtocolException.tooLarge("data", limits.fileChunkBytes());
            }
            if (!data.matches("[A-Za-z0-9+/]*={0,2}") || data.length() % 4 != 0) {
                throw ProtocolException.invalidData("data", "must be standard base64");
            }
        }
    }

    /** {@code file_chunk_ack}. */
    public record FileChunkAck(String uploadId, int index, long receivedBytes) {
    }

    /** {@code file_upload_complete}: the body (a caption or a key) is optional here. */
    public record FileUploadComplete(
            @Required @MaxChars(value = 128, invalid = true) String uploadId,
            @OneOf({"file", "image"}) String messageType,
            @MaxBytes(Limit.CONTENT) String content,
            @MaxBytes(Limit.CONTENT) @MaxItems(256) Map<String, String> encryptedContents,
            @MaxChars(value = 128, invalid = true) String replyToId,
            @MaxChars(value = 128, invalid = true) String threadRootId,
            @MaxBytes(Limit.METADATA) JsonObject metadata) implements Validated {

        @Override
        public void validate(ProtocolLimits limits) {
            Bodies.check(content, encryptedContents, false);
        }

        public String messageTypeOrDefault() {
            return messageType == null ? "file" : messageType;
        }
    }

    /** {@code file_upload_cancel}. */
    public record FileUploadCancel(@Required @MaxChars(value = 128, invalid = true) String uploadId) {
    }

    /** {@code file_upload_cancelled}. */
    public record FileUploadCancelled(String uploadId) {
    }

    /** {@code file_download}. */
    public record FileDownload(@Required @MaxChars(value = 128, invalid = true) String fileId) {
    }

    /** {@code file_download_ready}. */
    public record FileDownloadReady(
            String fileId, String conversationId, String name, String mimeType, long size, String sha256,
            int chunkBytes, int chunkCount) {
    }

    /** {@code file_chunk_get}. */
    public record FileChunkGet(
            @Required @MaxChars(value = 128, invalid = true) String fileId,
            @Required @Range(min = 0, max = Integer.MAX_VALUE) Integer index) {
    }

    /** {@code file_chunk_data}. */
    public record FileChunkData(String fileId, int index, String data, boolean last) {
    }
}
