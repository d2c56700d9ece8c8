package dev.parley.loadtest;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One simulated client: its place in the layout, its protocol state and its sends in flight. The
 * WebSocket under it is a {@link Link} of one of the run's clients ({@link NioClient} for ws://,
 * {@link JdkLink} for wss://), which reports back through the {@code link...} methods. Protocol
 * decisions are left to {@link Events}.
 */
final class ClientConnection {
    /** What the run does with a connection's life events; called on the clients' threads. */
    interface Events {
        void opened(ClientConnection connection);

        void frame(ClientConnection connection, Frames.Inbound frame, long receivedNanos);

        /** The connection is gone: closed by either side, failed to connect, or broke. */
        void closed(ClientConnection connection, String cause, boolean requested);
    }

    /** The WebSocket under a connection, whichever client carries it; callable from any thread. */
    interface Link {
        /** Queues a text frame; false if the socket cannot take it (its queue is full, or it is gone). */
        boolean sendText(String text);

        /** Starts a normal close (1000). */
        void close();

        /** Drops the TCP connection at once. */
        void abort();
    }

    enum State { CONNECTING, AUTHENTICATED, JOINED, FAILED }

    /** Frames waiting for the socket before new ones are dropped: bounds memory when a server stops reading. */
    static final int MAX_QUEUED_FRAMES = 10_000;

    final int index;
    final Room room;
    final boolean sender;
    final Metrics metrics;
    private final Events events;
    private volatile Link link;
    private final AtomicReference<State> state = new AtomicReference<>(State.CONNECTING);
    private volatile String userId;
    private volatile String token;
    private final AtomicBoolean gone = new AtomicBoolean();
    private volatile boolean closeRequested;
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

    /** The token this connection signs in with, set before it connects. */
    void token(String bearerToken) {
        token = bearerToken;
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
        return link != null && !gone.get();
    }

    long nextSeq() {
        return seq.incrementAndGet();
    }

    /** Queues a text frame; false if the connection is not open or its queue is full. */
    boolean send(String text) {
        Link l = link;
        if (l == null || gone.get() || closeRequested) {
            return false;
        }
        return l.sendText(text);
    }

    /** Starts a normal close (1000); the connection counts as gone when the server answers or at {@link #abort()}. */
    void close() {
        closeRequested = true;
        Link l = link;
        if (l != null) {
            l.close();
        }
    }

    /** Drops the TCP connection at once. */
    void abort() {
        closeRequested = true;
        Link l = link;
        if (l != null) {
            l.abort();
        }
        linkGone("ABORTED", true);
    }

    // ---------------------------------------------------------------- from the link

    void linkOpened(Link opened) {
        link = opened;
        metrics.openConnections.incrementAndGet();
        events.opened(this);
    }

    void linkText(String text) {
        long now = metrics.now();
        events.frame(this, Frames.parse(text), now);
    }

    void linkSendFailed() {
        if (!closeRequested) {
            metrics.error("SEND_FAILED");
        }
    }

    void linkGone(String cause, boolean requested) {
        if (gone.compareAndSet(false, true)) {
            if (link != null) {
                metrics.openConnections.decrementAndGet();
            }
            events.closed(this, cause, requested || closeRequested);
        }
    }
}
