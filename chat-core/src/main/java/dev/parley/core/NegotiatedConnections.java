package dev.parley.core;

import dev.parley.protocol.Extension;
import java.util.Set;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * How many of this node's connections negotiated each extension. Events of an extension go only
 * to such connections, and some cost a store read for every message (unread counts) or every
 * presence change (the user's contacts): with a one-node broker and no such connection, the engine
 * skips them. Clients written for the original API negotiate nothing.
 */
final class NegotiatedConnections {
    private final AtomicIntegerArray counts = new AtomicIntegerArray(Extension.values().length);

    /** A connection's negotiated extensions (wire names) changed from {@code before} to {@code after}. */
    void replace(Set<String> before, Set<String> after) {
        for (String name : before) {
            if (!after.contains(name)) {
                Extension.fromWire(name).ifPresent(e -> counts.decrementAndGet(e.ordinal()));
            }
        }
        for (String name : after) {
            if (!before.contains(name)) {
                Extension.fromWire(name).ifPresent(e -> counts.incrementAndGet(e.ordinal()));
            }
        }
    }

    boolean any(Extension e) {
        return counts.get(e.ordinal()) > 0;
    }
}
