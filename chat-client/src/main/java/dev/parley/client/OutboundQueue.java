package dev.parley.client;

import dev.parley.client.OutgoingMessage.State;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.model.Message;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Sends that the server has not acknowledged yet, in the order they were made.
 *
 * <p>State machine of one entry: {@code PENDING} (waiting) -> in flight (a request is out) ->
 * {@code SENT} on {@code message_sent}, or back to waiting when the connection drops or the
 * request times out, or {@code FAILED} when the server refuses it. Every attempt carries the same
 * {@code clientMessageId}, which the server uses to store the message at most once; each entry's
 * result future completes exactly once. Acknowledged and failed entries leave the queue. Not
 * thread-safe: used on the client thread only.
 */
final class OutboundQueue {
    private final Map<String, Entry> entries = new LinkedHashMap<>();

    static final class Entry {
        final String clientMessageId;
        final String conversationId;
        final String content;
        final Map<String, String> encryptedContents;
        final String messageType;
        final String replyToId;
        final String threadRootId;
        final CompletableFuture<SendResult> result = new CompletableFuture<>();
        State state = State.PENDING;
        String requestId;
        int attempts;
        int timeouts;
        Message message;
        String error;
        ErrorCode code;

        Entry(String clientMessageId, String conversationId, String content, Map<String, String> encryptedContents,
              String messageType, String replyToId, String threadRootId) {
            this.clientMessageId = clientMessageId;
            this.conversationId = conversationId;
            this.content = content;
            this.encryptedContents = encryptedContents;
            this.messageType = messageType;
            this.replyToId = replyToId;
            this.threadRootId = threadRootId;
        }

        boolean inFlight() {
            return requestId != null;
        }

        OutgoingMessage snapshot() {
            return new OutgoingMessage(clientMessageId, conversationId, content, messageType, replyToId, state,
                    attempts, message, error, code, threadRootId);
        }
    }

    /** Queues a new send with a fresh client message id. */
    Entry add(String conversationId, String content, String messageType, String replyToId) {
        return add(conversationId, content, messageType, replyToId, null);
    }

    /** Queues a new send, a reply in the thread of {@code threadRootId} unless that is {@code null}. */
    Entry add(String conversationId, String content, String messageType, String replyToId, String threadRootId) {
        return add(new Entry(UUID.randomUUID().toString(), conversationId, content, null, messageType, replyToId,
                threadRootId));
    }

    /** Queues a new send of per-recipient bodies (user id to ciphertext) with a fresh client message id. */
    Entry add(String conversationId, Map<String, String> encryptedContents, String messageType, String replyToId) {
        return add(new Entry(UUID.randomUUID().toString(), conversationId, null, Map.copyOf(encryptedContents),
                messageType, replyToId, null));
    }

    private Entry add(Entry e) {
        entries.put(e.clientMessageId, e);
        return e;
    }

    /** The entries waiting to go out (pending, not in flight), oldest first. */
    List<Entry> waiting() {
        List<Entry> out = new ArrayList<>();
        for (Entry e : entries.values()) {
            if (!e.inFlight()) {
                out.add(e);
            }
        }
        return out;
    }

    /** Records that an attempt went out under this request id. */
    void inFlight(Entry e, String requestId) {
        if (entries.get(e.clientMessageId) == e) {
            e.requestId = requestId;
            e.attempts++;
        }
    }

    /**
     * Whether this answer belongs to the entry's current attempt: an answer to an earlier attempt
     * that was already given up (timed out, connection dropped) must not change anything.
     */
    boolean isCurrent(Entry e, String requestId) {
        return entries.get(e.clientMessageId) == e && requestId.equals(e.requestId);
    }

    /** The attempt ended without an answer: wait for the next chance. */
    void retryLater(Entry e) {
        if (entries.get(e.clientMessageId) == e) {
            e.requestId = null;
        }
    }

    /** The connection dropped: every attempt in flight waits again. */
    void connectionLost() {
        for (Entry e : entries.values()) {
            e.requestId = null;
        }
    }

    /** The server stored it; the entry leaves the queue and its future completes. */
    void acknowledged(Entry e, Message message) {
        if (entries.remove(e.clientMessageId) != e) {
            return;
        }
        e.state = State.SENT;
        e.message = message;
        e.requestId = null;
        e.result.complete(SendResult.ok(message, e.clientMessageId));
    }

    /** Given up; the entry leaves the queue and its future completes with the reason. */
    void failed(Entry e, String error, ErrorCode code) {
        if (entries.remove(e.clientMessageId) != e) {
            return;
        }
        e.state = State.FAILED;
        e.error = error;
        e.code = code;
        e.requestId = null;
        e.result.complete(SendResult.failed(error, code, e.clientMessageId));
    }

    /** Fails every entry (the client is closing); returns them. */
    List<Entry> failAll(String error) {
        List<Entry> all = new ArrayList<>(entries.values());
        for (Entry e : all) {
            failed(e, error, null);
        }
        return all;
    }

    Entry get(String clientMessageId) {
        return entries.get(clientMessageId);
    }

    List<OutgoingMessage> snapshot() {
        List<OutgoingMessage> out = new ArrayList<>(entries.size());
        for (Entry e : entries.values()) {
            out.add(e.snapshot());
        }
        return List.copyOf(out);
    }

    int size() {
        return entries.size();
    }
}
