package dev.parley.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.parley.protocol.payload.MessagePayloads.SendMessage;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.StringLength;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Properties of the decoder on arbitrary and damaged input: a frame is either read or refused with
 * a {@link ProtocolException} whose details fit its code, never any other exception; and any valid
 * {@code send_message} survives encode and decode unchanged.
 */
class DecodePropertyTest {
    private static final JsonCodec CODEC = JsonCodec.standard();
    private static final Map<String, Map<String, AtomicInteger>> OUTCOMES = new ConcurrentHashMap<>();
    private static final List<String> VALID_FRAMES = validFrames();

    @AfterContainer
    static void printOutcomes() {
        OUTCOMES.forEach((property, counts) -> {
            int total = counts.values().stream().mapToInt(AtomicInteger::get).sum();
            System.out.println("[DecodePropertyTest] " + property + ": " + total + " cases, " + new TreeMap<>(counts));
        });
    }

    @Property(tries = 1000)
    void arbitraryTextIsReadOrRefusedWithAProtocolError(@ForAll @StringLength(max = 400) String text) {
        decode("arbitrary text", text);
    }

    @Property(tries = 1000)
    void jsonLikeTokenSoupIsReadOrRefusedWithAProtocolError(@ForAll("tokenSoup") String text) {
        decode("token soup", text);
    }

    // Edge cases of nested JSON generators multiply combinatorially; random cases are what is wanted here.
    @Property(tries = 1000, edgeCases = EdgeCasesMode.NONE)
    void randomPayloadsOfEveryClientTypeAreReadOrRefusedWithAProtocolError(@ForAll("randomPayloadFrames") String text) {
        decode("random payloads", text);
    }

    @Property(tries = 3000)
    void damagedValidFramesAreReadOrRefusedWithAProtocolError(@ForAll("damagedFrames") String text) {
        decode("damaged frames", text);
    }

    @Property(tries = 500)
    void validSendMessagePayloadsSurviveEncodeAndDecode(@ForAll("sendMessages") SendMessage message) {
        String text = CODEC.encode(MessageType.SEND_MESSAGE, message, "r-1", Samples.T0);
        Record decoded = CODEC.readRequestPayload(CODEC.decodeRequest(text));
        assertThat(decoded).isEqualTo(message);
        count("send_message identity", "EQUAL");
    }

    private static void decode(String property, String text) {
        String outcome;
        try {
            Record r = CODEC.readRequestPayload(CODEC.decodeRequest(text));
            assertThat(r).isNotNull();
            outcome = "ACCEPTED";
        } catch (ProtocolException e) {
            checkDetails(e);
            // The answer to any refusal must itself encode into a readable error frame.
            Envelope answer = CODEC.decodeFrame(CODEC.encodeError(e, Samples.T0));
            assertThat(answer.type()).isEqualTo("error");
            outcome = e.code().name();
        }
        count(property, outcome);
    }

    private static void checkDetails(ProtocolException e) {
        assertThat(e.code()).isNotNull();
        assertThat(e.getMessage()).isNotBlank();
        switch (e.code()) {
            case MISSING_REQUIRED_FIELDS -> assertThat((List<?>) e.details().get("fields")).isNotEmpty();
            case INVALID_DATA -> assertThat(e.details()).containsKeys("field", "reason");
            case PAYLOAD_TOO_LARGE -> assertThat(e.details()).containsKey("field")
                    .satisfiesAnyOf(d -> assertThat(d).containsKey("maxBytes"), d -> assertThat(d).containsKey("maxChars"));
            case INVALID_MESSAGE, UNKNOWN_MESSAGE_TYPE -> assertThat(e.details()).isEmpty();
            default -> throw new AssertionError("the codec never produces " + e.code());
        }
    }

    private static void count(String property, String outcome) {
        OUTCOMES.computeIfAbsent(property, p -> new ConcurrentHashMap<>())
                .computeIfAbsent(outcome, o -> new AtomicInteger()).incrementAndGet();
    }

    @Provide
    Arbitrary<String> tokenSoup() {
        Arbitrary<String> token = Arbitraries.of("{", "}", "[", "]", ":", ",", " ", "\"type\"", "\"payload\"", "\"requestId\"",
                "\"send_message\"", "\"auth\"", "\"resume\"", "\"conversationId\"", "\"content\"", "\"limit\"", "\"conversations\"",
                "\"lastSeq\"", "\"metadata\"", "\"encryptedContents\"", "\"c-1\"", "\"\"", "1", "-0", "1e999999", "0.5", "true",
                "null", "\"\\uD800\"", "\"\\u0000\"", "\"\\\"", "\\", "\"😀\"", "\"r-1\"");
        return token.list().ofMaxSize(60).map(parts -> String.join("", parts));
    }

