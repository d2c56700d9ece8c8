package dev.parley.core.memory;

import dev.parley.core.spi.PresenceStore;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;

/** The one-node {@link PresenceStore}: connection ids per user, in memory. */
public final class LocalPresenceStore implements PresenceStore {
    private final ConcurrentHashMap<String, Set<String>> connections = new ConcurrentHashMap<>();

    @Override
    public boolean add(String userId, String connectionId) {
        boolean[] first = {false};
        connections.compute(userId, (k, set) -> {
            // Copy-on-write: a user has a few connections; a concurrent set would cost each ~200 B.
            Set<String> s = set == null ? new CopyOnWriteArraySet<>() : set;
            first[0] = s.isEmpty();
            s.add(connectionId);
            return s;
        });
        return first[0];
    }

    @Override
    public boolean remove(String userId, String connectionId) {
        boolean[] last = {false};
        connections.computeIfPresent(userId, (k, set) -> {
            boolean removed = set.remove(connectionId);
            last[0] = removed && set.isEmpty();
            return set.isEmpty() ? null : set;
        });
        return last[0];
    }

    @Override
    public int connectionCount(String userId) {
        Set<String> set = connections.get(userId);
        return set == null ? 0 : set.size();
    }

    @Override
    public Set<String> online(Collection<String> userIds) {
        Set<String> result = new HashSet<>();
        for (String id : userIds) {
            if (connections.containsKey(id)) {
                result.add(id);
            }
        }
        return result;
    }
}
