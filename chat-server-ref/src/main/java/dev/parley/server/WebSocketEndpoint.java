package dev.parley.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import org.java_websocket.WebSocket;
import org.java_websocket.WebSocketAdapter;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.WebSocketServerFactory;
import org.java_websocket.WrappedByteChannel;
import org.java_websocket.interfaces.ISSLChannel;
import org.java_websocket.drafts.Draft;
import org.java_websocket.exceptions.InvalidDataException;
import org.java_websocket.framing.Framedata;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.handshake.ServerHandshakeBuilder;
import org.java_websocket.server.WebSocketServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default transport: Java-WebSocket's server (one selector thread, decoder threads, TLS through
 * the library's SSL channel), its events handed to the {@link SessionBridge}. A connection that has
 * not sent its whole request within the handshake timeout is closed, as on the nio transport.
 */
final class WebSocketEndpoint extends WebSocketServer implements Endpoint {
    private static final Logger log = LoggerFactory.getLogger(WebSocketEndpoint.class);
    /** Accept backlog: bursts of reconnecting clients after a restart should queue, not be refused. */
    static final int ACCEPT_BACKLOG = 1024;
    /**
     * How often connections past their handshake deadline, and connections with queued frames but no
     * interest in writing, are looked for.
     */
    private static final long SWEEP_MILLIS = 100;
    private static final long LINGER_NANOS = CLOSE_LINGER.toNanos();
    /** At most this much is read from a closed connection; a client still sending after it gets a reset. */
    private static final int MAX_LINGER_BYTES = 4 * 1024 * 1024;

