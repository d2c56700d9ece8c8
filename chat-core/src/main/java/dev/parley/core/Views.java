package dev.parley.core;

import dev.parley.core.spi.ConversationRecord;
import dev.parley.core.spi.MessageRecord;
import dev.parley.core.spi.ReplyRecord;
import dev.parley.protocol.Extension;
import dev.parley.protocol.model.Conversation;
import dev.parley.protocol.model.ConversationType;
import dev.parley.protocol.model.Message;
import dev.parley.protocol.model.Participant;
import dev.parley.protocol.model.ReplyPreview;
import dev.parley.protocol.model.User;
import java.util.Set;

/** Turns stored records into the protocol's resources as one viewer receives them (section 4). */
final class Views {
    private final boolean threads;
    private final boolean reactions;
    private final boolean presence;

    Views(Set<Extension> enabled) {
        this.threads = enabled.contains(Extension.THREADS);
        this.reactions = enabled.contains(Extension.REACTIONS);
        this.presence = enabled.contains(Extension.PRESENCE);
    }

    /** The user with presence fields exactly where the presence extension is enabled. */
    User user(User u) {
        if (u == null) {
            return null;
        }
        if (!presence) {
            return u.status() == null ? u : u.withPresence(null, null, null);
        }
        return u.status() != null ? u : u.withPresence("offline", null, null);
    }

    /** The message with {@code viewerId}'s copy of the body; {@code viewerId} may be null for shared bodies. */
    Message message(MessageRecord r, String viewerId) {
        ReplyRecord rr = r.replyTo();
        ReplyPreview reply = rr == null ? null
                : new ReplyPreview(rr.id(), rr.senderId(), rr.contentFor(viewerId), rr.deletedAt());
        boolean deleted = r.isDeleted();
        return new Message(r.id(), r.conversationId(), r.senderId(), user(r.sender()), r.messageType(),
                r.contentFor(viewerId), r.replyToId(), reply,
                deleted ? new com.google.gson.JsonObject() : r.metadata(), r.createdAt(), r.seq(),
                r.clientMessageId(), r.editedAt(), r.deletedAt(),
                threads ? r.threadRootId() : null,
                threads ? Integer.valueOf(r.threadReplyCount()) : null,
                threads ? r.threadLastReplyAt() : null,
                reactions ? (deleted ? java.util.List.of() : r.reactions()) : null);
    }

    /** The conversation as {@code viewerId} sees it: a direct conversation takes the other user's name and avatar. */
    Conversation conversation(ConversationRecord r, String viewerId) {
        String name = r.name();
        String avatar = r.avatarUrl();
        if (r.type() == ConversationType.DIRECT) {
            for (Participant p : r.participants()) {
                if (!p.userId().equals(viewerId)) {
                    name = p.user().displayName();
                    avatar = p.user().avatarUrl();
                    break;
                }
            }
        }
        return Conversation.builder()
                .id(r.id())
                .type(r.type())
                .name(name)
                .avatarUrl(avatar)
                .description(r.description())
                .createdBy(r.createdBy())
                .createdAt(r.createdAt())
                .updatedAt(r.updatedAt())
                .participants(r.participants().stream()
                        .map(p -> new Participant(p.userId(), p.role(), p.joinedAt(), user(p.user()))).toList())
                .latestMessage(r.latestMessage() == null ? null : message(r.latestMessage(), viewerId))
                .unreadCount(r.unreadCount())
                .latestSeq(r.latestSeq())
                .lastReadSeq(r.lastReadSeq())
                .build();
    }
}
