package dev.parley.core.spi;

import java.time.Instant;

/** A published file and the message that carries it. */
public record FileRecord(
        String fileId,
        String conversationId,
        String messageId,
        String uploaderId,
        String name,
        String mimeType,
        long size,
        String sha256,
        Instant createdAt) {
}
