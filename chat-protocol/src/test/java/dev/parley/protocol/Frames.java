package dev.parley.protocol;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/** Small helpers to build client frames and run them through the codec as a server would. */
final class Frames {
    static final JsonCodec CODEC = JsonCodec.standard();

    private Frames() {
    }

    /** A client frame with the given type and payload JSON text (inserted verbatim), request id {@code r-1}. */
    static String frame(String type, String payloadJson) {
        return "{\"type\":\"" + type + "\",\"payload\":" + payloadJson
                + ",\"requestId\":\"r-1\",\"timestamp\":\"2025-03-01T09:00:00.000Z\"}";
    }

    /** Decodes and reads a client frame exactly as a server does: envelope, type check, payload rules. */
    static Record read(JsonCodec codec, String frame) {
        return codec.readRequestPayload(codec.decodeRequest(frame));
    }

    static Record read(String frame) {
        return read(CODEC, frame);
    }

    static <T> T read(String type, String payloadJson, Class<T> expected) {
        return expected.cast(read(frame(type, payloadJson)));
    }

    /** The codec's refusal of a frame; fails the test if the frame is accepted. */
    static ProtocolException refused(JsonCodec codec, String frame) {
        try {
            Record accepted = read(codec, frame);
            throw new AssertionError("expected a ProtocolException, but the frame was accepted as " + accepted);
        } catch (ProtocolException e) {
            return e;
        }
    }

    static ProtocolException refused(String frame) {
        return refused(CODEC, frame);
    }

    static ProtocolException refused(String type, String payloadJson) {
        return refused(frame(type, payloadJson));
    }

    static JsonObject json(String text) {
        return JsonParser.parseString(text).getAsJsonObject();
    }
}
