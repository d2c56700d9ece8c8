package dev.parley.protocol;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import com.google.gson.ToNumberPolicy;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import com.google.gson.stream.MalformedJsonException;
import dev.parley.protocol.payload.SystemPayloads.ErrorPayload;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The protocol's one JSON codec: frames in and out, payloads read and validated, records written
 * in their exact wire form. Thread-safe; build one per configuration and share it.
 *
 * <p>Decoding is safe on hostile input: the frame size and nesting depth are bounded before
 * anything is built, numbers are kept as text until a field needs them, and every failure is a
 * {@link ProtocolException} with the protocol's code.
 */
public final class JsonCodec {
    private final ProtocolLimits limits;
    private final Gson gson;
    private final PayloadReader reader;
    private final TypeAdapter<JsonElement> elementAdapter;

    public JsonCodec(ProtocolLimits limits) {
        this.limits = limits;
        this.gson = new GsonBuilder()
                .serializeNulls()
                .disableHtmlEscaping()
                .setObjectToNumberStrategy(ToNumberPolicy.LONG_OR_DOUBLE)
                .registerTypeAdapter(Instant.class, new InstantAdapter().nullSafe())
                .registerTypeAdapterFactory(new RecordAdapterFactory())
                .create();
        this.reader = new PayloadReader(limits);
        this.elementAdapter = gson.getAdapter(JsonElement.class);
    }

    /** A codec with the protocol's default limits. */
    public static JsonCodec standard() {
        return Holder.STANDARD;
    }

    public ProtocolLimits limits() {
        return limits;
    }

    /**
     * Parses a frame's envelope (1.2, 1.6) without reading its payload. Throws
     * {@code INVALID_MESSAGE} for anything that is not a JSON object with a string {@code type},
     * an object (or absent) {@code payload} and a string {@code requestId} of at most
     * {@code maxRequestIdChars}; the exception carries the request id when one could be read.
     */
    public Envelope decodeFrame(String text) {
        if (text.length() > limits.maxFrameBytes() || Text.utf8Length(text) > limits.maxFrameBytes()) {
            throw ProtocolException.tooLarge("frame", limits.maxFrameBytes());
        }
        JsonElement root = parse(text);
        if (!root.isJsonObject()) {
            throw ProtocolException.invalidMessage("a frame must be a JSON object");
        }
        JsonObject obj = root.getAsJsonObject();
        String requestId = null;
        JsonElement rid = obj.get("requestId");
        if (rid != null && !rid.isJsonNull()) {
            if (!isString(rid)) {
                throw ProtocolException.invalidMessage("requestId must be a string");
            }
            String candidate = rid.getAsString();
            int max = limits.maxRequestIdChars();
            // Characters are code points, as for every other length limit; the first test bounds the count's cost.
            if (candidate.isEmpty() || candidate.length() > 2 * max || candidate.codePointCount(0, candidate.length()) > max
                    || !Text.isWellFormed(candidate)) {
                throw ProtocolException.invalidMessage(
                        "requestId must be valid text of 1 to " + max + " characters");
            }
            requestId = candidate;
        }
        JsonElement type = obj.get("type");
        if (type == null || !isString(type) || type.getAsString().isEmpty()) {
            throw ProtocolException.invalidMessage("type must be a non-empty string").withRequestId(requestId);
        }
        JsonElement payload = obj.get("payload");
        JsonObject payloadObject;
        if (payload == null || payload.isJsonNull()) {
            payloadObject = new JsonObject();
        } else if (payload.isJsonObject()) {
            payloadObject = payload.getAsJsonObject();
        } else {
            throw ProtocolException.invalidMessage("payload must be an object").withRequestId(requestId);
        }
        JsonElement ts = obj.get("timestamp");
        String timestamp = ts != null && isString(ts) ? ts.getAsString() : null;
        String typeName = type.getAsString();
        return new Envelope(typeName, MessageType.fromWire(typeName).orElse(null), payloadObject, requestId, timestamp);
    }

    /**
     * Decodes a frame a client sent to a server: as {@link #decodeFrame}, and the type must be one a
     * client may send, else {@code UNKNOWN_MESSAGE_TYPE} (with the frame's request id).
     */
    public Envelope decodeRequest(String text) {
        Envelope env = decodeFrame(text);
        if (env.messageType() == null || !env.messageType().isClientSendable()) {
            throw ProtocolException.unknownType(env.type()).withRequestId(env.requestId());
        }
        return env;
    }

    /** Reads and validates the request payload of a decoded client frame into its record. */
    public Record readRequestPayload(Envelope env) {
        MessageType type = env.messageType();
        if (type == null || !type.isClientSendable()) {
            throw ProtocolException.unknownType(env.type()).withRequestId(env.requestId());
        }
        return readPayload(env.payload(), type.requestPayload(), env.requestId());
    }

    /** Reads and validates a request payload object into the given record type. */
    public <T> T readPayload(JsonObject payload, Class<T> type, String requestId) {
        try {
            return reader.read(payload, type);
        } catch (ProtocolException e) {
            throw e.withRequestId(requestId);
        }
    }

