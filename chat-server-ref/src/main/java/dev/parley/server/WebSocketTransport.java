package dev.parley.server;

import dev.parley.core.spi.Transport;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.drafts.Draft;
import org.java_websocket.extensions.DefaultExtension;
import org.java_websocket.framing.Framedata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's view of one connection, on either transport (both keep a Java-WebSocket
 * {@code WebSocketImpl} per connection). Sending only encodes the frame and queues it for the
 * connection's network thread, so it never blocks on the network. Sends are serialized here because
 * the library's frame encoder (and its deflater) is not safe for concurrent use, and so that
 * frames leave in the order the engine sent them.
 *
 * <p>Frames are queued directly on the connection's out queue rather than through the library's
 * {@code send(String)}, which encodes, validates and copies the text for every recipient. A
 * connection without permessage-deflate gets the {@link SharedFrames shared} encoding of a
 * broadcast; a deflate connection gets its own, from its draft. Either way the transport records
 * each frame's size, so {@link #bufferedBytes()} is O(1) instead of a walk over the queue.
 */
final class WebSocketTransport implements Transport {
    private static final Logger log = LoggerFactory.getLogger(WebSocketTransport.class);

    private final WebSocketImpl conn;
    private final boolean plainFrames;
    private final InetSocketAddress remote;
    /** Names the connection in logs as conn-id (built when logged: a string per connection costs ~48 B). */
    private final long id;

    // Guarded by this: where each recently queued frame starts in the stream of bytes this transport
    // queued, oldest first, as a ring; the queue holds at most the last 'count' of them.
    private long[] starts;
    private int first;
    private int count;
    private long queuedTotal;

    WebSocketTransport(WebSocketImpl conn, InetSocketAddress remote, long id) {
        this.conn = conn;
        this.plainFrames = conn.getDraft() instanceof org.java_websocket.drafts.Draft_6455 d
                && d.getExtension().getClass() == DefaultExtension.class;
        this.remote = remote;
        this.id = id;
    }

    @Override
    public boolean send(String text) {
        synchronized (this) {
            if (!conn.isOpen()) {
                return false;
            }
            queue(plainFrames ? SharedFrames.textFrame(text) : encodeOwn(text));
        }
        if (log.isDebugEnabled()) {
            log.debug("{} out text {} bytes type={}", this, text.getBytes(StandardCharsets.UTF_8).length,
                    FrameSummary.typeOf(text));
        }
        return true;
    }

    /** This connection's own encoding (its negotiated extension, e.g. deflate, keeps per-connection state). */
    private ByteBuffer encodeOwn(String text) {
        Draft draft = conn.getDraft();
        java.util.List<Framedata> frames = draft.createFrames(text, false);
        if (frames.size() == 1) {
            return draft.createBinaryFrame(frames.get(0));
        }
        int size = 0;
        ByteBuffer[] parts = new ByteBuffer[frames.size()];
        for (int i = 0; i < parts.length; i++) {
            parts[i] = draft.createBinaryFrame(frames.get(i));
            size += parts[i].remaining();
        }
        ByteBuffer all = ByteBuffer.allocate(size);
        for (ByteBuffer p : parts) {
            all.put(p);
        }
        return all.flip();
    }

    /** Under this lock: what the library's send does after encoding, plus the size bookkeeping. */
    private void queue(ByteBuffer frame) {
        if (starts == null) {
            starts = new long[4];
        } else if (count == starts.length) {
            long[] grown = new long[count * 2];
            for (int i = 0; i < count; i++) {
                grown[i] = starts[(first + i) % count];
            }
            starts = grown;
            first = 0;
        }
        starts[(first + count) % starts.length] = queuedTotal;
        count++;
        queuedTotal += frame.remaining();
        conn.outQueue.add(frame);
        conn.getWebSocketListener().onWriteDemand(conn);
    }

    @Override
    public void close(int code, String reason) {
        // Not under this lock: the library's close holds the connection's monitor and may call back
        // into the engine; a close frame needs no deflater, so it is safe to encode concurrently.
        conn.close(code, reason);
        log.debug("{} close {} {}", this, code, reason);
    }

    /**
     * Encoded bytes of this transport's frames still in the connection's outgoing queue. The queue
     * is first in, first out, so the frames still queued are the last ones this transport queued:
     * as many as the queue holds (the library's own small control frames count as one of ours, and
     * a partly written frame counts whole).
     */
    @Override
    public synchronized long bufferedBytes() {
        int inQueue = conn.outQueue.size();
        if (inQueue == 0) {
            if (starts != null && starts.length > 64) {
                starts = null; // a burst is over: do not keep its bookkeeping on an idle connection
            }
            count = 0;
            first = 0;
            return 0;
        }
        while (count > inQueue) {
            first = (first + 1) % starts.length;
            count--;
        }
        return count == 0 ? 0 : queuedTotal - starts[first];
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    @Override
    public void ping() {
        synchronized (this) {
            if (!conn.isOpen()) {
                return;
            }
            queue(SharedFrames.ping());
        }
        log.debug("{} out ping", this);
    }

    /** The nio transport's connections can stop reading; Java-WebSocket's server cannot be told to. */
    @Override
    public boolean canHoldReads() {
        return conn instanceof ReadHolding;
    }

    @Override
    public void holdReads(boolean hold) {
        if (conn instanceof ReadHolding holding) {
            holding.holdReads(hold);
        }
    }

    /** A connection whose reading can be stopped and resumed, from any thread. */
    interface ReadHolding {
        void holdReads(boolean hold);
    }

    @Override
    public String toString() {
        return "conn-" + id;
    }

    /** For tests: the ring's capacity, to check that an idle connection drops it. */
    synchronized int bookkeepingSlots() {
        return starts == null ? 0 : starts.length;
    }
}
