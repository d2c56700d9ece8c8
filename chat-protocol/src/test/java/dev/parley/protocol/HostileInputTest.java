package dev.parley.protocol;

import static dev.parley.protocol.Frames.frame;
import static dev.parley.protocol.Frames.read;
import static dev.parley.protocol.Frames.refused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import dev.parley.protocol.payload.MessagePayloads.MessageSent;
import dev.parley.protocol.payload.MessagePayloads.SendMessage;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Input an attacker or a broken client could send: every case ends in a ProtocolException with the right code. */
class HostileInputTest {
    private static final String VALID = frame("send_message",
            "{\"conversationId\":\"c-1\",\"content\":\"hi\",\"metadata\":{\"a\":[1,2,{\"b\":null}]},\"clientMessageId\":\"cm-1\"}");

    @Test
    void everyTruncationOfAValidFrameIsAnInvalidMessage() {
        assertThat(read(VALID)).isInstanceOf(SendMessage.class);
        for (int length = 0; length < VALID.length(); length++) {
            String truncated = VALID.substring(0, length);
            assertThat(refused(truncated).code()).as("truncated to %d: %s", length, truncated).isEqualTo(ErrorCode.INVALID_MESSAGE);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"x", "{}", ",", "]", "}", " null", "\"tail\"", "/* comment */", "// comment", "\u0000"})
    void trailingDataAfterTheObjectIsAnInvalidMessage(String tail) {
        assertThat(refused(VALID + tail).code()).isEqualTo(ErrorCode.INVALID_MESSAGE);
    }

    @Test
    void surroundingWhitespaceAndALeadingByteOrderMarkAreFine() {
        assertThat(read(" \n\t" + VALID + " \r\n")).isInstanceOf(SendMessage.class);
        assertThat(read("\uFEFF" + VALID)).isInstanceOf(SendMessage.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{'type':'ping'}",
        "{type:\"ping\"}",
        "{\"type\":\"ping\",}",
        "{\"type\":\"ping\" /* c */}",
        "{\"type\":\"load_messages\",\"payload\":{\"conversationId\":\"c\",\"limit\":NaN}}",
        "{\"type\":\"load_messages\",\"payload\":{\"conversationId\":\"c\",\"limit\":Infinity}}",
        "{\"type\":\"load_messages\",\"payload\":{\"conversationId\":\"c\",\"limit\":010}}",
        "{\"type\":\"join_conversation\",\"payload\":{\"conversationId\":\"c\\x41\"}}",
        "{\"type\":\"join_conversation\",\"payload\":{\"conversationId\":\"c\\u12\"}}",
        ")]}'\n{\"type\":\"ping\"}"})
    void malformedJsonIsAnInvalidMessage(String text) {
        assertThat(refused(text).code()).isEqualTo(ErrorCode.INVALID_MESSAGE);
    }

