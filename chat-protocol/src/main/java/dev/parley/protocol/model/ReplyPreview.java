package dev.parley.protocol.model;

import com.google.gson.annotations.SerializedName;
import java.time.Instant;

/** The quoted message of a reply, as the viewer receives it (4.4); no body once that message is deleted. */
public record ReplyPreview(
        String id,
        @SerializedName("sender_id") String senderId,
        @SerializedName("encrypted_content") String encryptedContent,
        @SerializedName("deleted_at") Instant deletedAt) {
}
