package dev.parley.server;

import dev.parley.core.ChatEngine;
import dev.parley.core.Session;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.java_websocket.WebSocket;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.drafts.Draft;
import org.java_websocket.exceptions.InvalidDataException;
import org.java_websocket.framing.CloseFrame;
import org.java_websocket.framing.Framedata;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.handshake.ServerHandshakeBuilder;
import org.java_websocket.server.WebSocketServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Java-WebSocket server wired to the engine: decides each handshake (plain HTTP route, path,
 * origin, per-address limit, draining), opens an engine session per accepted connection and
 * forwards frames to it. Callbacks run on the library's selector and decoder threads; everything
 * they call on the engine returns without blocking.
 */
final class WebSocketEndpoint extends WebSocketServer {
    private static final Logger log = LoggerFactory.getLogger(WebSocketEndpoint.class);
    /** Accept backlog: bursts of reconnecting clients after a restart should queue, not be refused. */
    private static final int ACCEPT_BACKLOG = 1024;
    private static final List<String> WEBSOCKET_PATHS = List.of("/", "/ws");
    /** How often connections with queued frames but no interest in writing are looked for. */
    private static final long WRITE_SWEEP_MILLIS = 100;

    private final ChatEngine engine;
    private final HttpRoutes routes;
    private final OriginPolicy origins;
    private final AddressLimiter perAddress;
    private final CountDownLatch started = new CountDownLatch(1);
    private final ScheduledExecutorService writeSweeper = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "parley-write-sweep");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong connectionIds = new AtomicLong();
    private volatile Exception startFailure;
    private volatile boolean draining;

    /** Per-connection state, kept as the library connection's attachment. */
    private static final class Connection {
        final InetAddress countedAddress;
        volatile Session session;
        volatile String label;

        Connection(InetAddress countedAddress) {
            this.countedAddress = countedAddress;
        }
    }

    WebSocketEndpoint(InetSocketAddress address, int maxFrameBytes, ChatEngine engine, HttpRoutes routes,
                      OriginPolicy origins, AddressLimiter perAddress) {
        super(address, Math.max(2, Runtime.getRuntime().availableProcessors()), List.of(new ServerDraft(maxFrameBytes)));
        this.engine = engine;
        this.routes = routes;
        this.origins = origins;
        this.perAddress = perAddress;
        setReuseAddr(true);
        setTcpNoDelay(true);
        setMaxPendingConnections(ACCEPT_BACKLOG);
        // The engine runs the heartbeat (ping every pingInterval, close 4004 when idle).
        setConnectionLostTimeout(0);
    }

    /** Waits until the port is bound; rethrows the bind failure. */
    void awaitStarted(long timeoutMillis) throws Exception {
        if (!started.await(timeoutMillis, TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("the WebSocket server did not start within " + timeoutMillis + " ms");
        }
        if (startFailure != null) {
            throw startFailure;
        }
    }

    /** From now on upgrades are refused with 503; plain HTTP is still answered. */
    void drain() {
        draining = true;
    }

    @Override
    public ServerHandshakeBuilder onWebsocketHandshakeReceivedAsServer(WebSocket conn, Draft draft, ClientHandshake request)
            throws InvalidDataException {
        ServerHandshakeBuilder response = super.onWebsocketHandshakeReceivedAsServer(conn, draft, request);
        ServerDraft d = (ServerDraft) draft;
        String path = pathOf(request.getResourceDescriptor());
        if (!d.isUpgrade()) {
            d.answer(routes.answer(path));
            log.debug("http GET {} from {}", path, hostOf(conn));
            return response;
        }
        HttpAnswer refusal = refusal(conn, d, path, request);
        if (refusal != null) {
            d.answer(refusal);
            log.debug("upgrade refused with {} for {}", refusal.status(), hostOf(conn));
        }
        return response;
    }

    /** Why this upgrade is refused, or {@code null} if it is accepted (then a per-address slot is taken). */
    private HttpAnswer refusal(WebSocket conn, ServerDraft d, String path, ClientHandshake request) {
        if (!d.isUpgradeUsable()) {
            return HttpAnswer.text(426, "Unsupported WebSocket version or request\n").withHeader("Sec-WebSocket-Version", "13");
        }
        if (!WEBSOCKET_PATHS.contains(path)) {
            return HttpAnswer.text(404, "Not found\n");
        }
        if (!origins.allows(request.getFieldValue("Origin"), request.getFieldValue("Host"))) {
            return HttpAnswer.text(403, "Origin not allowed\n");
        }
        if (draining) {
            return HttpAnswer.text(503, "Server is shutting down\n").withHeader("Retry-After", "5");
        }
        InetSocketAddress remote = conn.getRemoteSocketAddress();
        InetAddress address = remote == null ? null : remote.getAddress();
        if (address != null && !perAddress.tryAcquire(address)) {
            log.warn("connection limit per address reached for {}", address.getHostAddress());
            return HttpAnswer.text(503, "Too many connections from this address\n").withHeader("Retry-After", "5");
        }
        conn.setAttachment(new Connection(address));
        return null;
    }

    @Override
    public void onOpen(WebSocket conn, ClientHandshake handshake) {
        if (((ServerDraft) conn.getDraft()).answered()) {
            conn.close(CloseFrame.NORMAL, "http");
            return;
        }
        Connection c = conn.getAttachment();
        String label = "conn-" + connectionIds.incrementAndGet();
        c.label = label;
        WebSocketTransport transport = new WebSocketTransport((WebSocketImpl) conn, this, conn.getRemoteSocketAddress(), label);
        try {
            c.session = engine.openSession(transport, tokenOf(handshake));
            log.debug("{} open from {}", label, hostOf(conn));
        } catch (RuntimeException e) {
            log.error("{} could not open an engine session", label, e);
            conn.close(CloseFrame.UNEXPECTED_CONDITION, "internal_error");
        }
    }

    @Override
    public void onMessage(WebSocket conn, String message) {
        Session session = sessionOf(conn);
        if (session == null) {
            return;
        }
        if (log.isDebugEnabled()) {
            log.debug("{} in text {} bytes type={}", labelOf(conn), message.getBytes(StandardCharsets.UTF_8).length,
                    FrameSummary.typeOf(message));
        }
        session.onText(message);
    }

    @Override
    public void onMessage(WebSocket conn, ByteBuffer message) {
        Session session = sessionOf(conn);
        if (session == null) {
            return;
        }
        log.debug("{} in binary {} bytes", labelOf(conn), message.remaining());
        session.onBinary();
    }

    @Override
    public void onWebsocketPong(WebSocket conn, Framedata f) {
        Session session = sessionOf(conn);
        if (session != null) {
            log.debug("{} in pong", labelOf(conn));
            session.onPong();
        }
    }

    /** A client's ping is answered by the library; it also proves the client is alive. */
    @Override
    public void onWebsocketPing(WebSocket conn, Framedata f) {
        super.onWebsocketPing(conn, f);
        Session session = sessionOf(conn);
        if (session != null) {
            log.debug("{} in ping", labelOf(conn));
            session.onPong();
        }
    }

    @Override
    public void onClose(WebSocket conn, int code, String reason, boolean remote) {
        Connection c = conn.getAttachment();
        if (c == null) {
            return;
        }
        if (c.countedAddress != null) {
            perAddress.release(c.countedAddress);
        }
        Session session = c.session;
        if (session != null) {
            log.debug("{} closed {} by {}", c.label, code, remote ? "peer" : "server");
            session.onClose();
        }
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
        log.debug("{} connection error: {}", labelOf(conn), ex.toString());
    }

    @Override
    public void onStart() {
        writeSweeper.scheduleWithFixedDelay(this::redemandStrandedWrites, WRITE_SWEEP_MILLIS, WRITE_SWEEP_MILLIS,
                TimeUnit.MILLISECONDS);
        started.countDown();
    }

    @Override
    public void stop(int timeout, String closeMessage) throws InterruptedException {
        writeSweeper.shutdownNow();
        super.stop(timeout, closeMessage);
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

    private static Session sessionOf(WebSocket conn) {
        Object attachment = conn.getAttachment();
        return attachment instanceof Connection c ? c.session : null;
    }

    private static String labelOf(WebSocket conn) {
        Object attachment = conn.getAttachment();
        return attachment instanceof Connection c ? c.label : "conn-?";
    }

    private static String hostOf(WebSocket conn) {
        InetSocketAddress remote = conn.getRemoteSocketAddress();
        return remote == null || remote.getAddress() == null ? "?" : remote.getAddress().getHostAddress();
    }

    /** The request path without its query string (which may hold a token and is never logged). */
    static String pathOf(String resourceDescriptor) {
        if (resourceDescriptor == null || resourceDescriptor.isEmpty()) {
            return "/";
        }
        int q = resourceDescriptor.indexOf('?');
        String path = q >= 0 ? resourceDescriptor.substring(0, q) : resourceDescriptor;
        int hash = path.indexOf('#');
        return hash >= 0 ? path.substring(0, hash) : path;
    }

    /** {@code Authorization: Bearer <token>}, else the {@code token} query parameter, else {@code null}. */
    static String tokenOf(ClientHandshake handshake) {
        String authorization = handshake.getFieldValue("Authorization");
        if (authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String token = authorization.substring(7).trim();
            if (!token.isEmpty()) {
                return token;
            }
        }
        String descriptor = handshake.getResourceDescriptor();
        int q = descriptor == null ? -1 : descriptor.indexOf('?');
        if (q < 0) {
            return null;
        }
        for (String pair : descriptor.substring(q + 1).split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals("token")) {
                try {
                    String token = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                    return token.isEmpty() ? null : token;
                } catch (IllegalArgumentException malformed) {
                    return null;
                }
            }
        }
        return null;
    }
}
