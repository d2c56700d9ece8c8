package dev.parley.server.push;

import dev.parley.core.spi.PushNotification;
import dev.parley.core.spi.PushNotifier;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The reference server's default notifier: one log line per notification (ids only, never bodies). */
public final class LoggingPushNotifier implements PushNotifier {
    private static final Logger log = LoggerFactory.getLogger(LoggingPushNotifier.class);

    @Override
    public void deliver(List<PushNotification> batch) {
        for (PushNotification n : batch) {
            log.info("push: user {} has a new message {} (seq {}) in conversation {} from {}", n.userId(), n.messageId(),
                    n.seq(), n.conversationId(), n.senderId());
        }
    }
}
