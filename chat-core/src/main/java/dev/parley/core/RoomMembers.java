package dev.parley.core;

import java.util.HashSet;
import java.util.Set;

/**
 * The local sessions joined to one conversation room. Every message of the room walks them, and
 * they change far less often, so a fan-out walks an array rather than a concurrent set's table
 * (the engine's fan-out to a room of 500 about a tenth faster in JMH; BENCHMARKS.md, session 23).
 * The array is rebuilt on the first walk after a change, so a storm of joins copies nothing until
 * the room speaks.
 */
final class RoomMembers {
    /** No sessions; shared, never changed. */
    static final Session[] NONE = new Session[0];

    private final Set<Session> sessions = new HashSet<>(); // guarded by this
    /** The members as of the last change, or null until the next walk rebuilds it. */
    private volatile Session[] snapshot = NONE;

    synchronized boolean add(Session session) {
        boolean added = sessions.add(session);
        if (added) {
            snapshot = null;
        }
        return added;
    }

    synchronized boolean remove(Session session) {
        boolean removed = sessions.remove(session);
        if (removed) {
            snapshot = null;
        }
        return removed;
    }

    synchronized boolean isEmpty() {
        return sessions.isEmpty();
    }

    /**
     * The members at some moment at or after the last change that happened before this call; the
     * caller must not change the array.
     */
    Session[] snapshot() {
        Session[] members = snapshot;
        return members != null ? members : rebuild();
    }

    private synchronized Session[] rebuild() {
        Session[] members = snapshot;
        if (members == null) {
            members = sessions.toArray(NONE);
            snapshot = members;
        }
        return members;
    }
}
