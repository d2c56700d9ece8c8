package dev.parley.core;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.parley.core.memory.FileSystemBlobStore;
import dev.parley.core.testkit.TestAuthenticator;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.Extension;
import dev.parley.protocol.MessageType;
import dev.parley.protocol.Timestamps;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Random and mutated frames into authenticated and unauthenticated sessions of an engine with
 * every extension. Every answer must be a well-formed frame, never {@code SERVER_ERROR}; the engine
 * logs no error; after each frame a ping gets its pong unless the session was closed with a
 * documented code. Seeded, so a failure replays; the seed and case count are printed.
 */
class EngineFuzzTest extends EngineHarness {
    /** Overridable for longer local runs: {@code -Dparley.fuzz.cases=20000 -Dparley.fuzz.seed=7}. */
    private static final int CASES = Integer.getInteger("parley.fuzz.cases", 2_000);
    private static final long SEED = Long.getLong("parley.fuzz.seed", 0x5EED_F422L);
    /** Close codes the protocol documents for bad input: invalid frames, too big, rate limited. */
    private static final Set<Integer> DOCUMENTED_CLOSES = Set.of(1008, 1009, 4008);
    private static final String DEEP = "@deep:";
    /** A marker that {@link #nextFrame} replaces by JSON escapes of lone surrogates and controls. */
    private static final String ESCAPES = "@escapes@";

    @TempDir
    Path blobs;
    private final Random random = new Random(SEED);
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger engineLog = (Logger) LoggerFactory.getLogger("dev.parley");
    private final Map<MessageType, JsonObject> templates = new EnumMap<>(MessageType.class);
    private int userCounter;

    @BeforeEach
    void engineWithEveryExtension() throws IOException {
        engine = ChatEngine.builder().store(store).authenticator(new TestAuthenticator()).clock(clock)
                // The clock moves fast here; timers (auth deadline, heartbeat) are not what this test is about.
                .config(EngineConfig.builder().extensions(ChatEngine.IMPLEMENTED_EXTENSIONS)
                        .authTimeout(Duration.ofDays(1)).idleTimeout(Duration.ofDays(1)).build())
                .blobStore(new FileSystemBlobStore(blobs)).build();
        engine.start();
        logged.start();
        engineLog.addAppender(logged);
    }

    @AfterEach
    void closeEngine() {
        engineLog.detachAppender(logged);
        engine.close();
    }

