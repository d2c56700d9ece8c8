package dev.parley.core.spi;

import dev.parley.protocol.model.ConversationType;
import dev.parley.protocol.model.Participant;
import java.time.Instant;
import java.util.List;

/**
 * A conversation as loaded for one viewer: its stored fields, its active participants (creator
 * first), the newest non-deleted message with the viewer's copy, and the viewer's unread count
 * (non-deleted messages of other users after the viewer's read position).
 */
public record ConversationRecord(
        String id,
        ConversationType type,
        String name,
        String description,
        String avatarUrl,
        String createdBy,
        Instant createdAt,
        Instant updatedAt,
        List<Participant> participants,
        MessageRecord latestMessage,
        int unreadCount,
        long latestSeq,
        long lastReadSeq) {

    public ConversationRecord {
        participants = List.copyOf(participants);
    }

    public List<String> participantIds() {
        return participants.stream().map(Participant::userId).toList();
    }
}
