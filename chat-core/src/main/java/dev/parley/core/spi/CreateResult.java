package dev.parley.core.spi;

/** A created conversation as its creator sees it; {@code created} is false when an existing direct conversation was returned. */
public record CreateResult(ConversationRecord conversation, boolean created) {
}
