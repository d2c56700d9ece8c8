package dev.parley.protocol.model;

import com.google.gson.annotations.SerializedName;
import dev.parley.protocol.WireFormat.OmitIfNull;
import dev.parley.protocol.WireFormat.OmitUnless;
import java.time.Instant;

/** The authenticated user in {@code auth_success}: a {@link User} plus the private fields (4.1). */
public record AuthUser(
        String id,
        String username,
        @SerializedName("display_name") String displayName,
        @SerializedName("avatar_url") String avatarUrl,
        String email,
        String phone,
        @SerializedName("auth_user_id") String authUserId,
        @OmitIfNull String status,
        @OmitUnless("status") @SerializedName("custom_status") String customStatus,
        @OmitUnless("status") @SerializedName("last_seen") Instant lastSeen) {

    public static AuthUser of(User user, String email, String phone, String authUserId) {
        return new AuthUser(user.id(), user.username(), user.displayName(), user.avatarUrl(), email, phone, authUserId,
                user.status(), user.customStatus(), user.lastSeen());
    }
}
