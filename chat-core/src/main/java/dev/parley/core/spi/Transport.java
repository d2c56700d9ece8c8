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

    /**
     * Whether this transport can stop reading a connection ({@link #holdReads}). For one that can,
     * the engine holds back a client whose frames wait to be handled by no longer reading them, so
     * that TCP slows the client down, instead of closing the connection at its limit of waiting frames.
     */
    default boolean canHoldReads() {
        return false;
    }

    /**
     * Stops ({@code true}) or resumes ({@code false}) reading this connection's frames; from any
     * thread. Once stopped, the transport hands on at most the frames of bytes it has already read.
     */
    default void holdReads(boolean hold) {
    }
}
