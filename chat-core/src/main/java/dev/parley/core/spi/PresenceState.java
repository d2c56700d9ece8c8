package dev.parley.core.spi;

import java.time.Instant;

/**
 * A user's advanced presence (protocol 6.5) as stored: the status others see ({@code online},
 * {@code away}, {@code busy}, {@code offline}), an optional custom status text, and when the last
 * connection closed ({@code null} while connected and visible).
 */
public record PresenceState(String status, String customStatus, Instant lastSeen) {
    public static final PresenceState OFFLINE = new PresenceState("offline", null, null);
}
