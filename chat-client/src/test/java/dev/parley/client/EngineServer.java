package dev.parley.client;

import dev.parley.core.ChatEngine;
import dev.parley.core.EngineConfig;
import dev.parley.core.Session;
import dev.parley.core.spi.ChatStore;
import dev.parley.core.spi.Transport;
import dev.parley.core.testkit.TestAuthenticator;
import dev.parley.protocol.ProtocolException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.java_websocket.WebSocket;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.exceptions.WebsocketNotConnectedException;
import org.java_websocket.framing.Framedata;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.server.WebSocketServer;

/**
 * The real {@link ChatEngine} behind a real Java-WebSocket server on loopback: what the end-to-end
 * tests talk to until the reference server can be used. Tokens follow {@link TestAuthenticator}.
 */
final class EngineServer implements TestServer {
    private final ChatEngine engine;
    private final Server server;
    private final Map<String, AtomicInteger> framesByType = new ConcurrentHashMap<>();

    private EngineServer(ChatStore store, EngineConfig config, int port) throws InterruptedException {
        engine = ChatEngine.builder().store(store).authenticator(new TestAuthenticator()).config(config).build();
        engine.start();
        server = new Server(new InetSocketAddress("127.0.0.1", port));
        server.start();
        if (!server.started.await(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("server did not start");
        }
    }

    /** Starts on {@code port} (0: an ephemeral one). */
    static EngineServer start(ChatStore store, EngineConfig config, int port) throws InterruptedException {
        return new EngineServer(store, config, port);
    }

    @Override
    public int port() {
        return server.getPort();
    }

    @Override
    public URI uri() {
        return URI.create("ws://127.0.0.1:" + port() + "/");
    }

    ChatEngine engine() {
        return engine;
    }

    @Override
    public ChatStore store() {
        return engine.store();
    }

    @Override
    public int framesReceived(String type) {
        AtomicInteger n = framesByType.get(type);
        return n == null ? 0 : n.get();
    }

    /** Stops like a server process going down: sessions get 1001, then the socket closes. */
    @Override
    public void close() throws InterruptedException {
        server.strandedWrites.cancel();
        engine.close();
        server.stop(2000);
    }

    private final class Server extends WebSocketServer {
        final CountDownLatch started = new CountDownLatch(1);
        /** Java-WebSocket can leave a queued frame unwritten until the next one (the reference server sweeps the same way). */
        final java.util.Timer strandedWrites = new java.util.Timer("stranded-writes", true);

        Server(InetSocketAddress address) {
            super(address);
            setReuseAddr(true);
            setConnectionLostTimeout(0); // the engine runs the heartbeat
        }

        @Override
        public void onStart() {
            strandedWrites.schedule(new java.util.TimerTask() {
                @Override
                public void run() {
                    getConnections().stream().filter(WebSocket::hasBufferedData).forEach(Server.this::onWriteDemand);
                }
            }, 50, 50);
            started.countDown();
        }

        @Override
        public void onOpen(WebSocket conn, ClientHandshake handshake) {
            Map<String, String> headers = new HashMap<>();
            for (Iterator<String> it = handshake.iterateHttpFields(); it.hasNext(); ) {
                String name = it.next();
                headers.put(name.toLowerCase(java.util.Locale.ROOT), handshake.getFieldValue(name));
            }
            conn.setAttachment(engine.openSession(new SocketTransport(conn, headers), null));
        }

        @Override
        public void onMessage(WebSocket conn, String message) {
            try {
                framesByType.computeIfAbsent(engine.codec().decodeFrame(message).type(), k -> new AtomicInteger())
                        .incrementAndGet();
            } catch (ProtocolException e) {
                // the engine answers it
            }
            Session s = conn.getAttachment();
            if (s != null) {
                s.onText(message);
            }
        }

        @Override
        public void onMessage(WebSocket conn, ByteBuffer message) {
            Session s = conn.getAttachment();
            if (s != null) {
                s.onBinary();
            }
        }

        @Override
        public void onWebsocketPong(WebSocket conn, Framedata f) {
            Session s = conn.getAttachment();
            if (s != null) {
                s.onPong();
            }
        }

        @Override
        public void onClose(WebSocket conn, int code, String reason, boolean remote) {
            Session s = conn.getAttachment();
            if (s != null) {
                s.onClose();
            }
        }

        @Override
        public void onError(WebSocket conn, Exception ex) {
            // connection errors end in onClose; server socket errors surface in start()
        }
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
            long total = 0;
            if (conn instanceof WebSocketImpl impl) {
                for (ByteBuffer b : impl.outQueue) {
                    total += b.remaining();
                }
            }
            return total;
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