    @Test
    void tenThousandLevelsOfNestingAreRefusedWithoutOverflowingTheStack() {
        String deep = "[".repeat(10_000) + "]".repeat(10_000);
        String objects = "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000);
        for (String text : new String[] {
                deep,
                objects,
                frame("send_message", "{\"conversationId\":\"c-1\",\"content\":\"x\",\"metadata\":{\"k\":" + deep + "}}"),
                frame("send_message", "{\"conversationId\":\"c-1\",\"content\":\"x\",\"metadata\":" + objects + "}"),
                "[".repeat(10_000)}) {
            ProtocolException e = refused(text);
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_MESSAGE);
        }
    }

    @Test
    void nestingIsAllowedUpToTheConfiguredDepth() {
        int limit = ProtocolLimits.DEFAULTS.maxNestingDepth();
        // The frame, its payload and the metadata object are three levels; the arrays inside add the rest.
        int arrays = limit - 3;
        String ok = frame("send_message", "{\"conversationId\":\"c-1\",\"content\":\"x\",\"metadata\":{\"k\":"
                + "[".repeat(arrays) + "]".repeat(arrays) + "}}");
        assertThat(read(ok)).isInstanceOf(SendMessage.class);

        String tooDeep = frame("send_message", "{\"conversationId\":\"c-1\",\"content\":\"x\",\"metadata\":{\"k\":"
                + "[".repeat(arrays + 1) + "]".repeat(arrays + 1) + "}}");
        assertThat(refused(tooDeep).code()).isEqualTo(ErrorCode.INVALID_MESSAGE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1e999999", "-1e999999", "1E+2147483648", "0.0000000000000000000000001", "9223372036854775808",
        "-9223372036854775809"})
    void hugeOrFractionalNumbersInIntegerFieldsAreInvalidData(String number) {
        ProtocolException e = refused("load_messages", "{\"conversationId\":\"c-1\",\"limit\":" + number + "}");
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_DATA);
        assertThat(e.details()).containsEntry("field", "limit").containsEntry("reason", "must be an integer");
    }

    @Test
    void aFourHundredDigitIntegerIsInvalidDataWherePresentAndWhereNested() {
        String digits = "7".repeat(400);
        assertThat(refused("load_messages", "{\"conversationId\":\"c-1\",\"limit\":" + digits + "}").details())
                .containsEntry("field", "limit").containsEntry("reason", "must be an integer");
        assertThat(refused("resume", "{\"conversations\":[{\"conversationId\":\"c-1\",\"lastSeq\":" + digits + "}]}").details())
                .containsEntry("field", "conversations[0].lastSeq");
        assertThat(refused("file_upload_start", "{\"conversationId\":\"c-1\",\"fileName\":\"a\",\"mimeType\":\"a/b\",\"size\":"
                + digits + "}").details()).containsEntry("field", "size");
    }

    @Test
    void hugeNumbersInsideOpaqueMetadataAreKeptVerbatim() {
        SendMessage m = (SendMessage) read(frame("send_message",
                "{\"conversationId\":\"c-1\",\"content\":\"x\",\"metadata\":{\"n\":1e999999,\"d\":" + "9".repeat(400) + "}}"));
        assertThat(Frames.CODEC.toJson(m.metadata())).isEqualTo("{\"n\":1e999999,\"d\":" + "9".repeat(400) + "}");
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS) // a hang guard, not a performance assertion
    void tenMegabytesOfContentUnderAGenerousFrameLimitAreTooLarge() {
        JsonCodec generous = new JsonCodec(ProtocolLimits.builder().maxFrameBytes(16 << 20).build());
        String text = frame("send_message", "{\"conversationId\":\"c-1\",\"content\":\"" + "x".repeat(10_000_000) + "\"}");

        ProtocolException e = Frames.refused(generous, text);

        assertThat(e.code()).isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE);
        assertThat(e.details()).containsEntry("field", "content").containsEntry("maxBytes", 65536L);
        assertThat(e.requestId()).isEqualTo("r-1");
    }

    @Test
    void aFrameOverMaxFrameBytesIsTooLargeBeforeItIsParsed() {
        String oneMebibyteOfGarbage = "{" + "x".repeat(1 << 20);
        ProtocolException e = refused(oneMebibyteOfGarbage);
        assertThat(e.code()).isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE);
        assertThat(e.details()).containsEntry("field", "frame").containsEntry("maxBytes", 1048576L);
        assertThat(e.requestId()).isNull();
    }

    @Test
    void theFrameLimitCountsUtf8BytesAndIncludesItsLastByte() {
        String prefix = "{\"type\":\"send_message\",\"payload\":{\"conversationId\":\"c-1\",\"content\":\"";
        String suffix = "\"}}";
        int limit = 200;
        JsonCodec small = new JsonCodec(ProtocolLimits.builder().maxFrameBytes(limit).build());
        int room = limit - prefix.length() - suffix.length();

        String exact = prefix + "x".repeat(room) + suffix;
        assertThat(exact.getBytes(StandardCharsets.UTF_8)).hasSize(limit);
        assertThat(Frames.read(small, exact)).isInstanceOf(SendMessage.class);

        assertThat(Frames.refused(small, prefix + "x".repeat(room + 1) + suffix).details()).containsEntry("field", "frame");
        // Fewer characters than the limit, but more bytes: "é" is two bytes.
        String multibyte = prefix + "é".repeat(room / 2 + 1) + suffix;
        assertThat(multibyte.length()).isLessThan(limit);
        assertThat(Frames.refused(small, multibyte).details()).containsEntry("field", "frame");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\\uD800", "a\\uD800b", "\\uDC00", "\\uDE00\\uD83D", "x\\uD83D", "\\uD83D\\uD83D\\uDE00\\uDE00"})
    void unpairedSurrogateEscapesInContentAreInvalidData(String escaped) {
        ProtocolException e = refused("send_message", "{\"conversationId\":\"c-1\",\"content\":\"" + escaped + "\"}");
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_DATA);
        assertThat(e.details()).containsEntry("field", "content").containsEntry("reason", "must be valid Unicode (unpaired surrogate)");
        assertThat(e.requestId()).isEqualTo("r-1");
    }

    @Test
    void rawUnpairedSurrogatesInTheTextAreInvalidDataToo() {
        ProtocolException e = refused("send_message", "{\"conversationId\":\"c-1\",\"content\":\"a\uD800b\"}");
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_DATA);
        assertThat(refused("join_conversation", "{\"conversationId\":\"c\uDFFF\"}").details()).containsEntry("field", "conversationId");
    }

    @Test
    void unpairedSurrogatesInTheRequestIdAreAnInvalidMessage() {
        ProtocolException e = refused("{\"type\":\"ping\",\"requestId\":\"r\\uD800\"}");
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_MESSAGE);
        assertThat(e.requestId()).isNull();
    }

    @Test
    void nulAndControlCharactersAndEmojiInContentArriveByteForByte() {
        String expected = "a\u0000b\u0001\u001f😀👩🏽‍💻\u2028\u00ff\uFFFF";
        String escaped = "a\\u0000b\\u0001\\u001F\\uD83D\\uDE00👩🏽‍💻\\u2028ÿ\\uffff";
        SendMessage m = (SendMessage) read(frame("send_message", "{\"conversationId\":\"c-1\",\"content\":\"" + escaped + "\"}"));
        assertThat(m.content()).isEqualTo(expected);
        assertThat(m.content().getBytes(StandardCharsets.UTF_8)).isEqualTo(expected.getBytes(StandardCharsets.UTF_8));

        // ...and survive the trip back out as a message body.
        String out = Frames.CODEC.encode(MessageType.SEND_MESSAGE, m, "r-2", Samples.T0);
        assertThat(((SendMessage) read(out)).content()).isEqualTo(expected);
    }

    @Test
    void rawControlCharactersInsideStringsAreReadAsGiven() {
        SendMessage m = (SendMessage) read(frame("send_message", "{\"conversationId\":\"c-1\",\"content\":\"tab\tnul\u0000\"}"));
        assertThat(m.content()).isEqualTo("tab\tnul\u0000");
    }

    @Test
    void aHundredThousandParticipantsAreRefusedByCount() {
        String ids = IntStream.range(0, 100_000).mapToObj(i -> "\"" + i + "\"").collect(Collectors.joining(",", "[", "]"));
        ProtocolException e = refused("create_conversation", "{\"participant_ids\":" + ids + "}");
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_DATA);
        assertThat(e.details()).containsEntry("field", "participant_ids");
    }

    @Test
    void manyUnknownFieldsAreIgnored() {
        String fields = IntStream.range(0, 20_000).mapToObj(i -> "\"f" + i + "\":" + i).collect(Collectors.joining(","));
        Record r = read(frame("join_conversation", "{" + fields + ",\"conversationId\":\"c-1\"}"));
        assertThat(r).isNotNull();
    }

    @Test
    void aLongTypeNameIsAnUnknownType() {
        String type = String.join("", Collections.nCopies(10_000, "a"));
        assertThat(refused(frame(type, "{}")).code()).isEqualTo(ErrorCode.UNKNOWN_MESSAGE_TYPE);
    }

    @Test
    void aPayloadOfTheWrongShapeForAClientIsAnInvalidMessage() {
        JsonObject payload = Frames.json("{\"message\":[1,2]}");
        assertThatThrownBy(() -> Frames.CODEC.readServerPayload(payload, MessageSent.class))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_MESSAGE));
    }
}
