package dev.parley.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.Envelope;
import dev.parley.protocol.JsonCodec;
import dev.parley.protocol.MessageType;
import dev.parley.protocol.payload.AuthPayloads.Auth;
import dev.parley.protocol.payload.ConversationPayloads.ConversationRequest;
import dev.parley.protocol.payload.ConversationPayloads.CreateConversation;
import dev.parley.protocol.payload.MessagePayloads.SendMessage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class FramesTest {
    private final JsonCodec codec = JsonCodec.standard();

    @Test
    void contentCarriesItsSendTimeAndHasThePayloadSize() {
        String content = Frames.content(123_456_789L, 7, 42, 100);

        assertThat(content).startsWith("lt1:123456789:7:42:");
        assertThat(content.getBytes(StandardCharsets.UTF_8)).hasSize(100);
        assertThat(Frames.markerTime(content)).isEqualTo(123_456_789L);
    }

    @Test
    void markerIsNeverCutToFitATinyPayload() {
        String content = Frames.content(987_654_321L, 1, 1, 5);

        assertThat(content).isEqualTo("lt1:987654321:1:1:");
        assertThat(Frames.markerTime(content)).isEqualTo(987_654_321L);
    }

    @Test
    void textWithoutACompleteMarkerHasNoSendTime() {
        assertThat(Frames.markerTime("hello")).isEqualTo(-1);
        assertThat(Frames.markerTime("lt1:")).isEqualTo(-1);
        assertThat(Frames.markerTime("lt1:12")).isEqualTo(-1);
        assertThat(Frames.markerTime("lt1:x:1")).isEqualTo(-1);
    }

    @Test
    void requestsAreValidProtocolFrames() {
        SendMessage send = (SendMessage) payloadOf(Frames.sendMessage(Frames.quote("c-\"1\""),
                Frames.content(5, 1, 2, 64), "s2"), MessageType.SEND_MESSAGE, "s2");
        assertThat(send.conversationId()).isEqualTo("c-\"1\"");
        assertThat(send.content()).isEqualTo(Frames.content(5, 1, 2, 64));
        assertThat(send.messageType()).isEqualTo("text");

        Auth auth = (Auth) payloadOf(Frames.auth("tok.en", List.of(), "auth"), MessageType.AUTH, "auth");
        assertThat(auth.token()).isEqualTo("tok.en");
        assertThat(auth.extensions()).isNullOrEmpty();
        Auth negotiating = (Auth) payloadOf(Frames.auth("tok.en", List.of("receipts", "presence"), "auth"),
                MessageType.AUTH, "auth");
        assertThat(negotiating.extensions()).containsExactly("receipts", "presence");

        CreateConversation create = (CreateConversation) payloadOf(
                Frames.createGroup("room 1", List.of("u-1", "u-2"), "create"), MessageType.CREATE_CONVERSATION,
                "create");
        assertThat(create.type()).isEqualTo("group");
        assertThat(create.participantIds()).containsExactly("u-1", "u-2");
        assertThat(create.name()).isEqualTo("room 1");

        ConversationRequest join = (ConversationRequest) payloadOf(Frames.join("c-9", "join"),
                MessageType.JOIN_CONVERSATION, "join");
        assertThat(join.conversationId()).isEqualTo("c-9");
    }

    @Test
    void messageFramesYieldTheirSendTimeWithoutParsingThePayload() {
        String frame = "{\"type\":\"message_received\",\"payload\":{\"message\":{\"id\":\"m-1\","
                + "\"encrypted_content\":\"lt1:5000:3:9:xxxx\"}},\"requestId\":\"r-1\",\"timestamp\":\"t\"}";

        Frames.Inbound in = Frames.parse(frame);

        assertThat(in.type()).isEqualTo("message_received");
        assertThat(in.requestId()).isEqualTo("r-1");
        assertThat(in.sendNanos()).isEqualTo(5000);
        assertThat(in.payload()).isNull();
        assertThat(in.isAnswerToSend()).isFalse();
    }

    @Test
    void errorAnswersToSendsCarryTheirCodeAndRetryDelay() {
        String frame = "{\"payload\":{\"error\":\"slow down\",\"code\":\"RATE_LIMITED\",\"requestId\":\"lt-send-7\","
                + "\"details\":{\"retryAfterMs\":250}},\"type\":\"error\",\"requestId\":\"lt-send-7\"}";

        Frames.Inbound in = Frames.parse(frame);

        assertThat(in.type()).isEqualTo("error");
        assertThat(in.isAnswerToSend()).isTrue();
        assertThat(in.errorCode()).isEqualTo("RATE_LIMITED");
        assertThat(in.retryAfterMs()).isEqualTo(250);
        assertThat(in.sendNanos()).isEqualTo(-1);
    }

    @Test
    void eventsAreNotMistakenForAnswersWhateverTheirIds() {
        assertThat(Frames.parse("{\"type\":\"user_online\",\"payload\":{},\"requestId\":\"s-03\"}")
                .isAnswerToSend()).isFalse();
        assertThat(Frames.parse("{\"type\":\"user_online\",\"payload\":{}}").isAnswerToSend()).isFalse();
    }

    @Test
    void setupAnswersKeepTheirPayload() {
        Frames.Inbound in = Frames.parse("{\"type\":\"auth_success\",\"payload\":{\"user\":{\"id\":\"u-1\"}},"
                + "\"requestId\":\"auth\"}");

        assertThat(in.payload().getAsJsonObject("user").get("id").getAsString()).isEqualTo("u-1");
        assertThat(in.errorCode()).isEqualTo("ERROR_WITHOUT_CODE");
        assertThat(in.retryAfterMs()).isZero();
    }

    @Test
    void framesThatAreNotEnvelopesAreUnreadable() {
        assertThat(Frames.parse("not json").type()).isNull();
        assertThat(Frames.parse("[1,2]").type()).isNull();
        assertThat(Frames.parse("{\"payload\":{}}").type()).isNull();
        assertThat(Frames.parse("{\"type\":7}").type()).isNull();
        assertThat(Frames.parse("{\"type\":\"pong\"").type()).isNull();
    }

    private Record payloadOf(String frame, MessageType type, String requestId) {
        Envelope env = codec.decodeRequest(frame);
        assertThat(env.messageType()).isEqualTo(type);
        assertThat(env.requestId()).isEqualTo(requestId);
        return codec.readRequestPayload(env);
    }
}
