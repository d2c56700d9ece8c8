package dev.parley.server;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.drafts.Draft;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.handshake.ServerHandshake;

/** A real WebSocket client for tests: records every frame and the close, and matches answers by requestId. */
final class WsClient implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(10);

    private final Client client;
    private final List<JsonObject> inbox = new ArrayList<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile int closeCode = -2;
    private volatile String closeReason;
    private volatile short handshakeStatus;
    private final java.util.concurrent.atomic.AtomicInteger pings = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean answerPings = true;
    private volatile CountDownLatch stall;

    private WsClient(URI uri, Draft draft, Map<String, String> headers) {
        this.client = new Client(uri, draft, headers);
    }

    static WsClient connect(URI uri) throws InterruptedException {
        return connect(uri, Map.of());
    }

    static WsClient connect(URI uri, Map<String, String> headers) throws InterruptedException {
        return connect(uri, new Draft_6455(), headers);
    }

    static WsClient connect(URI uri, Draft draft, Map<String, String> headers) throws InterruptedException {
        WsClient c = new WsClient(uri, draft, headers);
        if (!c.client.connectBlocking(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("could not connect to " + uri + " (close code " + c.closeCode + ")");
        }
        return c;
    }

    /** Connects after letting the caller configure the library client (a TLS socket factory, say). */
    static WsClient connecting(URI uri, java.util.function.Consumer<WebSocketClient> configure) throws InterruptedException {
        WsClient c = new WsClient(uri, new Draft_6455(), Map.of());
        configure.accept(c.client);
        if (!c.client.connectBlocking(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("could not connect to " + uri + " (close code " + c.closeCode + ")");
        }
        return c;
    }

    /** Attempts a connection and reports whether the handshake succeeded, without throwing. */
    static WsClient attempt(URI uri, Map<String, String> headers) throws InterruptedException {
        WsClient c = new WsClient(uri, new Draft_6455(), headers);
        c.client.connectBlocking(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        return c;
    }

    boolean isOpen() {
        return client.isOpen();
    }

    WebSocketClient raw() {
        return client;
    }

    String send(String type, JsonObject payload) {
        String id = UUID.randomUUID().toString();
        JsonObject env = new JsonObject();
        env.addProperty("type", type);
        env.add("payload", payload);
        env.addProperty("requestId", id);
        env.addProperty("timestamp", "2025-01-01T00:00:00.000Z");
        client.send(env.toString());
        return id;
    }

    /** Sends a request and returns its answer (the frame carrying its requestId). */
    JsonObject request(String type, JsonObject payload) {
        String id = send(type, payload);
        return await(f -> id.equals(f.get("requestId").getAsString()), "answer to " + type);
    }

    /** Creates a conversation ({@code type} and {@code name} left out when null) and returns its id. */
    String createConversation(String type, String name, String... participantIds) {
        return payload(request("create_conversation", conversationRequest(type, name, participantIds)))
                .get("id").getAsString();
    }

    /** The payload of a {@code create_conversation} request; {@code type} and {@code name} left out when null. */
    static JsonObject conversationRequest(String type, String name, String... participantIds) {
        JsonObject create = new JsonObject();
        if (type != null) {
            create.addProperty("type", type);
        }
        if (name != null) {
            create.addProperty("name", name);
        }
        JsonArray ids = new JsonArray();
        for (String id : participantIds) {
            ids.add(id);
        }
        create.add("participant_ids", ids);
        return create;
    }

    /** Removes and returns the first frame (received or coming) of this type. */
    JsonObject next(String type) {
        return await(f -> type.equals(f.get("type").getAsString()), type);
    }

    JsonObject await(Predicate<JsonObject> match, String what) {
        return await(match, what, WAIT, false);
    }

    /**
     * The answer to the request with this id, or {@code null} when the connection closes before it
     * arrives (the server died, say); fails if neither happens within {@code timeout}.
     */
    JsonObject answerOrClose(String requestId, Duration timeout) {
        return await(f -> requestId.equals(f.get("requestId").getAsString()), "answer to " + requestId, timeout, true);
    }

    /** Drops every frame received so far and not yet taken (events a test does not look at). */
    void discardReceived() {
        synchronized (inbox) {
            inbox.clear();
        }
    }

    private JsonObject await(Predicate<JsonObject> match, String what, Duration timeout, boolean nullOnClose) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (inbox) {
            while (true) {
                for (Iterator<JsonObject> it = inbox.iterator(); it.hasNext(); ) {
                    JsonObject f = it.next();
                    if (match.test(f)) {
                        it.remove();
                        return f;
                    }
                }
                if (nullOnClose && closed.getCount() == 0) {
                    return null;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no " + what + " within " + timeout + "; inbox: " + inbox + "; close " + closeCode);
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(inbox, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted");
                }
            }
        }
    }

    /** Frames of this type received so far (and not yet taken). */
    List<JsonObject> pending(String type) {
        synchronized (inbox) {
            return inbox.stream().filter(f -> type.equals(f.get("type").getAsString())).toList();
        }
    }

    int awaitClose() throws InterruptedException {
        if (!closed.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("connection not closed within " + WAIT);
        }
        return closeCode;
    }

    String closeReason() {
        return closeReason;
    }

    short handshakeStatus() {
        return handshakeStatus;
    }

    /** Ping control frames received from the server. */
    int pingsReceived() {
        return pings.get();
    }

    /** Whether the client answers the server's pings with pongs (as every RFC 6455 client must). */
    void answerPings(boolean answer) {
        answerPings = answer;
    }

    /** Stops reading from the socket (the next frame blocks the reader) until the returned latch is released. */
    CountDownLatch stallReading() {
        CountDownLatch latch = new CountDownLatch(1);
        stall = latch;
        return latch;
    }

    @Override
    public void close() {
        try {
            client.closeBlocking();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static JsonObject payload(JsonObject frame) {
        return frame.getAsJsonObject("payload");
    }

    private final class Client extends WebSocketClient {
        Client(URI uri, Draft draft, Map<String, String> headers) {
            super(uri, draft, headers, (int) WAIT.toMillis());
            setConnectionLostTimeout(0);
        }

        @Override
        public void onOpen(ServerHandshake handshake) {
            handshakeStatus = handshake.getHttpStatus();
        }

        @Override
        public void onWebsocketPing(org.java_websocket.WebSocket conn, org.java_websocket.framing.Framedata f) {
            pings.incrementAndGet();
            if (answerPings) {
                super.onWebsocketPing(conn, f);
            }
        }

        @Override
        public void onMessage(String message) {
            CountDownLatch s = stall;
            if (s != null) {
                try {
                    s.await(WAIT.toMillis() * 6, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            JsonObject frame = JsonParser.parseString(message).getAsJsonObject();
            synchronized (inbox) {
                inbox.add(frame);
                inbox.notifyAll();
            }
        }

        @Override
        public void onMessage(ByteBuffer bytes) {
            throw new AssertionError("the server sent a binary frame");
        }

        @Override
        public void onClose(int code, String reason, boolean remote) {
            closeCode = code;
            closeReason = reason;
            closed.countDown();
            synchronized (inbox) {
                inbox.notifyAll();
            }
        }

        @Override
        public void onError(Exception ex) {
        }
    }
}
