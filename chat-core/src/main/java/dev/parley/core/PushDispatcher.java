package dev.parley.core;

import dev.parley.core.spi.ChatStore;
import dev.parley.core.spi.MessageRecord;
import dev.parley.core.spi.PresenceStore;
import dev.parley.core.spi.PushNotification;
import dev.parley.core.spi.PushNotifier;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands stored messages to the {@link PushNotifier} off the send path: the send path only offers
 * the message to a bounded queue (dropping, and counting, when it is full); one daemon thread
 * finds each message's offline participants and delivers them in batches.
 */
final class PushDispatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PushDispatcher.class);
    private static final int QUEUE_CAPACITY = 10_000;
    private static final int MAX_BATCH = 100;

    private final PushNotifier notifier;
    private final ChatStore store;
    private final PresenceStore presence;
    private final Counters counters;
    private final BlockingQueue<MessageRecord> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final Thread thread;
    private volatile boolean running = true;

    PushDispatcher(PushNotifier notifier, ChatStore store, PresenceStore presence, Counters counters) {
        this.notifier = notifier;
        this.store = store;
        this.presence = presence;
        this.counters = counters;
        this.thread = new Thread(this::run, "parley-push");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Called on the send path after the message is stored; never blocks. */
    void messageStored(MessageRecord message) {
        if (!queue.offer(message)) {
            counters.increment("pushDropped");
        }
    }

    private void run() {
        List<MessageRecord> drained = new ArrayList<>();
        while (running || !queue.isEmpty()) {
            try {
                MessageRecord first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                drained.add(first);
                queue.drainTo(drained, MAX_BATCH - 1);
                List<PushNotification> batch = new ArrayList<>();
                // One participant lookup per conversation of the batch, not one per message.
                Map<String, List<String>> participants = new HashMap<>();
                for (MessageRecord m : drained) {
                    batch.addAll(notificationsFor(m,
                            participants.computeIfAbsent(m.conversationId(), store::participantIds)));
                }
                drained.clear();
                if (!batch.isEmpty()) {
                    notifier.deliver(batch);
                    counters.add("pushNotifications", batch.size());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                drained.clear();
                counters.increment("pushFailures");
                log.warn("Push notifier failed; the batch was dropped", e);
            }
        }
    }

    private List<PushNotification> notificationsFor(MessageRecord m, List<String> participantIds) {
        List<String> others = new ArrayList<>(participantIds);
        others.remove(m.senderId());
        Set<String> online = presence.online(others);
        List<PushNotification> list = new ArrayList<>();
        String senderName = m.sender() == null ? m.senderId() : m.sender().displayName();
        for (String userId : others) {
            if (!online.contains(userId)) {
                list.add(new PushNotification(userId, m.conversationId(), m.id(), m.seq(), m.senderId(), senderName,
                        m.messageType(), m.createdAt()));
            }
        }
        return list;
    }

    /** Delivers what is queued (for at most a few seconds), then stops. */
    @Override
    public void close() {
        running = false;
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        thread.interrupt();
    }
}
