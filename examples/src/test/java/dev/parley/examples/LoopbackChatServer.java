package dev.parley.examples;

import dev.parley.core.ChatEngine;
import dev.parley.core.Session;
import dev.parley.core.spi.Transport;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.java_websocket.WebSocket;
import org.java_websocket.exceptions.WebsocketNotConnectedException;
import org.java_websocket.framing.Framedata;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.server.WebSocketServer;

/** A real engine behind a minimal Java-WebSocket server on a free loopback port, for the network-facing examples. */
final class LoopbackChatServer extends WebSocketServer implements AutoCloseable {
    private final ChatEngine engine;
    private final CountDownLatch started = new CountDownLatch(1);

    private LoopbackChatServer(ChatEngine engine) {
        super(new InetSocketAddress("127.0.0.1", 0));
        this.engine = engine;
        setReuseAddr(true);
    }

    static LoopbackChatServer start(ChatEngine engine) throws InterruptedException {
        engine.start();
        LoopbackChatServer server = new LoopbackChatServer(engine);
        server.start();
        if (!server.started.await(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the WebSocket server did not start");
        }
        return server;
    }

    URI uri() {
        return URI.create("ws://127.0.0.1:" + getPort() + "/");
    }

    @Override
    public void onStart() {
        started.countDown();
    }

    @Override
    public void onOpen(WebSocket conn, ClientHandshake handshake) {
        Map<String, String> headers = new HashMap<>();
        for (Iterator<String> it = handshake.iterateHttpFields(); it.hasNext(); ) {
            String name = it.next();
            headers.put(name.toLowerCase(Locale.ROOT), handshake.getFieldValue(name));
        }
        String query = URI.create(handshake.getResourceDescriptor()).getQuery();
        String token = null;
        if (query != null) {
            for (String pair : query.split("&")) {
                if (pair.startsWith("token=")) {
                    token = pair.substring("token=".length());
                }
            }
        }
        Session session = engine.openSession(new SocketTransport(conn, headers), token);
        conn.setAttachment(session);
    }

    @Override
    public void onMessage(WebSocket conn, String message) {
        Session session = conn.getAttachment();
        session.onText(message);
    }

    @Override
    public void onMessage(WebSocket conn, ByteBuffer message) {
        Session session = conn.getAttachment();
        session.onBinary();
    }

    @Override
    public void onWebsocketPong(WebSocket conn, Framedata f) {
        Session session = conn.getAttachment();
        if (session != null) {
            session.onPong();
        }
    }

    @Override
    public void onClose(WebSocket conn, int code, String reason, boolean remote) {
        Session session = conn.getAttachment();
        if (session != null) {
            session.onClose();
        }
    }

    @Override
    public void onError(WebSocket conn, Exception ex) {
        // A connection error is followed by onClose, which cleans up the session.
    }

    @Override
    public void close() throws InterruptedException {
        engine.close();
        stop(2000);
    }

    private record SocketTransport(WebSocket conn, Map<String, String> headers) implements Transport {
        @Override
        public boolean send(String text) {
            try {
                conn.send(text);
                return true;
            } catch (WebsocketNotConnectedException e) {
                return false;
            }
        }

        @Override
        public void close(int code, String reason) {
            conn.close(code, reason);
        }

        @Override
        public long bufferedBytes() {
            // Java-WebSocket does not expose its outgoing queue; tests never stall a reader.
            return 0;
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return conn.getRemoteSocketAddress();
        }

        @Override
        public void ping() {
            conn.sendPing();
        }
    }
}
