package dev.parley.protocol.payload;

import com.google.gson.JsonObject;
import dev.parley.protocol.ProtocolLimits;
import dev.parley.protocol.Rules.Limit;
import dev.parley.protocol.Rules.MaxBytes;
import dev.parley.protocol.Rules.MaxChars;
import dev.parley.protocol.Rules.MaxItems;
import dev.parley.protocol.Rules.Required;
import dev.parley.protocol.Validated;
import dev.parley.protocol.model.Message;
import java.time.Instant;
import java.util.Map;

/** Edit and delete (6.3). */
public final class EditPayloads {
    private EditPayloads() {
    }

    /** {@code edit_message}: a new body under the rules of {@code send_message}. */
    public record EditMessage(
            @Required @MaxChars(value = 128, invalid = true) String conversationId,
            @Required @MaxChars(value = 128, invalid = true) String messageId,
            @MaxBytes(Limit.CONTENT) String content,
            @MaxBytes(Limit.CONTENT) @MaxItems(256) Map<String, String> encryptedContents,
            @MaxBytes(Limit.METADATA) JsonObject metadata) implements Validated {

        @Override
        public void validate(ProtocolLimits limits) {
            Bodies.check(content, encryptedContents, true);
        }
    }

    /** {@code delete_message}. */
    public record DeleteMessage(
            @Required @MaxChars(value = 128, invalid = true) String conversationId,
            @Required @MaxChars(value = 128, invalid = true) String messageId) {
    }

    /** {@code message_edited}. */
    public record MessageEdited(Message message) {
    }

    /** {@code message_deleted}. */
    public record MessageDeleted(String conversationId, String messageId, Instant deletedAt) {
    }

    /** {@code message_updated}: {@code action} is {@code edited} or {@code deleted}. */
    public record MessageUpdated(String action, Message message) {
    }
}
