package dev.parley.protocol.model;

import com.google.gson.annotations.SerializedName;
import java.util.List;

/** One emoji's reactions on a message (6.1). */
public record Reaction(String emoji, int count, @SerializedName("user_ids") List<String> userIds) {
    public Reaction {
        userIds = List.copyOf(userIds);
    }
}
