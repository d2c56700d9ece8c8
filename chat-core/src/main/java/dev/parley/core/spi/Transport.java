package dev.parley.core.spi;

import java.net.InetSocketAddress;

/**
 * One client connection as the engine sees it, implemented by a network adapter (the reference
 * server's WebSocket, a test transport). Calls come from engine threads and must not block.
 */
public interface Transport {
    /**
     * Queues one text frame. Returns {@code false} if the connection is closed or closing; the frame
     * is then dropped. Never blocks.
     */
    boolean send(String text);

    /** Starts a close handshake with this code and short ASCII reason; sends queued frames first where possible. */
    void close(int code, String reason);

    /** Bytes queued for this connection and not yet written to the network: the engine's backpressure signal. */
    long bufferedBytes();

    /** The peer address, or {@code null} if unknown. */
    InetSocketAddress remoteAddress();

    /** Sends a protocol-level ping (a WebSocket ping control frame); a transport without one does nothing. */
    default void ping() {
    }
}