    /** Well-formed frames of client types whose payloads mix the protocol's field names with values of any JSON type. */
    @Provide
    Arbitrary<String> randomPayloadFrames() {
        List<String> types = java.util.Arrays.stream(MessageType.values()).filter(MessageType::isClientSendable)
                .map(MessageType::wireName).toList();
        List<String> fieldNames = new ArrayList<>();
        Samples.requests().values().forEach(r -> RecordModel.of(r.getClass()).components.forEach(c -> {
            fieldNames.add(c.wireName);
            fieldNames.addAll(List.of(c.alternates));
        }));
        fieldNames.add("unknownField");
        Arbitrary<JsonObject> payload = Arbitraries.maps(Arbitraries.of(List.copyOf(new java.util.LinkedHashSet<>(fieldNames))),
                jsonValue(2)).ofMaxSize(8).map(m -> {
                    JsonObject o = new JsonObject();
                    m.forEach(o::add);
                    return o;
                });
        return Combinators.combine(Arbitraries.of(types), payload).as((type, p) -> {
            JsonObject frame = new JsonObject();
            frame.addProperty("type", type);
            frame.add("payload", p);
            frame.addProperty("requestId", "r-1");
            return frame.toString();
        });
    }

    private static Arbitrary<JsonElement> jsonValue(int depth) {
        Arbitrary<JsonElement> leaf = Arbitraries.oneOf(
                text(0, 12).map(JsonPrimitive::new),
                Arbitraries.of("c-1", "m-1", "u-bob", "text", "system", "direct", "group", "online", "video", "AAAA", "x25519",
                        "2025-03-01T09:00:00Z", "cm-1", "").map(JsonPrimitive::new),
                Arbitraries.longs().map(JsonPrimitive::new),
                Arbitraries.integers().between(-2, 300).map(JsonPrimitive::new),
                Arbitraries.doubles().map(JsonPrimitive::new),
                Arbitraries.of(true, false).map(JsonPrimitive::new),
                Arbitraries.just(JsonNull.INSTANCE),
                Arbitraries.just(JsonParser.parseString("1e999999")));
        if (depth == 0) {
            return leaf;
        }
        Arbitrary<JsonElement> array = jsonValue(depth - 1).list().ofMaxSize(4).map(items -> {
            JsonArray a = new JsonArray();
            items.forEach(a::add);
            return a;
        });
        Arbitrary<JsonElement> object = Arbitraries.maps(Arbitraries.of("conversationId", "lastSeq", "u-bob", "k", "sdp"),
                jsonValue(depth - 1)).ofMaxSize(3).map(m -> {
                    JsonObject o = new JsonObject();
                    m.forEach(o::add);
                    return o;
                });
        return Arbitraries.frequencyOf(Tuple.of(6, leaf), Tuple.of(1, array), Tuple.of(1, object));
    }

    @Provide
    Arbitrary<String> damagedFrames() {
        return Combinators.combine(Arbitraries.of(VALID_FRAMES), Arbitraries.integers().between(1, 6), Arbitraries.longs())
                .as((frame, edits, seed) -> damage(frame, edits, new Random(seed)));
    }

    private static String damage(String frame, int edits, Random random) {
        String text = frame;
        for (int i = 0; i < edits; i++) {
            int op = random.nextInt(8);
            if (op <= 3) {
                text = swapAValue(text, random);
            } else if (text.isEmpty()) {
                text = "{";
            } else {
                int at = random.nextInt(text.length());
                text = switch (op) {
                    case 4 -> text.substring(0, at) + randomChar(random) + text.substring(at + 1);
                    case 5 -> text.substring(0, at) + text.substring(at + 1);
                    case 6 -> text.substring(0, at) + randomChar(random) + text.substring(at);
                    default -> text.substring(0, at);
                };
            }
        }
        return text;
    }

    private static char randomChar(Random random) {
        String interesting = "{}[]\":,\\ 0-9eE.tfn\u0000\uD800\uDC00é";
        return random.nextInt(4) == 0 ? (char) random.nextInt(0x10000) : interesting.charAt(random.nextInt(interesting.length()));
    }

    /** Replaces one value somewhere in the frame's JSON tree by a value of another type; falls back to the text as is. */
    private static String swapAValue(String text, Random random) {
        JsonElement root;
        try {
            root = JsonParser.parseString(text);
        } catch (RuntimeException e) {
            return text;
        }
        if (!root.isJsonObject()) {
            return text;
        }
        JsonElement container = root;
        // Walk down a random path, then replace one member of the container reached.
        for (int depth = 0; depth < 4; depth++) {
            List<JsonElement> children = children(container);
            List<JsonElement> nested = children.stream().filter(c -> c.isJsonObject() || c.isJsonArray()).toList();
            if (nested.isEmpty() || random.nextInt(3) == 0) {
                break;
            }
            container = nested.get(random.nextInt(nested.size()));
        }
        JsonElement replacement = hostileValue(random);
        if (container.isJsonObject()) {
            JsonObject obj = container.getAsJsonObject();
            List<String> keys = new ArrayList<>(obj.keySet());
            if (keys.isEmpty() || random.nextInt(8) == 0) {
                obj.add(random.nextBoolean() ? "conversationId" : "extra", replacement);
            } else if (random.nextInt(6) == 0) {
                obj.remove(keys.get(random.nextInt(keys.size())));
            } else {
                obj.add(keys.get(random.nextInt(keys.size())), replacement);
            }
        } else if (container.isJsonArray()) {
            JsonArray array = container.getAsJsonArray();
            if (array.isEmpty()) {
                array.add(replacement);
            } else {
                array.set(random.nextInt(array.size()), replacement);
            }
        }
        return root.toString();
    }

