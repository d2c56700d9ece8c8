package dev.parley.loadtest;

import dev.parley.core.ChatEngine;
import dev.parley.core.Session;
import dev.parley.core.spi.Transport;
import java.net.InetAddress;
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
import org.java_websocket.WebSocketImpl;
import org.java_websocket.exceptions.WebsocketNotConnectedException;
import org.java_websocket.framing.Framedata;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.server.WebSocketServer;

/** A real Parley engine behind a small Java-WebSocket server on a free loopback port, for end-to-end tests. */
final class EngineServer extends WebSocketServer implements AutoCloseable {
    private final ChatEngine engine;
    private final CountDownLatch started = new CountDownLatch(1);
    /** Java-WebSocket can leave a queued frame unwritten until the next one (the reference server sweeps the same way). */
    private final java.util.Timer strandedWrites = new java.util.Timer("stranded-writes", true);

    private EngineServer(ChatEngine engine) {
        super(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        this.engine = engine;
        setReuseAddr(true);
        setTcpNoDelay(true); // with Nagle, small answers wait for the client's delayed ACK (about 40 ms)
    }

    static EngineServer start(ChatEngine engine) throws InterruptedException {
        EngineServer server = new EngineServer(engine);
        engine.start();
        server.start();
        if (!server.started.await(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the test server did not start");
        }
        return server;
    }

    URI uri() {
        return URI.create("ws://127.0.0.1:" + getPort() + "/ws");
    }

    ChatEngine engine() {
        return engine;
    }

    @Override
    public void onStart() {
        strandedWrites.schedule(new java.util.TimerTask() {
            @Override
            public void run() {
                getConnections().stream().filter(WebSocket::hasBufferedData).forEach(EngineServer.this::onWriteDemand);
            }
        }, 50, 50);
        started.countDown();
    }

    @Override
    public void onOpen(WebSocket conn, ClientHandshake handshake) {
        conn.setAttachment(engine.openSession(new ConnectionTransport(conn, handshake), null));
    }

    @Override
    public void onMessage(WebSocket conn, String message) {
        Session session = conn.getAttachment();
        if (session != null) {
            session.onText(message);
        }
    }

    @Override
    public void onMessage(WebSocket conn, ByteBuffer message) {
        Session session = conn.getAttachment();
        if (session != null) {
            session.onBinary();
        }
    }

    @Override
    public void onWebsocketPong(WebSocket conn, Framedata pong) {
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
        if (conn != null && conn.getAttachment() instanceof Session session) {
            session.onClose();
        }
    }

    @Override
    public void close() throws InterruptedException {
        strandedWrites.cancel();
        engine.close();
        stop(2000);
    }

    private record ConnectionTransport(WebSocket conn, Map<String, String> headers) implements Transport {
        ConnectionTransport(WebSocket conn, ClientHandshake handshake) {
            this(conn, lowerCaseHeaders(handshake));
        }

        private static Map<String, String> lowerCaseHeaders(ClientHandshake handshake) {
            Map<String, String> headers = new HashMap<>();
            for (Iterator<String> it = handshake.iterateHttpFields(); it.hasNext(); ) {
                String name = it.next();
                headers.put(name.toLowerCase(Locale.ROOT), handshake.getFieldValue(name));
            }
            return Map.copyOf(headers);
        }

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
            long bytes = 0;
            if (conn instanceof WebSocketImpl impl) {
                for (ByteBuffer b : impl.outQueue) {
                    bytes += b.remaining();
                }
            }
            return bytes;
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return conn.getRemoteSocketAddress();
        }

        @Override
        public void ping() {
            if (conn.isOpen()) {
                conn.sendPing();
            }
        }
    }
}
