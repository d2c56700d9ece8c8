package dev.parley.core.spi;

/** A participant's read position in a conversation and the unread messages after it. */
public record UnreadCount(long lastReadSeq, int count) {
}
