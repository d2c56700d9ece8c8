package dev.parley.core.spi;

import java.time.Instant;

/**
 * A new message for a participant who has no live connection. It carries no message body: bodies
 * may be end-to-end encrypted, and a push service is a third party; the app fetches the message
 * when it wakes.
 */
public record PushNotification(
        String userId,
        String conversationId,
        String messageId,
        long seq,
        String senderId,
        String senderName,
        String messageType,
        Instant createdAt) {
}