    @Test
    void randomAndMutatedFramesNeverBreakTheEngine() {
        Client bob = fuzzUser();
        Client authed = fuzzUser();
        String conv = payload(authed.call("create_conversation",
                "{\"type\":\"direct\",\"participant_ids\":[\"" + bob.session.userId() + "\"]}")).get("id").getAsString();
        String message = payload(authed.call("send_message", "{\"conversationId\":\"" + conv + "\",\"content\":\"hi\"}"))
                .getAsJsonObject("message").get("id").getAsString();
        fillTemplates(conv, message, bob.session.userId());
        Client anonymous = connect();

        int answers = 0;
        int closes = 0;
        long started = System.nanoTime();
        for (int i = 0; i < CASES; i++) {
            // Keep the frame rate under its limit: the point is bad input, not floods.
            clock.advance(Duration.ofMillis(100));
            boolean toAuthed = i % 2 == 0;
            Client target = toAuthed ? authed : anonymous;
            String frame = nextFrame();
            target.raw(frame);
            Outcome o = pingAfter(target, frame);
            answers += o.frames;
            if (o.closed) {
                closes++;
                if (toAuthed) {
                    authed = fuzzUser();
                } else {
                    anonymous = connect();
                }
            }
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        System.out.printf("EngineFuzzTest: %d fuzz cases run (seed %d) in %d ms: %d answer frames checked, "
                + "%d sessions closed with a documented code%n", CASES, SEED, millis, answers, closes);

        assertThat(engine.stats().counters()).doesNotContainKey("errors.SERVER_ERROR");
        assertThat(logged.list).as("engine log").noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.WARN));
        assertThat(bob.call("ping", "{}").get("type").getAsString()).isEqualTo("pong");
    }

    record Outcome(int frames, boolean closed) {
    }

    /** Sends a ping after the fuzz frame and checks every frame up to its pong. */
    private Outcome pingAfter(Client c, String sent) {
        if (c.transport.closeCode() != null) {
            return closed(c, sent, 0);
        }
        String pingId = c.send("ping", "{}");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        int frames = 0;
        while (System.nanoTime() < deadline) {
            JsonObject f = c.transport.poll(Duration.ofMillis(5));
            if (f == null) {
                if (c.transport.closeCode() != null) {
                    return closed(c, sent, frames);
                }
                continue;
            }
            frames++;
            checkWellFormed(f, sent);
            if (f.get("type").getAsString().equals("pong") && f.get("requestId").getAsString().equals(pingId)) {
                return new Outcome(frames, false);
            }
        }
        throw new AssertionError("no pong within 5 s after " + abbreviated(sent));
    }

    private Outcome closed(Client c, String sent, int frames) {
        JsonObject f;
        while ((f = c.transport.poll(Duration.ZERO)) != null) {
            checkWellFormed(f, sent);
            frames++;
        }
        assertThat(c.transport.closeCode()).as("close after " + abbreviated(sent)).isIn(DOCUMENTED_CLOSES);
        return new Outcome(frames, true);
    }

    private static void checkWellFormed(JsonObject f, String sent) {
        String context = "answer " + f + " to " + abbreviated(sent);
        assertThat(f.get("type").isJsonPrimitive()).as(context).isTrue();
        MessageType type = MessageType.fromWire(f.get("type").getAsString()).orElseThrow(
                () -> new AssertionError("unknown type in " + context));
        assertThat(type.isServerSendable()).as(context).isTrue();
        assertThat(f.get("payload").isJsonObject()).as(context).isTrue();
        assertThat(f.get("requestId").getAsString()).as(context).isNotEmpty();
        Timestamps.parse(f.get("timestamp").getAsString());
        if (type == MessageType.ERROR || type == MessageType.AUTH_ERROR) {
            String code = payload(f).get("code").getAsString();
            assertThat(ErrorCode.valueOf(code)).as(context).isNotEqualTo(ErrorCode.SERVER_ERROR);
            assertThat(payload(f).get("error").getAsString()).as(context).isNotEmpty();
        }
    }

    // ---- frames ----

    private String nextFrame() {
        int kind = random.nextInt(10);
        if (kind == 0) {
            return randomText(random.nextInt(200));
        }
        MessageType type = pick(new ArrayList<>(templates.keySet()));
        JsonObject frame = new JsonObject();
        frame.addProperty("type", type.wireName());
        frame.add("payload", templates.get(type).deepCopy());
        frame.addProperty("requestId", "f" + random.nextInt(1_000_000));
        frame.addProperty("timestamp", "2025-03-01T09:00:00.000Z");
        // Some frames stay valid, so state (messages, uploads, calls) builds up for later mutations.
        int mutations = kind == 3 ? 0 : 1 + random.nextInt(3);
        for (int m = 0; m < mutations; m++) {
            mutate(frame);
        }
        String text = expandDeep(frame.toString()).replace(ESCAPES, "\\ud800 \\udfff\\u0000\\uffff\\udbff\\ud800");
        if (kind == 1) {
            return text.substring(0, random.nextInt(text.length()));
        }
        if (kind == 2 && text.length() > 2) {
            int at = random.nextInt(text.length());
            return text.substring(0, at) + randomText(1 + random.nextInt(4)) + text.substring(at);
        }
        return text;
    }

    private void mutate(JsonObject frame) {
        JsonElement p = frame.get("payload");
        JsonObject payload = p != null && p.isJsonObject() ? p.getAsJsonObject() : null;
        switch (random.nextInt(8)) {
            case 0, 1, 2 -> {
                if (payload != null && !payload.keySet().isEmpty()) {
                    payload.add(pick(new ArrayList<>(payload.keySet())), randomValue(0));
                }
            }
            case 3 -> {
                if (payload != null && !payload.keySet().isEmpty()) {
                    payload.remove(pick(new ArrayList<>(payload.keySet())));
                }
            }
            case 4 -> frame.add(pick(List.of("type", "payload", "requestId", "timestamp")), randomValue(0));
            case 5 -> frame.remove(pick(List.of("type", "payload", "requestId", "timestamp")));
            case 6 -> {
                if (payload != null) {
                    payload.add(randomString(1 + random.nextInt(12)), randomValue(0));
                }
            }
            default -> frame.add("payload", randomValue(0));
        }
    }

    private JsonElement randomValue(int depth) {
        switch (random.nextInt(depth > 3 ? 9 : 12)) {
            case 0 -> {
                return JsonNull.INSTANCE;
            }
            case 1 -> {
                return new JsonPrimitive(random.nextBoolean());
            }
            case 2 -> {
                return new JsonPrimitive(pick(List.of(0, -1, Integer.MAX_VALUE, Long.MIN_VALUE, 2.5, -0.0)));
            }
            case 3 -> {
                return new JsonPrimitive(new BigDecimal("9".repeat(1 + random.nextInt(400)) + "e" + random.nextInt(400)));
            }
            case 4 -> {
                return new JsonPrimitive(randomString(random.nextInt(64)));
            }
            case 5 -> {
                // Huge strings, sometimes past the frame limit (1009 is a documented close).
                int n = random.nextInt(20) == 0 ? (1 << 20) + 10 : random.nextInt(70_000);
                return new JsonPrimitive("x".repeat(n));
            }
            case 6 -> {
                return new JsonPrimitive(pick(List.of("", " ", "2025-13-45T99:99:99Z", "../../etc/passwd",
                        "user:eve", "\u0000", "\uD800", "\uDC00x", "💥", "null", "true", "[]", "{}", ESCAPES)));
            }
            case 7 -> {
                return deepNesting(1 + random.nextInt(random.nextInt(20) == 0 ? 5_000 : 50));
            }
            case 8 -> {
                return new JsonPrimitive(randomString(random.nextInt(300)));
            }
            case 9 -> {
                JsonArray a = new JsonArray();
                // Long arrays only at the top, so a case stays small.
                int n = random.nextInt(depth == 0 && random.nextInt(10) == 0 ? 600 : 5);
                for (int i = 0; i < n; i++) {
                    a.add(randomValue(depth + 1));
                }
                return a;
            }
            default -> {
                JsonObject o = new JsonObject();
                int n = random.nextInt(5);
                for (int i = 0; i < n; i++) {
                    o.add(randomString(1 + random.nextInt(10)), randomValue(depth + 1));
                }
                return o;
            }
        }
    }

    /**
     * A marker that {@link #nextFrame} replaces by nested arrays and objects in the text (building
     * them as a tree would overflow the test's own stack when serialized).
     */
    private JsonElement deepNesting(int depth) {
        return new JsonPrimitive(DEEP + depth + "@");
    }

    private static String expandDeep(String text) {
        StringBuilder out = new StringBuilder(text.length());
        int from = 0;
        int at;
        while ((at = text.indexOf("\"" + DEEP, from)) >= 0) {
            int end = text.indexOf("@\"", at);
            int depth = Integer.parseInt(text.substring(at + 1 + DEEP.length(), end));
            out.append(text, from, at).append("[{\"a\":".repeat(depth / 2)).append("[".repeat(depth % 2)).append('1')
                    .append("]".repeat(depth % 2)).append("}]".repeat(depth / 2));
            from = end + 2;
        }
        return out.append(text, from, text.length()).toString();
    }

    /** Any UTF-16 units, lone surrogates, controls and noncharacters included. */
    private String randomString(int length) {
        StringBuilder b = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            switch (random.nextInt(5)) {
                case 0 -> b.append((char) random.nextInt(0x20));
                case 1 -> b.append((char) (0xD800 + random.nextInt(0x800)));
                case 2 -> b.appendCodePoint(0x10000 + random.nextInt(0x100000 - 0x10000));
                case 3 -> b.append((char) random.nextInt(0x10000));
                default -> b.append((char) (0x20 + random.nextInt(0x5F)));
            }
        }
        return b.toString();
    }

    /** Raw text, JSON-like or not. */
    private String randomText(int length) {
        StringBuilder b = new StringBuilder();
        String alphabet = "{}[]\":,\\ntrufalse0123456789.eE+-";
        for (int i = 0; i < length; i++) {
            b.append(random.nextBoolean() ? alphabet.charAt(random.nextInt(alphabet.length())) : randomString(1));
        }
        return b.toString();
    }

    private <T> T pick(List<T> from) {
        return from.get(random.nextInt(from.size()));
    }

    /** A valid payload for every client type, referring to a real conversation and message. */
    private void fillTemplates(String conv, String message, String otherUser) {
        String c = "\"conversationId\":\"" + conv + "\"";
        String m = c + ",\"messageId\":\"" + message + "\"";
        put(MessageType.AUTH, "{\"token\":\"not-a-token\",\"extensions\":[\"reactions\"]}");
        put(MessageType.PING, "{}");
        put(MessageType.PONG, "{}");
        put(MessageType.LOAD_CONVERSATIONS, "{}");
        put(MessageType.CREATE_CONVERSATION, "{\"type\":\"group\",\"participant_ids\":[\"" + otherUser + "\"],\"name\":\"n\"}");
        put(MessageType.JOIN_CONVERSATION, "{" + c + "}");
        put(MessageType.LEAVE_CONVERSATION, "{" + c + "}");
        put(MessageType.SEND_MESSAGE, "{" + c + ",\"content\":\"hello\",\"clientMessageId\":\"k1\",\"metadata\":{\"a\":1}}");
        put(MessageType.LOAD_MESSAGES, "{" + c + ",\"limit\":10}");
        put(MessageType.LOAD_MORE_MESSAGES, "{" + c + ",\"beforeMessageId\":\"" + message + "\",\"limit\":5}");
        put(MessageType.TYPING_START, "{" + c + "}");
        put(MessageType.TYPING_STOP, "{" + c + "}");
        put(MessageType.ADD_REACTION, "{" + m + ",\"emoji\":\"+1\"}");
        put(MessageType.REMOVE_REACTION, "{" + m + ",\"emoji\":\"+1\"}");
        put(MessageType.LOAD_THREAD, "{" + c + ",\"threadRootId\":\"" + message + "\",\"limit\":5}");
        put(MessageType.EDIT_MESSAGE, "{" + m + ",\"content\":\"edited\"}");
        put(MessageType.DELETE_MESSAGE, "{" + m + "}");
        put(MessageType.MARK_READ, "{" + m + "}");
        put(MessageType.SET_PRESENCE, "{\"status\":\"away\",\"customStatus\":\"x\"}");
        put(MessageType.GET_PRESENCE, "{\"userIds\":[\"" + otherUser + "\"]}");
        put(MessageType.SEARCH_MESSAGES, "{" + c + ",\"query\":\"hel\",\"limit\":5}");
        put(MessageType.RESUME, "{\"conversations\":[{" + c + ",\"lastSeq\":0}],\"since\":\"2025-03-01T09:00:00.000Z\"}");
        put(MessageType.CALL_OFFER, "{\"targetUserId\":\"" + otherUser + "\",\"sdpOffer\":\"o\",\"callType\":\"video\"," + c + "}");
        put(MessageType.CALL_ANSWER, "{\"callId\":\"c1\",\"sdpAnswer\":\"a\"}");
        put(MessageType.CALL_DECLINE, "{\"callId\":\"c1\",\"reason\":\"busy\"}");
        put(MessageType.CALL_END, "{\"callId\":\"c1\",\"reason\":\"bye\"}");
        put(MessageType.CALL_ICE_CANDIDATE, "{\"callId\":\"c1\",\"candidate\":{\"c\":1}}");
        put(MessageType.CALL_SDP_OFFER, "{\"callId\":\"c1\",\"sdp\":\"s\"}");
        put(MessageType.CALL_SDP_ANSWER, "{\"callId\":\"c1\",\"sdp\":\"s\"}");
        put(MessageType.FILE_UPLOAD_START, "{" + c + ",\"fileName\":\"f.txt\",\"mimeType\":\"text/plain\",\"size\":1}");
        put(MessageType.FILE_CHUNK, "{\"uploadId\":\"u1\",\"index\":0,\"data\":\"QQ==\"}");
        put(MessageType.FILE_UPLOAD_COMPLETE, "{\"uploadId\":\"u1\",\"content\":\"caption\"}");
        put(MessageType.FILE_UPLOAD_CANCEL, "{\"uploadId\":\"u1\"}");
        put(MessageType.FILE_DOWNLOAD, "{\"fileId\":\"f1\"}");
        put(MessageType.FILE_CHUNK_GET, "{\"fileId\":\"f1\",\"index\":0}");
        put(MessageType.PUBLISH_KEY, "{\"publicKey\":\"k\",\"keyType\":\"x25519\"}");
        put(MessageType.GET_KEYS, "{\"userIds\":[\"" + otherUser + "\"]}");
        for (MessageType t : MessageType.values()) {
            assertThat(!t.isClientSendable() || templates.containsKey(t)).as("fuzz template for " + t.wireName()).isTrue();
        }
    }

    private void put(MessageType type, String payload) {
        templates.put(type, Client.parse(payload));
    }

    /** A fresh user (so closed sessions never add up to the per-user connection limit). */
    private Client fuzzUser() {
        return login("fuzz" + (++userCounter), ChatEngine.IMPLEMENTED_EXTENSIONS.stream()
                .map(Extension::wireName).toArray(String[]::new));
    }

    private static String abbreviated(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "...(" + s.length() + " chars)" : s;
    }
}
