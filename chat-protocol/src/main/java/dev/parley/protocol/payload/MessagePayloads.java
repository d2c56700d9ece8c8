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
import dev.parley.protocol.WireFormat.OmitIfNull;
import dev.parley.protocol.model.Message;
import java.util.List;
import java.util.Map;

/** Sending and loading messages (3.6, 3.7). */
public final class MessagePayloads {
    private MessagePayloads() {
    }

    /** {@code send_message}: exactly one of {@code content} and {@code encryptedContents}. */
    public record SendMessage(
            @Required @MaxChars(value = 128, invalid = true) String conversationId,
            @MaxBytes(Limit.CONTENT) String content,
            @MaxBytes(Limit.CONTENT) @MaxItems(256) Map<String, String> encryptedContents,
            @OneOf({"text", "image", "file", "system"}) String messageType,
            @MaxChars(value = 128, invalid = true) String replyToId,
            @MaxBytes(Limit.METADATA) JsonObject metadata,
            @Pattern(value = Bodies.CLIENT_MESSAGE_ID, reason = "1 to 64 characters of A-Z a-z 0-9 . _ : -") String clientMessageId,
            @MaxChars(value = 128, invalid = true) String threadRootId) implements Validated {

        @Override
        public void validate(ProtocolLimits limits) {
            Bodies.check(content, encryptedContents, true);
            if ("system".equals(messageType)) {
                throw ProtocolException.invalidData("messageType", "system messages are sent by the server only");
            }
        }

        /** {@code messageType}, defaulting to {@code text}. */
        public String messageTypeOrDefault() {
            return messageType == null ? "text" : messageType;
        }
    }

    /** {@code message_sent}: {@code duplicate} is present (and true) only when replaying an earlier send. */
    public record MessageSent(Message message, @OmitIfNull Boolean duplicate) {
        public static MessageSent of(Message message, boolean duplicate) {
            return new MessageSent(message, duplicate ? Boolean.TRUE : null);
        }
    }

    /** {@code message_received}. */
    public record MessageReceived(Message message) {
    }

    /** {@code load_messages}: the newest page. */
    public record LoadMessages(
            @Required @MaxChars(value = 128, invalid = true) String conversationId,
            @Range(min = 1) Integer limit,
            Boolean markRead,
            Boolean includeDeleted,
            Boolean excludeThreadReplies) {

        public int pageSize(ProtocolLimits limits) {
            return Pages.size(limit, limits);
        }
    }

    /** {@code load_more_messages}: the page before {@code beforeMessageId}. */
    public record LoadMoreMessages(
            @Required @MaxChars(value = 128, invalid = true) String conversationId,
            @Required @MaxChars(value = 128, invalid = true) String beforeMessageId,
            @Range(min = 1) Integer limit,
            Boolean includeDeleted,
            Boolean excludeThreadReplies) {

        public int pageSize(ProtocolLimits limits) {
            return Pages.size(limit, limits);
        }
    }

    /** {@code messages_loaded}: {@code readState} only where receipts are enabled. */
    public record MessagesLoaded(
            String conversationId,
            List<Message> messages,
            boolean hasMore,
            @OmitIfNull List<ReceiptPayloads.ReadState> readState) {
    }

    /** The page size rule of 3.7: default when absent, larger values clamped. */
    static final class Pages {
        private Pages() {
        }

        static int size(Integer requested, ProtocolLimits limits) {
            return requested == null ? limits.defaultPageSize() : Math.min(requested, limits.maxPageSize());
        }
    }
}
