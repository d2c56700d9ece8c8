package dev.parley.loadtest;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One simulated client on {@link java.net.http.WebSocket}: connections share the run's few
 * {@link HttpClient}s, whose selector threads and executor serve all of them; no thread per
 * connection. The JDK allows one outstanding text send per socket, so frames queue here and are
 * written one after the other. Protocol decisions are left to {@link Events}.
 */
final class ClientConnection implements WebSocket.Listener {
    /** What the run does with a connection's life events; called on the client's executor threads. */
    interface Events {
        void opened(ClientConnection connection);

        void frame(ClientConnection connection, Frames.Inbound frame, long receivedNanos);

        /** The connection is gone: closed by either side, failed to connect, or broke. */
        void closed(ClientConnection connection, String cause, boolean requested);
    }

    enum State { CONNECTING, AUTHENTICATED, JOINED, FAILED }

    /** Frames waiting for the socket before new ones are dropped: bounds memory when a server stops reading. */
    static final int MAX_QUEUED_FRAMES = 10_000;

    final int index;
    final Room room;
    final boolean sender;
    private final Events events;
    private final Metrics metrics;
    private volatile WebSocket socket;
    private final AtomicReference<State> state = new AtomicReference<>(State.CONNECTING);
    private volatile String userId;
    private volatile String token;
    private final AtomicBoolean gone = new AtomicBoolean();
    private volatile boolean closeRequested;
    private final ArrayDeque<String> outbound = new ArrayDeque<>();
    private boolean writing; // guarded by outbound
    private StringBuilder partial;
    /** Sends not yet answered by {@code message_sent} or {@code error}. */
    final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong seq = new AtomicLong();

    ClientConnection(int index, Room room, boolean sender, Events events, Metrics metrics) {
        this.index = index;
        this.room = room;
        this.sender = sender;
        this.events = events;
        this.metrics = metrics;
    }

    void connect(HttpClient client, URI uri, Duration timeout, String bearerToken) {
        token = bearerToken;
        try {
            client.newWebSocketBuilder()
                    .connectTimeout(timeout)
                    .buildAsync(uri, this)
                    .whenComplete((ws, failure) -> {
                        if (failure != null) {
                            gone("CONNECT_FAILED", false);
                        }
                    });
        } catch (RuntimeException e) {
            gone("CONNECT_FAILED", false);
        }
    }

    State state() {
        return state.get();
    }

    /** Moves from {@code expected} to {@code next}; false if another thread moved first. */
    boolean transition(State expected, State next) {
        return state.compareAndSet(expected, next);
    }

    String token() {
        return token;
    }

    String userId() {
        return userId;
    }

    void userId(String id) {
        userId = id;
    }

    boolean isOpen() {
        return socket != null && !gone.get();
    }

    long nextSeq() {
        return seq.incrementAndGet();
    }

    /** Queues a text frame; false if the connection is not open or its queue is full. */
    boolean send(String text) {
        WebSocket ws = socket;
        if (ws == null || gone.get() || closeRequested) {
            return false;
        }
        synchronized (outbound) {
            if (writing) {
                if (outbound.size() >= MAX_QUEUED_FRAMES) {
                    metrics.error("SEND_QUEUE_FULL");
                    return false;
                }
                outbound.add(text);
                return true;
            }
            writing = true;
        }
        write(ws, text);
        return true;
    }

    private void write(WebSocket ws, String first) {
        String text = first;
        while (text != null) {
            CompletableFuture<WebSocket> done;
            try {
                done = ws.sendText(text, true);
            } catch (RuntimeException e) {
                done = CompletableFuture.failedFuture(e);
            }
            if (!done.isDone()) {
                done.whenComplete((w, failure) -> {
                    if (failure != null) {
                        sendFailed();
                    }
                    write(ws, nextQueued());
                });
                return;
            }
            if (done.isCompletedExceptionally()) {
                sendFailed();
            }
            text = nextQueued();
        }
    }

    private String nextQueued() {
        synchronized (outbound) {
            String next = outbound.poll();
            if (next == null) {
                writing = false;
            }
            return next;
        }
    }

    private void sendFailed() {
        if (!closeRequested) {
            metrics.error("SEND_FAILED");
        }
    }

    /** Starts a normal close (1000); the connection counts as gone when the server answers or at {@link #abort()}. */
    void close() {
        closeRequested = true;
        WebSocket ws = socket;
        if (ws == null) {
            return;
        }
        try {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").whenComplete((w, failure) -> {
                if (failure != null) {
                    abort();
                }
            });
        } catch (RuntimeException e) {
            abort();
        }
    }

    /** Drops the TCP connection at once. */
    void abort() {
        closeRequested = true;
        WebSocket ws = socket;
        if (ws != null) {
            ws.abort();
        }
        gone("ABORTED", true);
    }

    private void gone(String cause, boolean requested) {
        if (gone.compareAndSet(false, true)) {
            if (socket != null) {
                metrics.openConnections.decrementAndGet();
            }
            events.closed(this, cause, requested || closeRequested);
        }
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        socket = webSocket;
        metrics.openConnections.incrementAndGet();
        webSocket.request(Long.MAX_VALUE);
        events.opened(this);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        if (!last) {
            if (partial == null) {
                partial = new StringBuilder(data.length() * 2);
            }
            partial.append(data);
            return null;
        }
        String text;
        if (partial != null) {
            text = partial.append(data).toString();
            partial = null;
        } else {
            text = data.toString();
        }
        long now = metrics.now();
        events.frame(this, Frames.parse(text), now);
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        if (last) {
            metrics.error("UNEXPECTED_BINARY_FRAME");
        }
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        gone("CLOSED_" + statusCode, false);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        gone("CONNECTION_ERROR", false);
    }
}