    /**
     * Reads a payload that a server sent (leniently: for clients) into its record. Throws
     * {@code INVALID_MESSAGE} when the shapes do not fit.
     */
    public <T> T readServerPayload(JsonObject payload, Class<T> type) {
        try {
            return gson.fromJson(payload, type);
        } catch (RuntimeException e) {
            throw ProtocolException.invalidMessage("payload does not fit " + type.getSimpleName());
        }
    }

    /**
     * Encodes one frame. {@code payload} is a protocol record, a {@link JsonObject}, or {@code null}
     * for {@code {}}; a {@code null} {@code requestId} is replaced by a fresh UUID, so no frame ever
     * carries a null id.
     */
    public String encode(MessageType type, Object payload, String requestId, Instant timestamp) {
        StringBuilderWriter sw = new StringBuilderWriter(256);
        try (JsonWriter out = new JsonWriter(sw)) {
            out.setSerializeNulls(true);
            out.setHtmlSafe(false);
            out.beginObject();
            out.name("type").value(type.wireName());
            out.name("payload");
            writePayload(out, payload);
            out.name("requestId").value(requestId == null ? newRequestId() : requestId);
            out.name("timestamp").value(Timestamps.format(timestamp));
            out.endObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sw.toString();
    }

    /** Encodes an {@code error} frame answering the failed request (or a fresh id when it had none). */
    public String encodeError(ProtocolException e, Instant timestamp) {
        return encode(MessageType.ERROR, errorPayload(e, null), e.requestId(), timestamp);
    }

    /** The {@code error} payload (3.10) of an exception; {@code expiredAt} only for expired tokens. */
    public static ErrorPayload errorPayload(ProtocolException e, Instant expiredAt) {
        Map<String, Object> details = e.details().isEmpty() ? null : e.details();
        return new ErrorPayload(e.getMessage(), e.code().name(), e.requestId(), details, expiredAt);
    }

    /** Writes any protocol value (record, list, map) as JSON. */
    public String toJson(Object value) {
        return gson.toJson(value);
    }

    /** Converts a protocol value to its JSON tree. */
    public JsonElement toJsonTree(Object value) {
        return gson.toJsonTree(value);
    }

    /** Reads a protocol value from JSON text (leniently, as {@link #readServerPayload}). */
    public <T> T fromJson(String json, Class<T> type) {
        try {
            return gson.fromJson(json, type);
        } catch (RuntimeException e) {
            throw ProtocolException.invalidMessage("JSON does not fit " + type.getSimpleName());
        }
    }

    /**
     * A fresh request id for a server-originated frame: a random version 4 UUID. From the thread's
     * own generator: an event's id must be unique, not unpredictable, and {@link UUID#randomUUID()}
     * takes the shared {@code SecureRandom}'s lock and hashes for each id, on every message's fan-out.
     */
    public static String newRequestId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = random.nextLong() & ~0xF000L | 0x4000L;
        long low = random.nextLong() & ~0xC000000000000000L | 0x8000000000000000L;
        return new UUID(high, low).toString();
    }

    @SuppressWarnings("unchecked")
    private void writePayload(JsonWriter out, Object payload) throws IOException {
        if (payload == null) {
            out.beginObject().endObject();
        } else {
            TypeAdapter<Object> adapter = (TypeAdapter<Object>) gson.getAdapter(payload.getClass());
            adapter.write(out, payload);
        }
    }

    private JsonElement parse(String text) {
        JsonReader in = new JsonReader(new StringReader(text));
        // Not STRICT: that refuses the whole frame for a lone surrogate escape such as "\uD800", which
        // is valid JSON grammar; the payload rules answer it with INVALID_DATA naming the field and
        // echo the request id. LEGACY_STRICT still refuses trailing data, comments, unquoted names,
        // NaN and leading zeros. The element adapter is used directly: JsonParser would go LENIENT.
        in.setStrictness(Strictness.LEGACY_STRICT);
        in.setNestingLimit(limits.maxNestingDepth());
        try {
            JsonElement root = elementAdapter.read(in);
            if (in.peek() != JsonToken.END_DOCUMENT) {
                throw ProtocolException.invalidMessage("trailing data after the JSON object");
            }
            return root;
        } catch (ProtocolException e) {
            throw e;
        } catch (MalformedJsonException e) {
            throw ProtocolException.invalidMessage("malformed JSON or nesting deeper than " + limits.maxNestingDepth());
        } catch (JsonParseException | IOException | IllegalStateException | NumberFormatException e) {
            throw ProtocolException.invalidMessage("malformed JSON");
        } catch (StackOverflowError e) {
            throw ProtocolException.invalidMessage("nesting too deep");
        }
    }

    private static boolean isString(JsonElement el) {
        return el.isJsonPrimitive() && el.getAsJsonPrimitive().isString();
    }

    private static final class InstantAdapter extends TypeAdapter<Instant> {
        @Override
        public void write(JsonWriter out, Instant value) throws IOException {
            out.value(Timestamps.format(value));
        }

        @Override
        public Instant read(JsonReader in) throws IOException {
            return Timestamps.parse(in.nextString());
        }
    }

    private static final class Holder {
        static final JsonCodec STANDARD = new JsonCodec(ProtocolLimits.DEFAULTS);
    }
}
