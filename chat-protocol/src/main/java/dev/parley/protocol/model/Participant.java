package dev.parley.protocol.model;

import com.google.gson.annotations.SerializedName;
import java.time.Instant;

/** An active participant of a conversation (protocol 4.2). */
public record Participant(
        @SerializedName("user_id") String userId,
        Role role,
        @SerializedName("joined_at") Instant joinedAt,
        User user) {
}
