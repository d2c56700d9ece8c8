package dev.parley.core.spi;

import com.google.gson.JsonObject;
import java.util.Map;

/**
 * A message to append. Exactly one of {@code content} and {@code contents} is set (or neither, for a
 * file message without a caption). {@code clientMessageId} may be {@code null}.
 */
public record NewMessage(
        String conversationId,
        String senderId,
        String messageType,
        String content,
        Map<String, String> contents,
        String replyToId,
        String threadRootId,
        String clientMessageId,
        JsonObject metadata) {

    public NewMessage {
        contents = contents == null ? null : Map.copyOf(contents);
        metadata = metadata == null ? new JsonObject() : metadata.deepCopy();
    }
}
