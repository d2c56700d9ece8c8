package dev.parley.protocol;

import com.google.gson.JsonObject;

/**
 * One decoded frame (section 1.2) before its payload is read: the raw type name, the message type
 * if this protocol has one by that name, the payload object ({@code {}} when absent or null), the
 * request id (may be {@code null} on input) and the client's timestamp (ignored by servers).
 */
public record Envelope(String type, MessageType messageType, JsonObject payload, String requestId, String timestamp) {
}
