package dev.parley.core.spi;

import java.util.List;

/**
 * Tells offline participants about new messages (a push service, a webhook). The engine calls it
 * from its own dispatcher thread with batches, never on the path that stores and acknowledges a
 * message, so a slow notifier delays only other notifications.
 */
@FunctionalInterface
public interface PushNotifier {
    /** Delivers a batch; exceptions are logged and the batch is dropped. */
    void deliver(List<PushNotification> batch);
}
