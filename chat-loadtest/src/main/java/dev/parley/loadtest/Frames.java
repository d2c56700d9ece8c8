package dev.parley.loadtest;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.parley.protocol.MessageType;
import dev.parley.protocol.Timestamps;
import java.io.IOException;
import java.io.StringReader;
import java.time.Instant;
import java.util.List;

/**
 * The frames the tool sends and reads. Message content carries a timing marker,
 * {@code lt1:<send time, ns since the run's origin>:<connection>:<seq>:}, padded with {@code x} to
 * the payload size; the server stores and delivers content verbatim, so both {@code message_sent}
 * and every {@code message_received} tell when their message was sent.
 */
final class Frames {
    static final String MARKER = "lt1:";
    static final String SEND_MESSAGE = MessageType.SEND_MESSAGE.wireName();
    static final String MESSAGE_SENT = MessageType.MESSAGE_SENT.wireName();
    static final String MESSAGE_RECEIVED = MessageType.MESSAGE_RECEIVED.wireName();
    static final String ERROR = MessageType.ERROR.wireName();
    /**
     * Request ids of sends start with this, so their answers are told apart from setup answers and
     * from events (whose ids the server makes up).
     */
    static final String SEND_ID_PREFIX = "lt-send-";
    private static final Gson GSON = new Gson();

    private Frames() {
    }

    static String auth(String token, List<String> extensions, String requestId) {
        JsonObject payload = new JsonObject();
        payload.addProperty("token", token);
        if (!extensions.isEmpty()) {
            JsonArray names = new JsonArray();
            extensions.forEach(names::add);
            payload.add("extensions", names);
        }
        return envelope(MessageType.AUTH.wireName(), payload, requestId);
    }

    static String createGroup(String name, List<String> participantIds, String requestId) {
        JsonObject payload = new JsonObject();
        payload.addProperty("type", "group");
        payload.addProperty("name", name);
        JsonArray ids = new JsonArray();
        participantIds.forEach(ids::add);
        payload.add("participant_ids", ids);
        return envelope(MessageType.CREATE_CONVERSATION.wireName(), payload, requestId);
    }

    static String join(String conversationId, String requestId) {
        JsonObject payload = new JsonObject();
        payload.addProperty("conversationId", conversationId);
        return envelope(MessageType.JOIN_CONVERSATION.wireName(), payload, requestId);
    }

    /** A JSON string literal, for ids placed into hand-built frames. */
    static String quote(String value) {
        return GSON.toJson(value);
    }

    /** A {@code send_message} frame; built by hand because it is the hot path. */
    static String sendMessage(String quotedConversationId, String content, String requestId) {
        StringBuilder b = new StringBuilder(content.length() + 200);
        b.append("{\"type\":\"").append(SEND_MESSAGE).append("\",\"payload\":{\"conversationId\":")
                .append(quotedConversationId)
                .append(",\"content\":\"").append(content)
                .append("\",\"messageType\":\"text\"},\"requestId\":\"").append(requestId)
                .append("\",\"timestamp\":\"").append(Timestamps.format(Instant.now())).append("\"}");
        return b.toString();
    }

    /** Message content holding the marker, padded with {@code x} to {@code payloadBytes} (never cut short). */
    static String content(long sendNanos, int connection, long seq, int payloadBytes) {
        StringBuilder b = new StringBuilder(Math.max(payloadBytes, 48));
        b.append(MARKER).append(sendNanos).append(':').append(connection).append(':').append(seq).append(':');
        while (b.length() < payloadBytes) {
            b.append('x');
        }
        return b.toString();
    }

    /** The send time in the first marker of {@code text}, or -1 if there is none. */
    static long markerTime(String text) {
        int at = text.indexOf(MARKER);
        if (at < 0) {
            return -1;
        }
        int i = at + MARKER.length();
        long value = 0;
        int start = i;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                break;
            }
            value = value * 10 + (c - '0');
            i++;
        }
        return i == start || i >= text.length() || text.charAt(i) != ':' ? -1 : value;
    }

    private static String envelope(String type, JsonObject payload, String requestId) {
        JsonObject frame = new JsonObject();
        frame.addProperty("type", type);
        frame.add("payload", payload);
        frame.addProperty("requestId", requestId);
        frame.addProperty("timestamp", Timestamps.format(Instant.now()));
        return frame.toString();
    }

    /**
     * One frame from the server. {@code payload} is {@code null} for message frames, whose payload is
     * not parsed (the marker is read from the raw text instead); {@code type} is {@code null} when the
     * frame was not a JSON object with a string type.
     */
    record Inbound(String type, String requestId, JsonObject payload, long sendNanos) {
        boolean isAnswerToSend() {
            return requestId != null && requestId.startsWith(SEND_ID_PREFIX);
        }

        /** The {@code code} of an {@code error} frame, or a placeholder when it has none. */
        String errorCode() {
            JsonElement code = payload == null ? null : payload.get("code");
            return code != null && code.isJsonPrimitive() ? code.getAsString() : "ERROR_WITHOUT_CODE";
        }

        /** {@code details.retryAfterMs} of a {@code RATE_LIMITED} error, or 0. */
        long retryAfterMs() {
            if (payload == null || !(payload.get("details") instanceof JsonObject details)) {
                return 0;
            }
            JsonElement v = details.get("retryAfterMs");
            return v != null && v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber() ? v.getAsLong() : 0;
        }

        /** A string field of the payload, or {@code null}. */
        String payloadString(String name) {
            JsonElement v = payload == null ? null : payload.get(name);
            return v != null && v.isJsonPrimitive() ? v.getAsString() : null;
        }
    }

    static final Inbound UNREADABLE = new Inbound(null, null, null, -1);

    /** Reads the envelope, skipping the payload of message frames, which are most of the traffic. */
    static Inbound parse(String text) {
        String type = null;
        String requestId = null;
        JsonObject payload = null;
        try (JsonReader reader = new JsonReader(new StringReader(text))) {
            if (reader.peek() != JsonToken.BEGIN_OBJECT) {
                return UNREADABLE;
            }
            reader.beginObject();
            while (reader.hasNext()) {
                String name = reader.nextName();
                switch (name) {
                    case "type" -> type = stringOrNull(reader);
                    case "requestId" -> requestId = stringOrNull(reader);
                    case "payload" -> {
                        if (isMessageFrame(type)) {
                            reader.skipValue();
                        } else if (JsonParser.parseReader(reader) instanceof JsonObject object) {
                            payload = object;
                        }
                    }
                    default -> reader.skipValue();
                }
            }
            reader.endObject();
        } catch (IOException | RuntimeException e) {
            return UNREADABLE;
        }
        if (type == null) {
            return UNREADABLE;
        }
        long sendNanos = isMessageFrame(type) ? markerTime(text) : -1;
        return new Inbound(type, requestId, isMessageFrame(type) ? null : payload, sendNanos);
    }

    private static boolean isMessageFrame(String type) {
        return MESSAGE_RECEIVED.equals(type) || MESSAGE_SENT.equals(type);
    }

    private static String stringOrNull(JsonReader reader) throws IOException {
        if (reader.peek() == JsonToken.STRING) {
            return reader.nextString();
        }
        reader.skipValue();
        return null;
    }
}
