package dev.parley.server;

import dev.parley.core.ChatEngine;
import dev.parley.core.Session;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.java_websocket.WebSocket;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.framing.CloseFrame;
import org.java_websocket.handshake.ClientHandshake;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What both transports do with a connection: decide its handshake (plain HTTP route, path, origin,
 * per-address limit, draining), open an engine session once it is upgraded, forward its frames, and
 * release what it held when it closes. The transports differ only in how bytes move; everything a
 * client can observe about accepting and serving a connection is decided here, once.
 *
 * <p>Called on the transports' network threads; everything it calls on the engine returns without
 * blocking.
 */
final class SessionBridge {
    private static final Logger log = LoggerFactory.getLogger(SessionBridge.class);
    private static final List<String> WEBSOCKET_PATHS = List.of("/", "/ws");

    private final ChatEngine engine;
    private final HttpRoutes routes;
    private final OriginPolicy origins;
    private final AddressLimiter perAddress;
    private final AtomicLong connectionIds = new AtomicLong();
    private volatile boolean draining;

    /** Per-connection state, kept as the library connection's attachment. */
    private static final class Connection {
        final InetAddress countedAddress;
        volatile Session session;
        volatile WebSocketTransport transport;

        Connection(InetAddress countedAddress) {
            this.countedAddress = countedAddress;
        }
    }

    SessionBridge(ChatEngine engine, HttpRoutes routes, OriginPolicy origins, AddressLimiter perAddress) {
        this.engine = engine;
        this.routes = routes;
        this.origins = origins;
        this.perAddress = perAddress;
    }

    /** From now on upgrades are refused with 503; plain HTTP is still answered. */
    void drain() {
        draining = true;
    }

    /**
     * Decides a request the draft has parsed: plain HTTP gets its route's answer, a refused upgrade
     * its status; an accepted upgrade takes a per-address slot, released by {@link #closed}.
     */
    void handshake(WebSocket conn, ServerDraft draft, ClientHandshake request) {
        String path = pathOf(request.getResourceDescriptor());
        if (!draft.isUpgrade()) {
            draft.answer(routes.answer(path));
            log.debug("http GET {} from {}", path, hostOf(conn));
            return;
        }
        HttpAnswer refusal = refusal(conn, draft, path, request);
        if (refusal != null) {
            draft.answer(refusal);
            log.debug("upgrade refused with {} for {}", refusal.status(), hostOf(conn));
        }
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

    /** The handshake is done: a plain HTTP answer is closed, an upgrade gets its engine session. */
    void opened(WebSocketImpl conn, ClientHandshake handshake) {
        if (((ServerDraft) conn.getDraft()).answered()) {
            conn.close(CloseFrame.NORMAL, "http");
            return;
        }
        Connection c = conn.getAttachment();
        WebSocketTransport transport = new WebSocketTransport(conn, conn.getRemoteSocketAddress(),
                connectionIds.incrementAndGet());
        c.transport = transport;
        try {
            c.session = engine.openSession(transport, tokenOf(handshake));
            log.debug("{} open from {}", transport, hostOf(conn));
        } catch (RuntimeException e) {
            log.error("{} could not open an engine session", transport, e);
            conn.close(CloseFrame.UNEXPECTED_CONDITION, "internal_error");
        }
    }

    void text(WebSocket conn, String message) {
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

    void binary(WebSocket conn, ByteBuffer message) {
        Session session = sessionOf(conn);
        if (session == null) {
            return;
        }
        log.debug("{} in binary {} bytes", labelOf(conn), message.remaining());
        session.onBinary();
    }

    /** A pong, or a client's ping (which the transport answers): either proves the client is alive. */
    void alive(WebSocket conn, String what) {
        Session session = sessionOf(conn);
        if (session != null) {
            log.debug("{} in {}", labelOf(conn), what);
            session.onPong();
        }
    }

    void closed(WebSocket conn, int code, boolean remote) {
        Connection c = conn.getAttachment();
        if (c == null) {
            return;
        }
        if (c.countedAddress != null) {
            perAddress.release(c.countedAddress);
        }
        Session session = c.session;
        if (session != null) {
            log.debug("{} closed {} by {}", c.transport, code, remote ? "peer" : "server");
            session.onClose();
        }
    }

    void failed(WebSocket conn, Exception ex) {
        log.debug("{} connection error: {}", labelOf(conn), ex.toString());
    }

    private static Session sessionOf(WebSocket conn) {
        Object attachment = conn.getAttachment();
        return attachment instanceof Connection c ? c.session : null;
    }

    private static Object labelOf(WebSocket conn) {
        Object attachment = conn.getAttachment();
        return attachment instanceof Connection c && c.transport != null ? c.transport : "conn-?";
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