    private final SessionBridge bridge;
    private final HandshakeDeadlines handshaking;
    private final CountDownLatch started = new CountDownLatch(1);
    private final ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "parley-connection-sweep");
        t.setDaemon(true);
        return t;
    });
    private volatile Exception startFailure;
    /** Channels the library closed that still wait for their client's end of stream; read by each sweep. */
    private final Queue<DrainingChannel> lingering = new ConcurrentLinkedQueue<>();

    /**
     * {@code connections} makes the library's TLS channels ({@code DefaultSSLWebSocketServerFactory})
     * or plain ones ({@code DefaultWebSocketServerFactory}).
     */
    WebSocketEndpoint(InetSocketAddress address, int maxFrameBytes, SessionBridge bridge,
                      WebSocketServerFactory connections, Duration handshakeTimeout) {
        super(address, Math.max(2, Runtime.getRuntime().availableProcessors()), List.of(new ServerDraft(maxFrameBytes)));
        this.bridge = bridge;
        this.handshaking = new HandshakeDeadlines(handshakeTimeout);
        setWebSocketFactory(new ArrivalRecorder(connections));
        setReuseAddr(true);
        setTcpNoDelay(true);
        setMaxPendingConnections(ACCEPT_BACKLOG);
        // The engine runs the heartbeat (ping every pingInterval, close 4004 when idle).
        setConnectionLostTimeout(0);
    }

    @Override
    public void awaitStarted(long timeoutMillis) throws Exception {
        if (!started.await(timeoutMillis, TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("the WebSocket server did not start within " + timeoutMillis + " ms");
        }
        if (startFailure != null) {
            throw startFailure;
        }
    }

    @Override
    public ServerHandshakeBuilder onWebsocketHandshakeReceivedAsServer(WebSocket conn, Draft draft, ClientHandshake request)
            throws InvalidDataException {
        ServerHandshakeBuilder response = super.onWebsocketHandshakeReceivedAsServer(conn, draft, request);
        bridge.handshake(conn, (ServerDraft) draft, request);
        return response;
    }

    @Override
    public void onOpen(WebSocket conn, ClientHandshake handshake) {
        bridge.opened((WebSocketImpl) conn, handshake);
    }

    @Override
    public void onMessage(WebSocket conn, String message) {
        bridge.text(conn, message);
    }

    @Override
    public void onMessage(WebSocket conn, ByteBuffer message) {
        bridge.binary(conn, message);
    }

    @Override
    public void onWebsocketPong(WebSocket conn, Framedata f) {
        bridge.alive(conn, "pong");
    }

    /** A client's ping is answered by the library; it also proves the client is alive. */
    @Override
    public void onWebsocketPing(WebSocket conn, Framedata f) {
        super.onWebsocketPing(conn, f);
        bridge.alive(conn, "ping");
    }

    @Override
    public void onClose(WebSocket conn, int code, String reason, boolean remote) {
        bridge.closed(conn, code, remote);
    }

    @Override
    public void onError(WebSocket conn, Exception ex) {
        if (conn == null) {
            if (started.getCount() > 0) {
                startFailure = ex;
                started.countDown();
            } else {
                log.error("WebSocket server error", ex);
            }
            return;
        }
        bridge.failed(conn, ex);
    }

    @Override
    public void onStart() {
        sweeper.scheduleWithFixedDelay(this::sweep, SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
        started.countDown();
    }

    @Override
    public void stop(int timeout, String closeMessage) throws InterruptedException {
        sweeper.shutdownNow();
        super.stop(timeout, closeMessage);
        for (DrainingChannel c; (c = lingering.poll()) != null; ) {
            c.closeNow();
        }
    }

    private void sweep() {
        handshaking.closeOverdue(System.nanoTime());
        redemandStrandedWrites();
        lingering.removeIf(DrainingChannel::lingerOn);
    }

    /** Makes connections as {@code delegate} does and notes when each arrived. */
    private final class ArrivalRecorder implements WebSocketServerFactory {
        private final WebSocketServerFactory delegate;

        ArrivalRecorder(WebSocketServerFactory delegate) {
            this.delegate = delegate;
        }

        @Override
        public WebSocketImpl createWebSocket(WebSocketAdapter adapter, Draft draft) {
            return arrived(delegate.createWebSocket(adapter, draft));
        }

        @Override
        public WebSocketImpl createWebSocket(WebSocketAdapter adapter, List<Draft> drafts) {
            return arrived(delegate.createWebSocket(adapter, drafts));
        }

        private WebSocketImpl arrived(WebSocketImpl connection) {
            handshaking.arrived(connection);
            return connection;
        }

        @Override
        public ByteChannel wrapChannel(SocketChannel channel, SelectionKey key) throws IOException {
            ByteChannel wrapped = delegate.wrapChannel(channel, key);
            return wrapped instanceof WrappedByteChannel tls
                    ? new DrainingTlsChannel(tls, channel) : new DrainingChannel(wrapped, channel);
        }

        @Override
        public void close() {
            delegate.close();
        }
    }

    /**
     * A connection's channel that, when the library closes it, ends this side (a TLS close_notify,
     * then the end of stream) and reads what the client still sends until the client's end of
     * stream (at most {@link #LINGER_NANOS} and {@link #MAX_LINGER_BYTES}), as the nio transport
     * does. The library closes the socket right after writing its close frame, and a socket closed
     * with unread input makes the kernel send a reset instead of an end of stream, which can
     * overtake that frame or fail the client's write still under way: a client whose frame was
     * over the limit saw 1006 instead of 1009 (over TLS, one frame of 256 KiB: 6 of 40 connections
     * before, none of 160 after; TlsTest's 64 KiB now and then). A client that waits for the
     * server's end of stream after the close handshake (as RFC 6455 asks) gets it at once.
     */
    private class DrainingChannel implements ByteChannel {
        private final ByteChannel delegate;
        final SocketChannel socket;
        /** Where lingering reads go; made at the close (every open connection has one of these channels). */
        private ByteBuffer sink;
        private long deadline;
        private int drained;
        private boolean closing;

        DrainingChannel(ByteChannel delegate, SocketChannel socket) {
            this.delegate = delegate;
            this.socket = socket;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return delegate.read(dst);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return delegate.write(src);
        }

        @Override
        public boolean isOpen() {
            return delegate.isOpen();
        }

        @Override
        public synchronized void close() {
            if (closing) {
                return;
            }
            closing = true;
            if (!socket.isOpen() || socket.isBlocking()) {
                closeNow();
                return;
            }
            try {
                endOurSide();
            } catch (IOException e) {
                closeNow(); // the client is gone: nothing left to protect
                return;
            }
            sink = ByteBuffer.allocate(16 * 1024);
            deadline = System.nanoTime() + LINGER_NANOS;
            if (!lingerOn()) {
                lingering.add(this);
            }
        }

        /** Ends what this side sends, so the client sees its end of stream and closes its own side. */
        void endOurSide() throws IOException {
            socket.shutdownOutput();
        }

        /** Reads what arrived; closes and returns true at the end of stream, an error, the deadline or the byte limit. */
        synchronized boolean lingerOn() {
            try {
                while (socket.isOpen() && drained < MAX_LINGER_BYTES
                        && System.nanoTime() - deadline < 0) {
                    sink.clear();
                    int n = socket.read(sink);
                    if (n == 0) {
                        return false;
                    }
                    if (n < 0) {
                        break;
                    }
                    drained += n;
                }
            } catch (IOException e) {
                // the client is gone: nothing left to protect
            }
            closeNow();
            return true;
        }

        /** Closes the socket; a TLS channel's own close would send a second close_notify. */
        synchronized void closeNow() {
            sink = null;
            try {
                socket.close();
            } catch (IOException e) {
                log.debug("closing a connection's channel failed: {}", e.toString());
            }
        }
    }

    /** {@link DrainingChannel} over the library's TLS channel, which the library asks for more work. */
    private final class DrainingTlsChannel extends DrainingChannel implements WrappedByteChannel {
        private final WrappedByteChannel tls;

        DrainingTlsChannel(WrappedByteChannel tls, SocketChannel socket) {
            super(tls, socket);
            this.tls = tls;
        }

        /** A close_notify first, which ends the TLS stream cleanly (best effort: a few dozen bytes the socket takes). */
        @Override
        void endOurSide() throws IOException {
            if (tls instanceof ISSLChannel channel) {
                SSLEngine engine = channel.getSSLEngine();
                engine.closeOutbound();
                ByteBuffer alert = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
                engine.wrap(ByteBuffer.allocate(0), alert);
                socket.write(alert.flip());
            }
            super.endOurSide();
        }

        @Override
        public boolean isNeedWrite() {
            return tls.isNeedWrite();
        }

        @Override
        public void writeMore() throws IOException {
            tls.writeMore();
        }

        @Override
        public boolean isNeedRead() {
            return tls.isNeedRead();
        }

        @Override
        public int readMore(ByteBuffer dst) throws IOException {
            return tls.readMore(dst);
        }

        @Override
        public boolean isBlocking() {
            return tls.isBlocking();
        }
    }

    /**
     * Java-WebSocket can lose a write demand: once its selector thread has written a connection's
     * queue empty, it sets the connection's interest back to reads only, without looking again; a
     * frame queued in between (its demand for writing came just before) waits for the next frame
     * to that connection, or the next ping, 30 s later. Connections left that way (frames queued,
     * no interest in writing) are found here and asked to write again.
     */
    private void redemandStrandedWrites() {
        try {
            for (WebSocket c : getConnections()) {
                if (c instanceof WebSocketImpl impl && !impl.outQueue.isEmpty()) {
                    redemandIfStranded(impl);
                }
            }
        } catch (RuntimeException e) {
            log.warn("sweeping for stranded writes failed", e);
        }
    }

    private void redemandIfStranded(WebSocketImpl conn) {
        SelectionKey key = conn.getSelectionKey();
        try {
            if (key != null && key.isValid() && (key.interestOps() & SelectionKey.OP_WRITE) == 0) {
                onWriteDemand(conn);
            }
        } catch (CancelledKeyException e) {
            // Closed meanwhile: nothing left to write; the sweep goes on with the others.
        }
    }
}
