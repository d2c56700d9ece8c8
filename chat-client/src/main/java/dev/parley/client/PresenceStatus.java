package dev.parley.client;

import java.util.Locale;

/** A user's status in the presence extension; {@link #OFFLINE} while connected means invisible. */
public enum PresenceStatus {
    ONLINE, AWAY, BUSY, OFFLINE;

    /** The status as the protocol spells it. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The status of a wire name, or {@code null} for one this client does not know. */
    public static PresenceStatus fromWire(String status) {
        for (PresenceStatus s : values()) {
            if (s.wireName().equals(status)) {
                return s;
            }
        }
        return null;
    }
}
