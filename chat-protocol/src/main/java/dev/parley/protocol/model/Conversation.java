package dev.parley.protocol.model;

import com.google.gson.annotations.SerializedName;
import java.time.Instant;
import java.util.List;

/**
 * A conversation as one viewer sees it (protocol 4.3). The legacy client reads the
 * {@code conversation_*} spellings and later clients the short ones; both always carry the same
 * value, so build instances with {@link #builder()}, which fills each pair from one value.
 */
public record Conversation(
        String id,
        @SerializedName("conversation_id") String conversationId,
        ConversationType type,
        @SerializedName("conversation_type") ConversationType conversationType,
        String name,
        @SerializedName("conversation_name") String conversationName,
        @SerializedName("avatar_url") String avatarUrl,
        @SerializedName("conversation_avatar_url") String conversationAvatarUrl,
        String description,
        @SerializedName("group_id") String groupId,
        @SerializedName("group_name") String groupName,
        @SerializedName("created_by") String createdBy,
        @SerializedName("created_at") Instant createdAt,
        @SerializedName("updated_at") Instant updatedAt,
        @SerializedName("participant_count") int participantCount,
        List<Participant> participants,
        @SerializedName("latest_message_id") String latestMessageId,
        @SerializedName("latest_message_content") String latestMessageContent,
        @SerializedName("latest_message_sender_id") String latestMessageSenderId,
        @SerializedName("latest_message_sender_username") String latestMessageSenderUsername,
        @SerializedName("latest_message_created_at") Instant latestMessageCreatedAt,
        @SerializedName("last_message_at") Instant lastMessageAt,
        @SerializedName("unread_count") int unreadCount,
        @SerializedName("latest_seq") long latestSeq,
        @SerializedName("last_read_seq") long lastReadSeq) {

    public Conversation {
        participants = participants == null ? List.of() : List.copyOf(participants);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link Conversation} whose alias pairs carry identical values. */
    public static final class Builder {
        private String id;
        private ConversationType type;
        private String name;
        private String avatarUrl;
        private String description;
        private String groupId;
        private String groupName;
        private String createdBy;
        private Instant createdAt;
        private Instant updatedAt;
        private List<Participant> participants = List.of();
        private String latestMessageId;
        private String latestMessageContent;
        private String latestMessageSenderId;
        private String latestMessageSenderUsername;
        private Instant latestMessageCreatedAt;
        private int unreadCount;
        private long latestSeq;
        private long lastReadSeq;

        private Builder() {
        }

        public Builder id(String v) { id = v; return this; }
        public Builder type(ConversationType v) { type = v; return this; }
        public Builder name(String v) { name = v; return this; }
        public Builder avatarUrl(String v) { avatarUrl = v; return this; }
        public Builder description(String v) { description = v; return this; }
        public Builder group(String id, String name) { groupId = id; groupName = name; return this; }
        public Builder createdBy(String v) { createdBy = v; return this; }
        public Builder createdAt(Instant v) { createdAt = v; return this; }
        public Builder updatedAt(Instant v) { updatedAt = v; return this; }
        public Builder participants(List<Participant> v) { participants = v; return this; }
        public Builder unreadCount(int v) { unreadCount = v; return this; }
        public Builder latestSeq(long v) { latestSeq = v; return this; }
        public Builder lastReadSeq(long v) { lastReadSeq = v; return this; }

        /** The newest non-deleted message as this viewer receives it, or {@code null} for none. */
        public Builder latestMessage(Message m) {
            latestMessageId = m == null ? null : m.id();
            latestMessageContent = m == null ? null : m.encryptedContent();
            latestMessageSenderId = m == null ? null : m.senderId();
            latestMessageSenderUsername = m == null || m.sender() == null ? null : m.sender().username();
            latestMessageCreatedAt = m == null ? null : m.createdAt();
            return this;
        }

        public Conversation build() {
            return new Conversation(id, id, type, type, name, name, avatarUrl, avatarUrl, description, groupId,
                    groupName, createdBy, createdAt, updatedAt, participants.size(), participants, latestMessageId,
                    latestMessageContent, latestMessageSenderId, latestMessageSenderUsername, latestMessageCreatedAt,
                    latestMessageCreatedAt, unreadCount, latestSeq, lastReadSeq);
        }
    }
}
