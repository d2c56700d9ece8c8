package dev.parley.protocol.model;

import com.google.gson.annotations.SerializedName;
import dev.parley.protocol.WireFormat.OmitIfNull;
import dev.parley.protocol.WireFormat.OmitUnless;
import java.time.Instant;

/**
 * A user as other users see it (protocol 4.1). The presence fields are written only when
 * {@code status} is set, that is where the presence extension is enabled.
 */
public record User(
        String id,
        String username,
        @SerializedName("display_name") String displayName,
        @SerializedName("avatar_url") String avatarUrl,
        @OmitIfNull String status,
        @OmitUnless("status") @SerializedName("custom_status") String customStatus,
        @OmitUnless("status") @SerializedName("last_seen") Instant lastSeen) {

    /** A user without presence fields. */
    public static User of(String id, String username, String displayName, String avatarUrl) {
        return new User(id, username, displayName, avatarUrl, null, null, null);
    }

    /** The name shown in typing events: the username, else the display name. */
    public String typingName() {
        return username != null && !username.isEmpty() ? username : displayName;
    }

    public User withPresence(String newStatus, String newCustomStatus, Instant newLastSeen) {
        return new User(id, username, displayName, avatarUrl, newStatus, newCustomStatus, newLastSeen);
    }
}
