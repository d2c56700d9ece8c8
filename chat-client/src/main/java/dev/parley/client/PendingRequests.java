package dev.parley.client;

import dev.parley.protocol.Envelope;
import dev.parley.protocol.JsonCodec;
import dev.parley.protocol.MessageType;
import dev.parley.protocol.payload.SystemPayloads.ErrorPayload;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Requests waiting for their answer, matched by {@code requestId} only, never by type (protocol
 * 1.4). An {@code error} (or a correlated {@code auth_error}) fails the request with a
 * {@link ChatException}; no answer within the timeout fails it with {@code TIMEOUT}, and a late
 * answer is then dropped. Futures complete on the client thread. Not thread-safe.
 */
final class PendingRequests {
    private final Scheduler scheduler;
    private final JsonCodec codec;
    private final Map<String, Pending> pending = new HashMap<>();

    private record Pending(MessageType type, CompletableFuture<Envelope> future, Scheduler.Cancellable timeout) {
    }

    PendingRequests(Scheduler scheduler, JsonCodec codec) {
        this.scheduler = scheduler;
        this.codec = codec;
    }

    /** Waits for the answer to {@code requestId}; registered before the frame is sent. */
    CompletableFuture<Envelope> register(String requestId, MessageType type, long timeoutMillis) {
        CompletableFuture<Envelope> future = new CompletableFuture<>();
        Scheduler.Cancellable timeout = scheduler.schedule(() -> {
            Pending p = pending.remove(requestId);
            if (p != null) {
                p.future.completeExceptionally(ChatException.local(ChatException.Kind.TIMEOUT,
                        p.type.wireName() + " got no answer within " + timeoutMillis + " ms"));
            }
        }, timeoutMillis);
        pending.put(requestId, new Pending(type, future, timeout));
        return future;
    }

    /** Completes the request this frame answers; {@code false} if it answers none (an event). */
    boolean complete(Envelope frame) {
        if (frame.requestId() == null) {
            return false;
        }
        Pending p = pending.remove(frame.requestId());
        if (p == null) {
            return false;
        }
        p.timeout.cancel();
        MessageType type = frame.messageType();
        if (type == MessageType.ERROR || type == MessageType.AUTH_ERROR) {
            p.future.completeExceptionally(toException(frame));
        } else {
            p.future.complete(frame);
        }
        return true;
    }

    /** Fails one request that could not be sent. */
    void fail(String requestId, ChatException e) {
        Pending p = pending.remove(requestId);
        if (p != null) {
            p.timeout.cancel();
            p.future.completeExceptionally(e);
        }
    }

    /** Fails every waiting request: the connection they went out on is gone. */
    void failAll(ChatException e) {
        List<Pending> all = new ArrayList<>(pending.values());
        pending.clear();
        for (Pending p : all) {
            p.timeout.cancel();
            p.future.completeExceptionally(e);
        }
    }

    int size() {
        return pending.size();
    }

    ChatException toException(Envelope frame) {
        ErrorPayload error;
        try {
            error = codec.readServerPayload(frame.payload(), ErrorPayload.class);
        } catch (RuntimeException e) {
            return ChatException.rejected(null, "unreadable error frame", null);
        }
        return ChatException.rejected(error.code(), error.error(), error.details());
    }
}
