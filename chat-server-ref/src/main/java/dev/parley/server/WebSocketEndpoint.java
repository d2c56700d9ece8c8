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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.java_websocket.WebSocket;
import org.java_websocket.WebSocketAdapter;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.WebSocketServerFactory;
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

    private final SessionBridge bridge;
    private final HandshakeDeadlines handshaking;
    private final CountDownLatch started = new CountDownLatch(1);
    private final ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "parley-connection-sweep");
        t.setDaemon(true);
        return t;
    });
    private volatile Exception startFailure;

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
    }

    private void sweep() {
        handshaking.closeOverdue(System.nanoTime());
        redemandStrandedWrites();
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
            return delegate.wrapChannel(channel, key);
        }

        @Override
        public void close() {
            delegate.close();
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
