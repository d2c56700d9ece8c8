package dev.parley.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.model.Message;
import dev.parley.protocol.payload.MessagePayloads.MessagesLoaded;
import dev.parley.protocol.payload.SystemPayloads.ErrorPayload;
import org.junit.jupiter.api.Test;

/** Clients read server payloads leniently: absent fields become null, zero or false. */
class ServerPayloadReadingTest {
    private final JsonCodec codec = JsonCodec.standard();

    @Test
    void absentObjectFieldsReadAsNull() {
        Envelope env = codec.decodeFrame("{\"type\":\"error\",\"payload\":{\"error\":\"no\",\"code\":\"ACCESS_DENIED\"},"
                + "\"requestId\":\"r-1\"}");
        ErrorPayload p = codec.readServerPayload(env.payload(), ErrorPayload.class);
        assertThat(p.code()).isEqualTo("ACCESS_DENIED");
        assertThat(p.requestId()).isNull();
        assertThat(p.details()).isNull();
    }

    @Test
    void absentPrimitiveFieldsReadAsZeroOrFalse() {
        Envelope env = codec.decodeFrame("{\"type\":\"messages_loaded\",\"payload\":{\"conversationId\":\"c-1\","
                + "\"messages\":[{\"id\":\"m-1\",\"conversation_id\":\"c-1\"}]},\"requestId\":\"r-1\"}");
        MessagesLoaded p = codec.readServerPayload(env.payload(), MessagesLoaded.class);
        assertThat(p.hasMore()).isFalse();
        Message m = p.messages().get(0);
        assertThat(m.seq()).isZero();
        assertThat(m.senderId()).isNull();
    }
}
