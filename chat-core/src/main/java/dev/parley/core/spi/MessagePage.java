package dev.parley.core.spi;

import java.util.List;

/** Messages in ascending {@code seq}; {@code hasMore} is true exactly when older messages exist before the first. */
public record MessagePage(List<MessageRecord> messages, boolean hasMore) {
    public MessagePage {
        messages = List.copyOf(messages);
    }
}
