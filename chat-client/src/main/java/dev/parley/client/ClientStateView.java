package dev.parley.client;

import com.google.gson.JsonObject;
import dev.parley.protocol.model.Conversation;
import dev.parley.protocol.model.Message;
import dev.parley.protocol.payload.PresencePayloads.PresenceInfo;
import dev.parley.protocol.payload.ReactionPayloads.ReactionUpdated;
import dev.parley.protocol.payload.ReceiptPayloads.ReadReceipt;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * What the outside sees of the client: immutable snapshots that any thread may read, listener
 * callbacks and request results delivered on the listener executor. Published from the client
 * thread, so listeners observe changes in the order they happened.
 */
final class ClientStateView {
    private final Executor executor;
    private final ChatLogger log;
    private final List<ChatListener> listeners = new CopyOnWriteArrayList<>();
    private volatile ConnectionState connection;
    private volatile List<Conversation> conversations = List.of();
    private volatile Set<String> online = Set.of();
    private volatile List<OutgoingMessage> outgoing = List.of();
    private final Map<String, List<Message>> messages = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> typing = new ConcurrentHashMap<>();
    // message extensions (6.1-6.5)
    private final Map<String, MessageThread> threads = new ConcurrentHashMap<>();
    private final Map<String, Integer> unread = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Long>> readPositions = new ConcurrentHashMap<>();
    private final Map<String, PresenceInfo> presence = new ConcurrentHashMap<>();

    ClientStateView(Executor executor, ChatLogger log, ConnectionState initial) {
        this.executor = executor;
        this.log = log;
        this.connection = initial;
    }

    void addListener(ChatListener l) {
        listeners.add(l);
    }

    void removeListener(ChatListener l) {
        listeners.remove(l);
    }

    ConnectionState connection() {
        return connection;
    }

    List<Conversation> conversations() {
        return conversations;
    }

    List<Message> messages(String conversationId) {
        return messages.getOrDefault(conversationId, List.of());
    }

    Set<String> typing(String conversationId) {
        return typing.getOrDefault(conversationId, Set.of());
    }

    Set<String> online() {
        return online;
    }

    List<OutgoingMessage> outgoing() {
        return outgoing;
    }

    MessageThread thread(String conversationId, String rootId) {
        return threads.get(conversationId + '\n' + rootId);
    }

    Integer unreadCount(String conversationId) {
        return unread.get(conversationId);
    }

    Map<String, Long> readPositions(String conversationId) {
        return readPositions.getOrDefault(conversationId, Map.of());
    }

    PresenceInfo presence(String userId) {
        return presence.get(userId);
    }

    void publishConnection(ConnectionState state) {
        if (state.equals(connection)) {
            return;
        }
        connection = state;
        notify(l -> l.onConnectionStateChanged(state));
    }

    void publishConversations(List<Conversation> list) {
        List<Conversation> snapshot = List.copyOf(list);
        conversations = snapshot;
        notify(l -> l.onConversationsChanged(snapshot));
    }

    void publishMessages(String conversationId, List<Message> snapshot) {
        if (snapshot.isEmpty()) {
            messages.remove(conversationId);
        } else {
            messages.put(conversationId, snapshot);
        }
        notify(l -> l.onMessagesChanged(conversationId, snapshot));
    }

    void messageReceived(Message m) {
        notify(l -> l.onMessageReceived(m));
    }

    void publishTyping(String conversationId, Set<String> users) {
        Set<String> snapshot = Set.copyOf(users);
        Set<String> before = snapshot.isEmpty() ? typing.remove(conversationId) : typing.put(conversationId, snapshot);
        if (!snapshot.equals(before == null ? Set.of() : before)) {
            notify(l -> l.onTypingChanged(conversationId, snapshot));
        }
    }

    void publishOnline(Set<String> users) {
        Set<String> snapshot = Set.copyOf(users);
        if (!snapshot.equals(online)) {
            online = snapshot;
            notify(l -> l.onOnlineUsersChanged(snapshot));
        }
    }

    void publishOutgoing(List<OutgoingMessage> queue, OutgoingMessage changed) {
        outgoing = queue;
        notify(l -> l.onOutgoingMessageChanged(changed));
    }

    // ---- message extensions (6.1-6.5) ----

    void publishThread(MessageThread t) {
        threads.put(t.conversationId() + '\n' + t.root().id(), t);
        notify(l -> l.onThreadChanged(t));
    }

    void reactionChanged(ReactionUpdated update) {
        notify(l -> l.onReactionChanged(update));
    }

    void messageEdited(Message m) {
        notify(l -> l.onMessageEdited(m));
    }

    void messageDeleted(Message m) {
        notify(l -> l.onMessageDeleted(m));
    }

    void publishUnread(String conversationId, int count) {
        Integer before = unread.put(conversationId, count);
        if (before == null || before != count) {
            notify(l -> l.onUnreadCountChanged(conversationId, count));
        }
    }

    void publishReadPositions(String conversationId, Map<String, Long> positions) {
        readPositions.put(conversationId, Map.copyOf(positions));
    }

    void readReceipt(ReadReceipt receipt) {
        notify(l -> l.onReadReceipt(receipt));
    }

    void publishPresence(PresenceInfo info) {
        if (!info.equals(presence.put(info.userId(), info))) {
            notify(l -> l.onPresenceChanged(info));
        }
    }

    void event(String type, JsonObject payload) {
        JsonObject copy = payload.deepCopy();
        notify(l -> l.onEvent(type, copy));
    }

    /** Completes a caller's future on the listener executor, so its continuations never run on client threads. */
    <T> void deliver(CompletableFuture<T> target, T value, Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        Runnable complete = () -> {
            if (cause != null) {
                target.completeExceptionally(cause);
            } else {
                target.complete(value);
            }
        };
        run(complete, complete);
    }

    /** Runs an application callback (progress, say) on the listener executor; one that throws is logged. */
    void callback(Runnable call) {
        run(() -> {
            try {
                call.run();
            } catch (RuntimeException e) {
                log.warn("a callback threw", e);
            }
        }, null);
    }

    private void notify(Consumer<ChatListener> call) {
        if (listeners.isEmpty()) {
            return;
        }
        run(() -> {
            for (ChatListener l : listeners) {
                try {
                    call.accept(l);
                } catch (RuntimeException e) {
                    log.warn("a ChatListener threw", e);
                }
            }
        }, null);
    }

    private void run(Runnable task, Runnable ifRejected) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            if (ifRejected != null) {
                ifRejected.run(); // the listener executor is gone: still never leave a caller waiting
            }
        }
    }
}
