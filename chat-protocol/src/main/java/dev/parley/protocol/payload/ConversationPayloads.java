package dev.parley.protocol.payload;

import com.google.gson.annotations.SerializedName;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.ProtocolLimits;
import dev.parley.protocol.Rules.MaxChars;
import dev.parley.protocol.Rules.OneOf;
import dev.parley.protocol.Rules.Required;
import dev.parley.protocol.Validated;
import dev.parley.protocol.WireFormat.Inline;
import dev.parley.protocol.model.Conversation;
import dev.parley.protocol.model.ConversationType;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/** Conversations (3.2 to 3.5). */
public final class ConversationPayloads {
    private ConversationPayloads() {
    }

    /** A request about one conversation: {@code join_conversation}, {@code leave_conversation}, typing. */
    public record ConversationRequest(@Required @MaxChars(value = 128, invalid = true) String conversationId) {
    }

    /** {@code conversations_loaded}. */
    public record ConversationsLoaded(List<Conversation> conversations) {
    }

    /** {@code conversation_joined}: the id as requested, plus the v1 additions. */
    public record ConversationJoined(
            String conversationId,
            Conversation conversation,
            List<String> onlineUserIds,
            List<String> typingUserIds) {
    }

    /** {@code conversation_left}. */
    public record ConversationLeft(String conversationId) {
    }

    /**
     * {@code create_conversation}. The seed's {@code participant_ids} and {@code type} are canonical;
     * the original server's {@code participantIds} and {@code isGroup} are read when they are absent.
     */
    public record CreateConversation(
            @OneOf({"direct", "group"}) String type,
            @Required @SerializedName(value = "participant_ids", alternate = "participantIds") List<String> participantIds,
            String name,
            Boolean isGroup) implements Validated {

        @Override
        public void validate(ProtocolLimits limits) {
            for (String id : participantIds) {
                if (id == null || id.isEmpty()) {
                    throw ProtocolException.invalidData("participant_ids", "must hold non-empty user ids");
                }
            }
            if (distinctParticipantIds().size() > limits.maxGroupSize()) {
                throw ProtocolException.tooManyItems("participant_ids", limits.maxGroupSize() - 1);
            }
            if (name != null && name.codePointCount(0, name.length()) > limits.maxNameChars()) {
                throw ProtocolException.tooManyChars("name", limits.maxNameChars());
            }
        }

        /** The listed ids without duplicates, in the order given. */
        public List<String> distinctParticipantIds() {
            return new ArrayList<>(new LinkedHashSet<>(participantIds));
        }

        /**
         * The requested type; when neither {@code type} nor {@code isGroup} says, {@code direct} for
         * exactly one other user and no name, else {@code group}.
         */
        public ConversationType resolvedType(int otherParticipants) {
            if (type != null) {
                return type.equals("direct") ? ConversationType.DIRECT : ConversationType.GROUP;
            }
            if (isGroup != null) {
                return isGroup ? ConversationType.GROUP : ConversationType.DIRECT;
            }
            return otherParticipants == 1 && (name == null || name.isEmpty())
                    ? ConversationType.DIRECT : ConversationType.GROUP;
        }
    }

    /**
     * {@code conversation_created}: the conversation's fields at the top level (as the late legacy
     * client reads them), the same object under {@code conversation}, and whether it is new.
     */
    public record ConversationCreated(@Inline Conversation summary, Conversation conversation, boolean created) {
        public static ConversationCreated of(Conversation conversation, boolean created) {
            return new ConversationCreated(conversation, conversation, created);
        }
    }
}
