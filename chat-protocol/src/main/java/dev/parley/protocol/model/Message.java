package dev.parley.protocol.model;

import com.google.gson.JsonObject;
import com.google.gson.annotations.SerializedName;
import dev.parley.protocol.WireFormat.OmitIfNull;
import dev.parley.protocol.WireFormat.OmitUnless;
import java.time.Instant;
import java.util.List;

/**
 * A message as one viewer receives it (protocol 4.4). {@code encryptedContent} is that viewer's
 * copy of the opaque body. Thread fields are written only where threads are enabled
 * ({@code threadReplyCount} set), reactions only where reactions are enabled.
 */
public record Message(
        String id,
        @SerializedName("conversation_id") String conversationId,
        @SerializedName("sender_id") String senderId,
        User sender,
        @SerializedName("message_type") String messageType,
        @SerializedName("encrypted_content") String encryptedContent,
        @SerializedName("reply_to_id") String replyToId,
        @SerializedName("reply_to") ReplyPreview replyTo,
        JsonObject metadata,
        @SerializedName("created_at") Instant createdAt,
        long seq,
        @SerializedName("client_message_id") String clientMessageId,
        @SerializedName("edited_at") Instant editedAt,
        @SerializedName("deleted_at") Instant deletedAt,
        @OmitUnless("thread_reply_count") @SerializedName("thread_root_id") String threadRootId,
        @OmitIfNull @SerializedName("thread_reply_count") Integer threadReplyCount,
        @OmitUnless("thread_reply_count") @SerializedName("thread_last_reply_at") Instant threadLastReplyAt,
        @OmitIfNull List<Reaction> reactions) {

    public Message {
        metadata = metadata == null ? new JsonObject() : metadata;
        reactions = reactions == null ? null : List.copyOf(reactions);
    }

    public boolean isDeleted() {
        return deletedAt != null;
    }
}
