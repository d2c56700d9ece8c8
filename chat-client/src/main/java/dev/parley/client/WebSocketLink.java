package dev.parley.client;

import java.net.URI;
import java.nio.ByteBuffer;
import java.util.Map;
import org.java_websocket.WebSocket;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.exceptions.WebsocketNotConnectedException;
import org.java_websocket.framing.Framedata;
import org.java_websocket.handshake.ServerHandshake;

/**
 * One WebSocket connection attempt. Java-WebSocket calls back on its own read thread; every callback
 * is handed to {@link Events}, which moves it onto the client thread. Only the arrival time is
 * recorded here directly, for the heartbeat.
 */
final class WebSocketLink extends WebSocketClient {
    /** What happened on the socket; called on the socket's thread. */
    interface Events {
        void opened(WebSocketLink link);

        void text(WebSocketLink link, String text);

        void closed(WebSocketLink link, int code, String reason, boolean remote);

        void failed(WebSocketLink link, Exception error);

        /** Anything arrived (data or control frame): the connection is alive. */
        void alive();
    }

    private final Events events;

    WebSocketLink(URI uri, int connectTimeoutMillis, Events events) {
        super(uri, new Draft_6455(), Map.of(), connectTimeoutMillis);
        this.events = events;
        setConnectionLostTimeout(0); // the client runs its own heartbeat (protocol 2.5)
        setTcpNoDelay(true);
    }

    /** Queues a text frame; {@code false} if the socket is not open. Thread-safe. */
    boolean sendText(String text) {
        try {
            send(text);
            return true;
        } catch (WebsocketNotConnectedException e) {
            return false;
        }
    }

    @Override
    public void onOpen(ServerHandshake handshake) {
        events.alive();
        events.opened(this);
    }

    @Override
    public void onMessage(String message) {
        events.alive();
        events.text(this, message);
    }

    @Override
    public void onMessage(ByteBuffer bytes) {
        events.alive(); // binary frames are not part of protocol v1: ignored
    }

    @Override
    public void onWebsocketPing(WebSocket conn, Framedata f) {
        events.alive();
        super.onWebsocketPing(conn, f);
    }

    @Override
    public void onWebsocketPong(WebSocket conn, Framedata f) {
        events.alive();
    }

    @Override
    public void onClose(int code, String reason, boolean remote) {
        events.closed(this, code, reason, remote);
    }

    @Override
    public void onError(Exception ex) {
        events.failed(this, ex);
    }
}
