package dev.parley.protocol;

import static dev.parley.protocol.Frames.CODEC;
import static dev.parley.protocol.Frames.read;
import static dev.parley.protocol.Frames.refused;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.payload.ConversationPayloads.ConversationRequest;
import dev.parley.protocol.payload.SystemPayloads.Empty;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The envelope rules: what makes a frame readable at all, and which id an error answers. */
class EnvelopeTest {

    @ParameterizedTest
    @ValueSource(strings = {"[]", "[{\"type\":\"ping\"}]", "\"ping\"", "42", "null", "true", ""})
    void aFrameThatIsNotAJsonObjectIsAnInvalidMessageWithoutRequestId(String text) {
        ProtocolException e = refused(text);
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_MESSAGE);
        assertThat(e.requestId()).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"payload\":{},\"requestId\":\"r-7\"}",
        "{\"type\":null,\"payload\":{},\"requestId\":\"r-7\"}",
        "{\"type\":7,\"payload\":{},\"requestId\":\"r-7\"}",
        "{\"type\":[\"ping\"],\"payload\":{},\"requestId\":\"r-7\"}",
        "{\"type\":{\"name\":\"ping\"},\"payload\":{},\"requestId\":\"r-7\"}",
        "{\"type\":\"\",\"payload\":{},\"requestId\":\"r-7\"}"})
    void aMissingOrNonStringTypeIsAnInvalidMessageThatEchoesTheRequestId(String text) {
        ProtocolException e = refused(text);
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_MESSAGE);
        assertThat(e.requestId()).isEqualTo("r-7");
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "[{\"conversationId\":\"c-1\"}]", "\"c-1\"", "12", "false"})
    void aNonObjectPayloadIsAnInvalidMessageThatEchoesTheRequestId(String payload) {
        ProtocolException e = refused(Frames.frame("join_conversation", payload));
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_MESSAGE);
        assertThat(e.requestId()).isEqualTo("r-1");
        assertThat(e.getMessage()).contains("payload");
    }

    @Test
    void anAbsentOrNullPayloadIsReadAsAnEmptyObject() {
        assertThat(read("{\"type\":\"load_conversations\",\"requestId\":\"r-1\"}")).isEqualTo(Empty.INSTANCE);
        assertThat(read("{\"type\":\"ping\",\"payload\":null}")).isEqualTo(Empty.INSTANCE);
        assertThat(CODEC.decodeRequest("{\"type\":\"ping\"}").payload().entrySet()).isEmpty();

        ProtocolException e = refused("{\"type\":\"join_conversation\",\"requestId\":\"r-2\"}");
        assertThat(e.code()).isEqualTo(ErrorCode.MISSING_REQUIRED_FIELDS);
        assertThat(e.details()).containsEntry("fields", List.of("conversationId"));
        assertThat(e.requestId()).isEqualTo("r-2");
    }

    @ParameterizedTest
    @ValueSource(strings = {"42", "true", "[\"r-1\"]", "{\"id\":\"r-1\"}", "\"\""})
    void aNonStringOrEmptyRequestIdIsAnInvalidMessageAnsweredWithoutId(String requestId) {
        ProtocolException e = refused("{\"type\":\"ping\",\"payload\":{},\"requestId\":" + requestId + "}");
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_MESSAGE);
        assertThat(e.requestId()).isNull();
        assertThat(e.getMessage()).contains("requestId");
    }

    @Test
    void aNullOrAbsentRequestIdIsAllowed() {
        assertThat(CODEC.decodeRequest("{\"type\":\"ping\",\"payload\":{},\"requestId\":null}").requestId()).isNull();
        assertThat(CODEC.decodeRequest("{\"type\":\"ping\",\"payload\":{}}").requestId()).isNull();
    }

    @Test
    void requestIdsUpTo128CharactersAreEchoedAndLongerOnesRefused() {
        String max = "r".repeat(128);
        assertThat(CODEC.decodeRequest("{\"type\":\"ping\",\"requestId\":\"" + max + "\"}").requestId()).isEqualTo(max);

        ProtocolException e = refused("{\"type\":\"ping\",\"requestId\":\"" + max + "x\"}");
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_MESSAGE);
        assertThat(e.requestId()).isNull();
    }

    @Test
    void requestIdLengthCountsCharactersNotUtf16Units() {
        String emoji = "😀".repeat(128);
        assertThat(CODEC.decodeRequest("{\"type\":\"ping\",\"requestId\":\"" + emoji + "\"}").requestId()).isEqualTo(emoji);
        assertThat(refused("{\"type\":\"ping\",\"requestId\":\"" + emoji + "😀\"}").code()).isEqualTo(ErrorCode.INVALID_MESSAGE);
    }

    @Test
    void aReadableRequestIdIsEchoedInPayloadErrors() {
        ProtocolException e = refused("{\"type\":\"send_message\",\"payload\":{\"conversationId\":5,\"content\":\"x\"},"
                + "\"requestId\":\"5b0e7c1e-0f4e-4a53-9a55-2d7b1f3f7a10\"}");
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_DATA);
        assertThat(e.requestId()).isEqualTo("5b0e7c1e-0f4e-4a53-9a55-2d7b1f3f7a10");
    }

    @ParameterizedTest
    @ValueSource(strings = {"no_such_type", "message_sent", "auth_success", "error", "typing_update", "call_status",
        "create_group", "group_created", "join_group", "group_joined", "load_groups", "groups_loaded",
        "key_init", "key_share", "key_request", "key_response", "ml_kem_call_offer", "ml_kem_call_answer",
        "ml_kem_key_rotation", "ml_kem_key_rotation_response", "ml_kem_key_rotation_complete",
        "AUTH", "Send_Message", "ping ", " ping"})
    void unknownServerOnlyReservedAndWronglyCasedTypesAreUnknownMessageTypes(String type) {
        ProtocolException e = refused(Frames.frame(type, "{}"));
        assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_MESSAGE_TYPE);
        assertThat(e.requestId()).isEqualTo("r-1");
        assertThat(e.getMessage()).contains(type);
    }

    @Test
    void decodeFrameReadsServerOnlyTypesForClients() {
        Envelope env = CODEC.decodeFrame(Frames.frame("message_sent", "{\"message\":null}"));
        assertThat(env.messageType()).isEqualTo(MessageType.MESSAGE_SENT);

        Envelope unknown = CODEC.decodeFrame(Frames.frame("brand_new_event", "{}"));
        assertThat(unknown.messageType()).isNull();
        assertThat(unknown.type()).isEqualTo("brand_new_event");
    }

    @Test
    void unknownEnvelopeAndPayloadFieldsAreIgnored() {
        Record r = read("{\"type\":\"join_conversation\",\"payload\":{\"conversationId\":\"c-1\",\"extra\":[1,{}]},"
                + "\"requestId\":\"r-1\",\"timestamp\":\"not a time, and ignored\",\"version\":2,\"trace\":{}}");
        assertThat(r).isEqualTo(new ConversationRequest("c-1"));
    }

    @Test
    void typeNamesOnTheWireAreTheLowerCaseEnumNames() {
        for (MessageType t : MessageType.values()) {
            assertThat(t.wireName()).matches("[a-z_]+");
            assertThat(MessageType.fromWire(t.wireName())).contains(t);
        }
        assertThat(MessageType.fromWire("SEND_MESSAGE")).isEmpty();
    }
}
