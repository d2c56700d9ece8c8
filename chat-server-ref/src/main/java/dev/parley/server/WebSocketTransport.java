package dev.parley.server;

import dev.parley.core.spi.Transport;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.java_websocket.WebSocket;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.exceptions.WebsocketNotConnectedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's view of one Java-WebSocket connection. Sending only encodes the frame and queues
 * it for the selector thread, so it never blocks on the network. Sends are serialized here because
 * the library's frame encoder (and its deflater) is not safe for concurrent use, and so that
 * frames leave in the order the engine sent them.
 */
final class WebSocketTransport implements Transport {
    private static final Logger log = LoggerFactory.getLogger(WebSocketTransport.class);

    private final WebSocket conn;
    private final Map<String, String> headers;
    private final InetSocketAddress remote;
    private final String label;

    WebSocketTransport(WebSocket conn, Map<String, String> headers, InetSocketAddress remote, String label) {
        this.conn = conn;
        this.headers = Map.copyOf(headers);
        this.remote = remote;
        this.label = label;
    }

    @Override
    public boolean send(String text) {
        synchronized (this) {
            if (!conn.isOpen()) {
                return false;
            }
            try {
                conn.send(text);
            } catch (WebsocketNotConnectedException closedMeanwhile) {
                return false;
            }
        }
        if (log.isDebugEnabled()) {
            log.debug("{} out text {} bytes type={}", label, text.getBytes(StandardCharsets.UTF_8).length,
                    FrameSummary.typeOf(text));
        }
        return true;
    }

    @Override
    public void close(int code, String reason) {
        // Not under this lock: the library's close holds the connection's monitor and may call back
        // into the engine; a close frame needs no deflater, so it is safe to encode concurrently.
        conn.close(code, reason);
        log.debug("{} close {} {}", label, code, reason);
    }

    /** Encoded bytes in the connection's outgoing queue, partly written buffers counted by what is left. */
    @Override
    public long bufferedBytes() {
        if (!(conn instanceof WebSocketImpl impl)) {
            return 0;
        }
        long total = 0;
        for (ByteBuffer buf : impl.outQueue) {
            total += buf.remaining();
        }
        return total;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    @Override
    public Map<String, String> headers() {
        return headers;
    }

    @Override
    public void ping() {
        synchronized (this) {
            if (!conn.isOpen()) {
                return;
            }
            try {
                conn.sendPing();
            } catch (WebsocketNotConnectedException closedMeanwhile) {
                return;
            }
        }
        log.debug("{} out ping", label);
    }

    @Override
    public String toString() {
        return label;
    }
}
