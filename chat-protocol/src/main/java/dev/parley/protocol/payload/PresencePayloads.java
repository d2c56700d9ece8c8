package dev.parley.protocol.payload;

import dev.parley.protocol.Rules.MaxChars;
import dev.parley.protocol.Rules.MaxItems;
import dev.parley.protocol.Rules.OneOf;
import dev.parley.protocol.Rules.Required;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Presence: the base {@code user_online}/{@code user_offline} events (3.9) and the extension (6.5). */
public final class PresencePayloads {
    private PresencePayloads() {
    }

    /** {@code user_online} and {@code user_offline}: one frame per shared joined room. */
    public record UserPresence(String userId, String conversationId, Instant timestamp) {
    }

    /**
     * {@code set_presence}. {@code customStatus} is {@code null} when absent (keep the current one),
     * empty when sent as JSON {@code null} (clear it).
     */
    public record SetPresence(
            @Required @OneOf({"online", "away", "busy", "offline"}) String status,
            @MaxChars(100) Optional<String> customStatus) {
    }

    /** {@code presence_set}. */
    public record PresenceSet(String status, String customStatus, Instant lastSeen) {
    }

    /** {@code get_presence}. */
    public record GetPresence(@Required @MaxItems(200) List<String> userIds) {
    }

    /** One user's presence: items of {@code presence_loaded}, and the {@code presence_update} event. */
    public record PresenceInfo(String userId, String status, String customStatus, Instant lastSeen) {
    }

    /** {@code presence_loaded}: only users who share a conversation with the requester. */
    public record PresenceLoaded(List<PresenceInfo> presence) {
    }
}
