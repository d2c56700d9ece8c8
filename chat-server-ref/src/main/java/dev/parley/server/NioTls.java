package dev.parley.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.Queue;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import org.java_websocket.WebSocketImpl;

/**
 * TLS for one connection of the nio transport, driven by its loop thread only: records read from
 * the socket are unwrapped and handed to the WebSocket decoder, queued frames are wrapped and
 * written, and the handshake's own messages go out on the connection's next flush.
 *
 * <p>The working buffers belong to the loop ({@link LoopBuffers}), shared by all its connections,
 * because data stays in them only for one call; a connection keeps bytes of its own only while it
 * has half a record read or a record the socket did not take ({@code pendingIn}, {@code pendingOut}).
 * An idle TLS connection so costs its {@link SSLEngine}, not three 16 KB buffers. Delegated tasks
 * (key exchange, certificate work) run on the loop: they come once per handshake.
 */
final class NioTls {
    private static final ByteBuffer[] NOTHING = {ByteBuffer.allocate(0)};
    /** Plaintext buffers wrapped per round (each wrap makes at most one record). */
    private static final int MAX_GATHER = 64;

    private final SSLEngine engine;
    /** Received bytes of a record not yet complete; null when there are none. */
    private ByteBuffer pendingIn;
    /** Wrapped bytes the socket has not taken yet; null when there are none. */
    private ByteBuffer pendingOut;

    NioTls(SSLContext context) {
        this.engine = context.createSSLEngine();
        engine.setUseClientMode(false);
    }

    /** Per loop: where records are read into, unwrapped and wrapped during one call. */
    static final class LoopBuffers {
        final ByteBuffer netIn;
        /** Grows if a session's records hold more than the size the engine gave before its handshake. */
        ByteBuffer appIn;
        final ByteBuffer netOut;
        final ByteBuffer[] gather = new ByteBuffer[MAX_GATHER];

        LoopBuffers(SSLContext context) {
            SSLSession session = context.createSSLEngine().getSession();
            netIn = ByteBuffer.allocate(2 * session.getPacketBufferSize());
            appIn = ByteBuffer.allocate(session.getApplicationBufferSize());
            // Room for a few records, so that a burst of small frames leaves in one write.
            netOut = ByteBuffer.allocate(4 * session.getPacketBufferSize());
        }
    }

    /**
     * Reads what the socket has and hands every complete record's plaintext to {@code ws}. Returns
     * the bytes read, or -1 at the end of the stream (also the peer's close_notify). Afterwards,
     * {@link #wantsWrite} says whether the handshake has an answer to send.
     */
    int read(SocketChannel channel, LoopBuffers b, WebSocketImpl ws) throws IOException {
        ByteBuffer in = b.netIn;
        in.clear();
        if (pendingIn != null) {
            in.put(pendingIn);
            pendingIn = null;
        }
        int n = channel.read(in);
        in.flip();
        while (n >= 0 && in.hasRemaining()) {
            if (engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
                // Its answer is made now, so that what follows in the input (the client's request,
                // right behind its Finished) is unwrapped in this call, not after bytes that never come.
                wrapOwnMessagesToPending(b);
            }
            ByteBuffer app = b.appIn;
            app.clear();
            SSLEngineResult r = engine.unwrap(in, app);
            runTasks(r);
            app.flip();
            if (app.hasRemaining()) {
                ws.decode(app);
            }
            if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                return -1;
            }
            if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                b.appIn = ByteBuffer.allocate(Math.max(2 * app.capacity(), engine.getSession().getApplicationBufferSize()));
            } else if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW
                    || r.bytesConsumed() == 0 && r.bytesProduced() == 0) {
                break; // half a record: the rest comes with the next read
            }
        }
        if (n >= 0 && in.hasRemaining()) {
            pendingIn = ByteBuffer.allocate(in.remaining()).put(in).flip();
        }
        return n;
    }

    /** Whether the engine has something to send that nobody queued (handshake messages, close_notify). */
    boolean wantsWrite() {
        return pendingOut != null || engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP;
    }

    /**
     * Writes what the socket did not take last time, the engine's own messages, then the queued
     * plaintext, as records. Returns whether everything was written; if not, the socket is full and
     * the rest waits for writability. Plaintext buffers leave the queue once wholly wrapped.
     */
    boolean flush(SocketChannel channel, LoopBuffers b, Queue<ByteBuffer> plaintext) throws IOException {
        if (pendingOut != null) {
            channel.write(pendingOut);
            if (pendingOut.hasRemaining()) {
                return false;
            }
            pendingOut = null;
        }
        while (true) {
            ByteBuffer out = b.netOut;
            out.clear();
            wrapOwnMessages(out);
            if (engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING && !engine.isOutboundDone()) {
                wrapQueued(out, b.gather, plaintext);
            }
            if (out.position() == 0) {
                return true;
            }
            out.flip();
            channel.write(out);
            if (out.hasRemaining()) {
                pendingOut = ByteBuffer.allocate(out.remaining()).put(out).flip();
                return false;
            }
        }
    }

    /** Queues a close_notify; the next {@link #flush} sends it. */
    void closeOutbound() {
        engine.closeOutbound();
    }

    private void wrapOwnMessagesToPending(LoopBuffers b) throws SSLException {
        ByteBuffer out = b.netOut;
        out.clear();
        wrapOwnMessages(out);
        out.flip();
        if (!out.hasRemaining()) {
            return;
        }
        if (pendingOut == null) {
            pendingOut = ByteBuffer.allocate(out.remaining()).put(out).flip();
        } else {
            pendingOut = ByteBuffer.allocate(pendingOut.remaining() + out.remaining()).put(pendingOut).put(out).flip();
        }
    }

    private void wrapOwnMessages(ByteBuffer out) throws SSLException {
        while (engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
            SSLEngineResult r = engine.wrap(NOTHING, out);
            runTasks(r);
            if (r.getStatus() != SSLEngineResult.Status.OK || r.bytesProduced() == 0) {
                return; // full (the rest goes in the next round) or closed
            }
        }
    }

    private void wrapQueued(ByteBuffer out, ByteBuffer[] gather, Queue<ByteBuffer> plaintext) throws SSLException {
        while (true) {
            int n = 0;
            for (ByteBuffer frame : plaintext) {
                gather[n++] = frame;
                if (n == gather.length) {
                    break;
                }
            }
            if (n == 0) {
                return;
            }
            SSLEngineResult r;
            try {
                r = engine.wrap(gather, 0, n, out);
            } finally {
                Arrays.fill(gather, 0, n, null);
            }
            while (!plaintext.isEmpty() && !plaintext.peek().hasRemaining()) {
                plaintext.poll();
            }
            if (r.getStatus() != SSLEngineResult.Status.OK || r.bytesConsumed() == 0) {
                return; // out is full: written first, then the next round wraps on
            }
        }
    }

    private void runTasks(SSLEngineResult r) {
        if (r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) {
            Runnable task;
            while ((task = engine.getDelegatedTask()) != null) {
                task.run();
            }
        }
    }
}