    private static List<JsonElement> children(JsonElement el) {
        List<JsonElement> out = new ArrayList<>();
        if (el.isJsonObject()) {
            out.addAll(el.getAsJsonObject().asMap().values());
        } else if (el.isJsonArray()) {
            el.getAsJsonArray().forEach(out::add);
        }
        return out;
    }

    private static JsonElement hostileValue(Random random) {
        return switch (random.nextInt(20)) {
            case 0 -> new JsonPrimitive("x");
            case 1 -> new JsonPrimitive("");
            case 2 -> new JsonPrimitive(0);
            case 3 -> new JsonPrimitive(-1);
            case 4 -> new JsonPrimitive(1.5);
            case 5 -> JsonParser.parseString("1e999999");
            case 6 -> new JsonPrimitive(new BigInteger("9".repeat(400)));
            case 7 -> new JsonPrimitive(random.nextBoolean());
            case 8 -> JsonNull.INSTANCE;
            case 9 -> new JsonArray();
            case 10 -> JsonParser.parseString("[\"a\",1,null,{}]");
            case 11 -> new JsonObject();
            case 12 -> JsonParser.parseString("{\"a\":{\"b\":[1,{\"c\":null}]}}");
            case 13 -> new JsonPrimitive("lone \uD800 surrogate");
            case 14 -> new JsonPrimitive("x".repeat(70_000));
            case 15 -> JsonParser.parseString("[".repeat(40) + "]".repeat(40));
            case 16 -> new JsonPrimitive("2025-03-01T09:00:00Z");
            case 17 -> new JsonPrimitive(2147483648L);
            case 18 -> new JsonPrimitive("AAAA");
            default -> new JsonPrimitive(Long.MIN_VALUE);
        };
    }

    private static List<String> validFrames() {
        List<String> frames = new ArrayList<>();
        Samples.requests().forEach((type, payload) -> frames.add(CODEC.encode(type, payload, "r-" + type.wireName(), Samples.T0)));
        return List.copyOf(frames);
    }

    // Generators for valid send_message payloads.

    /** Well-formed text of code points: mostly ASCII, some BMP, some supplementary (emoji), some control characters. */
    static Arbitrary<String> text(int minCodePoints, int maxCodePoints) {
        Arbitrary<Integer> codePoint = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.integers().between(0x20, 0x7E)),
                Tuple.of(2, Arbitraries.integers().between(0xA0, 0xD7FF)),
                Tuple.of(1, Arbitraries.integers().between(0xE000, 0xFFFF)),
                Tuple.of(2, Arbitraries.integers().between(0x1F300, 0x1FAFF)),
                Tuple.of(1, Arbitraries.integers().between(0x10000, 0x10FFFF)),
                Tuple.of(1, Arbitraries.integers().between(0x00, 0x1F)));
        return codePoint.list().ofMinSize(minCodePoints).ofMaxSize(maxCodePoints).map(cps -> {
            StringBuilder sb = new StringBuilder();
            cps.forEach(sb::appendCodePoint);
            return sb.toString();
        });
    }

    private static Arbitrary<String> id() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.strings().withCharRange('a', 'z').withCharRange('0', '9').withChars('-').ofMinLength(1).ofMaxLength(40)),
                Tuple.of(1, text(1, 128)));
    }

    @Provide
    Arbitrary<SendMessage> sendMessages() {
        Arbitrary<String> content = text(1, 300);
        Arbitrary<Map<String, String>> copies = Arbitraries.maps(id(), text(1, 80)).ofMinSize(1).ofMaxSize(6);
        Arbitrary<Tuple.Tuple2<String, Map<String, String>>> body = Arbitraries.oneOf(
                content.map(c -> Tuple.of(c, null)),
                copies.map(m -> Tuple.of(null, m)));
        Arbitrary<String> messageType = Arbitraries.of("text", "image", "file").injectNull(0.3);
        Arbitrary<JsonObject> metadata = Arbitraries.maps(
                        Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(8),
                        Arbitraries.oneOf(text(0, 20).map(JsonPrimitive::new), Arbitraries.integers().map(JsonPrimitive::new),
                                Arbitraries.of(true, false).map(JsonPrimitive::new)))
                .ofMaxSize(5)
                .map(m -> {
                    JsonObject o = new JsonObject();
                    m.forEach(o::add);
                    return o;
                })
                .injectNull(0.4);
        Arbitrary<String> clientMessageId = Arbitraries.strings().withCharRange('A', 'Z').withCharRange('a', 'z')
                .withCharRange('0', '9').withChars("._:-").ofMinLength(1).ofMaxLength(64).injectNull(0.3);
        return Combinators.combine(id(), body, messageType, id().injectNull(0.6), metadata, clientMessageId, id().injectNull(0.7))
                .as((conversationId, b, type, replyToId, meta, cmid, threadRootId) ->
                        new SendMessage(conversationId, b.get1(), b.get2(), type, replyToId, meta, cmid, threadRootId));
    }
}
