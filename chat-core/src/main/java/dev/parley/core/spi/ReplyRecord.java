package dev.parley.core.spi;

import java.time.Instant;
import java.util.Map;

/** The quoted message of a reply, with the same body rules as {@link MessageRecord}. */
public record ReplyRecord(String id, String senderId, String content, Map<String, String> contents, Instant deletedAt) {
    public ReplyRecord {
        contents = contents == null ? null : Map.copyOf(contents);
    }

    public String contentFor(String viewerId) {
        if (deletedAt != null) {
            return null;
        }
        return contents == null ? content : contents.get(viewerId);
    }
}
