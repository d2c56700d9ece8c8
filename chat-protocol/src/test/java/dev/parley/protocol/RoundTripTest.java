package dev.parley.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.payload.CallPayloads.CallStatus;
import dev.parley.protocol.payload.PresencePayloads.SetPresence;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RoundTripTest {
    private static final JsonCodec CODEC = JsonCodec.standard();
    private static final Map<MessageType, Record> REQUESTS = Samples.requests();
    private static final Map<MessageType, Record> SERVER = Samples.serverPayloads();

    @Test
    void everyMessageTypeHasASampleForEachDirectionItIsSentIn() {
        List<String> problems = new ArrayList<>();
        for (MessageType type : MessageType.values()) {
            check(problems, type, "request", type.requestPayload(), REQUESTS.get(type));
            check(problems, type, "server", type.serverPayload(), SERVER.get(type));
        }
        assertThat(problems).as("add a sample to Samples for each new message type").isEmpty();
    }

    private static void check(List<String> problems, MessageType type, String direction, Class<?> payload, Record sample) {
        if (payload == null && sample != null) {
            problems.add(type + ": a " + direction + " sample for a type never sent that way");
        } else if (payload != null && sample == null) {
            problems.add(type + ": no " + direction + " sample");
        } else if (payload != null && !payload.isInstance(sample)) {
            problems.add(type + ": " + direction + " sample is " + sample.getClass().getSimpleName()
                    + ", expected " + payload.getSimpleName());
        }
    }

    @ParameterizedTest
    @EnumSource(MessageType.class)
    void requestPayloadSurvivesEncodeAndServerSideDecode(MessageType type) {
        Record sample = REQUESTS.get(type);
        if (type.requestPayload() == null) {
            assertThat(sample).isNull();
            return;
        }
        String text = CODEC.encode(type, sample, "req-" + type.wireName(), Samples.T0);

        Envelope env = CODEC.decodeRequest(text);
        Record decoded = CODEC.readRequestPayload(env);

        assertThat(env.type()).isEqualTo(type.wireName());
        assertThat(env.messageType()).isEqualTo(type);
        assertThat(env.requestId()).isEqualTo("req-" + type.wireName());
        assertThat(env.timestamp()).isEqualTo("2025-03-01T09:00:10.012Z");
        assertThat(decoded).isInstanceOf(type.requestPayload()).isEqualTo(sample);
    }

    @ParameterizedTest
    @EnumSource(MessageType.class)
    void serverPayloadSurvivesEncodeAndClientSideDecode(MessageType type) {
        Record sample = SERVER.get(type);
        if (type.serverPayload() == null) {
            assertThat(sample).isNull();
            return;
        }
        String text = CODEC.encode(type, sample, null, Samples.T1);

        Envelope env = CODEC.decodeFrame(text);
        Object decoded = CODEC.readServerPayload(env.payload(), type.serverPayload());

        assertThat(env.messageType()).isEqualTo(type);
        assertThat(env.requestId()).isNotBlank();
        assertThat(decoded).isEqualTo(sample);
    }

    @Test
    void setPresenceKeepsAbsentNullAndValueOfCustomStatusApart() {
        for (SetPresence p : List.of(new SetPresence("away", null), new SetPresence("away", Optional.empty()),
                new SetPresence("away", Optional.of("Back at 3")))) {
            String text = CODEC.encode(MessageType.SET_PRESENCE, p, "r-1", Samples.T0);
            assertThat(Frames.read(text)).isEqualTo(p);
        }
        assertThat(Frames.json(CODEC.encode(MessageType.SET_PRESENCE, new SetPresence("away", null), "r", Samples.T0))
                .getAsJsonObject("payload").has("customStatus")).as("absent stays absent").isFalse();
    }

    @Test
    void callStatusWritesDurationOnlyWhenGivenAndNullWhenUnknown() {
        CallStatus ended = new CallStatus("call-1", "ended", null, Optional.empty());
        CallStatus connected = new CallStatus("call-1", "connected", null, null);
        CallStatus timed = new CallStatus("call-1", "ended", null, Optional.of(42L));

        assertThat(Frames.json(CODEC.toJson(ended)).get("duration").isJsonNull()).isTrue();
        assertThat(Frames.json(CODEC.toJson(connected)).has("duration")).isFalse();
        assertThat(Frames.json(CODEC.toJson(timed)).get("duration").getAsLong()).isEqualTo(42);
        for (CallStatus s : List.of(ended, connected, timed)) {
            assertThat(CODEC.fromJson(CODEC.toJson(s), CallStatus.class)).isEqualTo(s);
        }
    }

    @Test
    void errorFrameCarriesTheFailedRequestIdAndDetails() {
        ProtocolException e = Frames.refused("join_conversation", "{}");
        String text = CODEC.encodeError(e, Samples.T0);

        Envelope env = CODEC.decodeFrame(text);
        assertThat(env.type()).isEqualTo("error");
        assertThat(env.requestId()).isEqualTo("r-1");
        assertThat(env.payload().get("code").getAsString()).isEqualTo("MISSING_REQUIRED_FIELDS");
        assertThat(env.payload().get("requestId").getAsString()).isEqualTo("r-1");
        assertThat(env.payload().getAsJsonObject("details").getAsJsonArray("fields").get(0).getAsString())
                .isEqualTo("conversationId");
    }

    @Test
    void errorForAnUnreadableFrameHasAFreshEnvelopeIdAndNullPayloadRequestId() {
        ProtocolException e = Frames.refused("[1,2,3]");
        String text = CODEC.encodeError(e, Samples.T0);

        Envelope env = CODEC.decodeFrame(text);
        assertThat(env.requestId()).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
        assertThat(env.payload().get("requestId").isJsonNull()).isTrue();
        assertThat(env.payload().get("code").getAsString()).isEqualTo("INVALID_MESSAGE");
        assertThat(env.payload().has("details")).isFalse();
    }
}
