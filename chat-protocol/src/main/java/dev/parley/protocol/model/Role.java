package dev.parley.protocol.model;

import com.google.gson.annotations.SerializedName;

/** A participant's role in a conversation. */
public enum Role {
    @SerializedName("admin") ADMIN,
    @SerializedName("moderator") MODERATOR,
    @SerializedName("member") MEMBER
}
