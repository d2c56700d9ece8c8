package dev.parley.protocol.model;

import com.google.gson.annotations.SerializedName;

/** The kind of a conversation; the core creates {@code DIRECT} and {@code GROUP}. */
public enum ConversationType {
    @SerializedName("direct") DIRECT,
    @SerializedName("group") GROUP,
    @SerializedName("room") ROOM;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
