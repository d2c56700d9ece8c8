package dev.parley.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Small sets that are replaced rather than changed, for state every connection holds (its rooms, a
 * user's sessions): a one-element {@code Set.of} is ~24 B where a copy-on-write set is ~80 B and a
 * concurrent one ~200 B. Readers see a consistent snapshot without locking; writers replace the set
 * under whatever lock already orders their changes. {@code Set.copyOf} hashes, so a lookup stays
 * O(1) for the few larger ones.
 */
final class ImmutableSets {
    private ImmutableSets() {
    }

    /** {@code set} with {@code element}; {@code set} itself if it has it already ({@code null} is empty). */
    static <T> Set<T> with(Set<T> set, T element) {
        if (set == null || set.isEmpty()) {
            return Set.of(element);
        }
        if (set.contains(element)) {
            return set;
        }
        List<T> grown = new ArrayList<>(set.size() + 1);
        grown.addAll(set);
        grown.add(element);
        return Set.copyOf(grown);
    }

    /** {@code set} without {@code element}; {@code set} itself if it does not have it. */
    static <T> Set<T> without(Set<T> set, T element) {
        if (!set.contains(element)) {
            return set;
        }
        if (set.size() == 1) {
            return Set.of();
        }
        List<T> kept = new ArrayList<>(set.size() - 1);
        for (T e : set) {
            if (!e.equals(element)) {
                kept.add(e);
            }
        }
        return Set.copyOf(kept);
    }
}
