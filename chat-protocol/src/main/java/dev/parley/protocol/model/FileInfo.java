package dev.parley.protocol.model;

import com.google.gson.annotations.SerializedName;

/** {@code metadata.file} of a message that carries an uploaded file (6.9). */
public record FileInfo(
        @SerializedName("file_id") String fileId,
        String name,
        @SerializedName("mime_type") String mimeType,
        long size,
        String sha256) {
}
