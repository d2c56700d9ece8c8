package dev.parley.protocol;

import java.util.Locale;
import java.util.Optional;

/** The optional protocol extensions of section 6, negotiated in {@code auth.payload.extensions}. */
public enum Extension {
    REACTIONS, THREADS, EDITS, RECEIPTS, PRESENCE, SEARCH, RESUME, CALLS, FILES, E2EE, KEYS;

    private final String wireName = name().toLowerCase(Locale.ROOT);

    public String wireName() {
        return wireName;
    }

    public static Optional<Extension> fromWire(String name) {
        for (Extension e : values()) {
            if (e.wireName.equals(name)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }
}
