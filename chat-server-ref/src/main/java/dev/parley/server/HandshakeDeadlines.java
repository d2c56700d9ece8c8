package dev.parley.server;

import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.enums.ReadyState;
import org.java_websocket.framing.CloseFrame;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * New connections in arrival (so deadline) order until they have sent their whole request; those
 * still without one at their deadline are closed. A silent client, or one sending its headers a byte
 * at a time, would otherwise hold a socket for as long as it likes. Both transports use it.
 */
final class HandshakeDeadlines {
    private static final Logger log = LoggerFactory.getLogger(HandshakeDeadlines.class);

    private record Arrival(WebSocketImpl connection, long deadline) {
    }

    private final Queue<Arrival> arrivals = new ConcurrentLinkedQueue<>();
    private final long timeoutNanos;

    HandshakeDeadlines(Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
    }

    /** A connection just accepted; from any thread. */
    void arrived(WebSocketImpl connection) {
        arrivals.add(new Arrival(connection, System.nanoTime() + timeoutNanos));
    }

    /** Nanoseconds from {@code now} to the earliest deadline still noted, or {@code Long.MAX_VALUE} if none. */
    long nanosToNext(long now) {
        Arrival first = arrivals.peek();
        return first == null ? Long.MAX_VALUE : first.deadline - now;
    }

    /**
     * Forgets connections that have their request or are closed, and closes those past their
     * deadline without one. Only the head is looked at: arrivals are in deadline order.
     */
    void closeOverdue(long now) {
        Arrival a;
        while ((a = arrivals.peek()) != null) {
            boolean waiting = a.connection.getReadyState() == ReadyState.NOT_YET_CONNECTED;
            if (waiting && a.deadline - now > 0) {
                return;
            }
            arrivals.poll();
            if (waiting) {
                log.debug("closing a connection that sent no complete request within {} ms",
                        TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
                // Safe from any thread: the library's own connection-lost timer closes from one of its own.
                a.connection.closeConnection(CloseFrame.NEVER_CONNECTED, "handshake timeout");
            }
        }
    }
}
