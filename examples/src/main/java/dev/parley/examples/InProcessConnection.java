package dev.parley.examples;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.parley.core.ChatEngine;
import dev.parley.core.Session;
import dev.parley.core.spi.Transport;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The smallest transport there is: frames go straight into the engine's {@link Session} and come back
 * through a queue, with no network in between. A real embedding puts a WebSocket here instead.
 */
final class InProcessConnection implements Transport, AutoCloseable {
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(10);
    private static final AtomicInteger requestIds = new AtomicInteger();

    private final LinkedBlockingDeque<JsonObject> inbox = new LinkedBlockingDeque<>();
    private final Session session;
    private volatile boolean closed;

    InProcessConnection(ChatEngine engine, String token) {
        this.session = engine.openSession(this, token);
    }

    /** Sends one request and waits for the frame that answers it; events seen meanwhile are kept for {@link #next}. */
    JsonObject call(String type, JsonObject payload) {
        String requestId = "req-" + requestIds.incrementAndGet();
        JsonObject frame = new JsonObject();
        frame.addProperty("type", type);
        frame.add("payload", payload);
        frame.addProperty("requestId", requestId);
        session.onText(frame.toString());
        List<JsonObject> skipped = new ArrayList<>();
        try {
            while (true) {
                JsonObject received = take();
                if (requestId.equals(received.get("requestId").getAsString())) {
                    return received;
                }
                skipped.add(received);
            }
        } finally {
            // Events that arrived before the answer stay readable for next(), in their order.
            for (int i = skipped.size() - 1; i >= 0; i--) {
                inbox.addFirst(skipped.get(i));
            }
        }
    }

    /** Waits for the next frame of this type, dropping frames of other types. */
    JsonObject next(String type) {
        while (true) {
            JsonObject frame = take();
            if (type.equals(frame.get("type").getAsString())) {
                return frame;
            }
        }
    }

    private JsonObject take() {
        try {
            JsonObject frame = inbox.poll(ANSWER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (frame == null) {
                throw new IllegalStateException("no frame from the engine within " + ANSWER_TIMEOUT);
            }
            return frame;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the engine", e);
        }
    }

    @Override
    public boolean send(String text) {
        if (closed) {
            return false;
        }
        inbox.add(JsonParser.parseString(text).getAsJsonObject());
        return true;
    }

    @Override
    public void close(int code, String reason) {
        closed = true;
        session.onClose();
    }

    @Override
    public long bufferedBytes() {
        return 0;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return null;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            session.onClose();
        }
    }
}
