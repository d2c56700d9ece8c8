package dev.parley.core.spi;

import java.util.Collection;
import java.util.Set;

/**
 * Which users are online, counted by connection across every node. A user is online while at
 * least one connection of theirs is registered. Implementations for several nodes expire the
 * connections of a node that stops refreshing them (a crashed node leaves no ghosts).
 */
public interface PresenceStore extends AutoCloseable {

    /** Registers an authenticated connection; returns true if it is the user's first one (the user came online). */
    boolean add(String userId, String connectionId);

    /** Removes a connection; returns true if it was the user's last one (the user went offline). */
    boolean remove(String userId, String connectionId);

    /** How many connections the user holds now. */
    int connectionCount(String userId);

    /** The users among {@code userIds} that are online. */
    Set<String> online(Collection<String> userIds);

    /**
     * Called periodically by the engine with this node's authenticated connections: keeps them alive
     * and expires the connections of nodes that stopped refreshing. Returns the users who went
     * offline by such expiry (each reported to one node only), for the engine to announce. A
     * single-node store may do nothing.
     */
    default Set<String> refresh(Collection<String> connectionIds) {
        return Set.of();
    }

    @Override
    default void close() {
    }
}
