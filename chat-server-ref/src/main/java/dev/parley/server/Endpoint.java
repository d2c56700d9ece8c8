package dev.parley.server;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * The listening side of the server: a transport that accepts connections and hands their events to
 * a {@link SessionBridge}. Two exist: {@link WebSocketEndpoint} (Java-WebSocket's own server, the
 * default, with TLS) and {@link NioEndpoint} (Parley's selector loops on Java-WebSocket's framing).
 */
interface Endpoint {
    /**
     * How long a new connection may take to send its whole request (WebSocket upgrade or plain
     * HTTP) before it is closed: a silent client, or one sending its headers a byte at a time, would
     * otherwise hold a socket for as long as it likes.
     */
    Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    /**
     * How long a closing connection may take to close its side after ours is shut. Closing a socket
     * with unread input makes the kernel send a reset, which can overtake our close frame (a client
     * sending an oversized frame would then see 1006 instead of 1009), so both transports shut
     * their output, read and drop what still comes, and close on the client's end of stream or
     * after this long.
     */
    Duration CLOSE_LINGER = Duration.ofSeconds(2);

    /** Starts listening in the background; {@link #awaitStarted} waits for the port. */
    void start();

    /** Waits until the port is bound; rethrows the bind failure. */
    void awaitStarted(long timeoutMillis) throws Exception;

    /** Closes every connection with 1001 and {@code closeMessage}, waits up to {@code timeoutMillis} for them, stops. */
    void stop(int timeoutMillis, String closeMessage) throws InterruptedException;

    /** The bound port (the configured one, or the one chosen for port 0). */
    int getPort();

    /** The address the endpoint was asked to bind. */
    InetSocketAddress getAddress();
}
