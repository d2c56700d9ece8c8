package dev.parley.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class FrameErrorsTest extends EngineHarness {

    @Test
    void malformedFramesGetInvalidMessageAndTheConnectionStays() {
        Client c = login("alice");
        c.raw("not json");
        JsonObject e = c.next("error");
        assertThat(payload(e).get("code").getAsString()).isEqualTo("INVALID_MESSAGE");
        assertThat(payload(e).get("requestId").isJsonNull()).isTrue();
        assertThat(e.get("requestId").getAsString()).isNotEmpty();
        c.raw("{\"type\":\"ping\",\"payload\":[1],\"requestId\":\"x1\"}");
        JsonObject e2 = c.next("error");
        assertThat(e2.get("requestId").getAsString()).isEqualTo("x1");
        assertThat(payload(e2).get("requestId").getAsString()).isEqualTo("x1");
        assertThat(c.call("ping", "{}").get("type").getAsString()).isEqualTo("pong");
    }

    @Test
    void unknownAndServerOnlyTypesAreUnknownMessageType() {
        Client c = login("alice");
        c.callError("fly_to_moon", "{}", "UNKNOWN_MESSAGE_TYPE");
        c.callError("message_sent", "{}", "UNKNOWN_MESSAGE_TYPE");
        c.callError("create_group", "{}", "UNKNOWN_MESSAGE_TYPE");
        c.callError("AUTH", "{}", "UNKNOWN_MESSAGE_TYPE");
    }

    @Test
    void extensionRequestsAreNotSupportedWhenDisabled() {
        Client c = login("alice");
        c.callError("add_reaction", "{\"conversationId\":\"c\",\"messageId\":\"m\",\"emoji\":\"x\"}", "NOT_SUPPORTED");
    }

    @Test
    void requestWithoutRequestIdIsAnsweredWithAFreshId() {
        Client c = login("alice");
        c.raw("{\"type\":\"ping\"}");
        JsonObject pong = c.next("pong");
        assertThat(pong.get("requestId").getAsString()).isNotEmpty();
        assertThat(payload(pong).entrySet()).isEmpty();
    }

    @Test
    void clientPongGetsNoAnswer() {
        Client c = login("alice");
        c.send("pong", "{}");
        c.transport.expectNothing(Duration.ofMillis(200));
    }

    @Test
    void binaryFramesAreInvalidMessage() {
        Client c = login("alice");
        c.session.onBinary();
        assertThat(payload(c.next("error")).get("code").getAsString()).isEqualTo("INVALID_MESSAGE");
    }

    @Test
    void oversizedFrameClosesWith1009() {
        Client c = login("alice");
        c.raw("{\"type\":\"ping\",\"payload\":{\"x\":\"" + "y".repeat(1 << 20) + "\"}}");
        assertThat(c.transport.awaitClose()).isEqualTo(1009);
    }

    @Test
    void repeatedInvalidFramesCloseWith1008() {
        Client c = login("alice");
        for (int i = 0; i < 21; i++) {
            c.raw("{\"type\":\"nope\",\"requestId\":\"n" + i + "\"}");
        }
        assertThat(c.transport.awaitClose()).isEqualTo(1008);
    }

    @Test
    void responsesFollowRequestOrder() {
        Client alice = login("alice");
        login("bob");
        String conv = createConversation(alice, "direct", "bob");
        for (int i = 0; i < 15; i++) {
            alice.send(i % 3 == 0 ? "load_conversations" : i % 3 == 1 ? "ping" : "load_messages",
                    "{\"conversationId\":\"" + conv + "\"}");
        }
        String previous = "";
        int answers = 0;
        while (answers < 15) {
            JsonObject f = alice.transport.next();
            String id = f.get("requestId").getAsString();
            if (id.startsWith("r")) {
                int n = Integer.parseInt(id.substring(1));
                assertThat(previous.isEmpty() || n > Integer.parseInt(previous.substring(1))).isTrue();
                previous = id;
                answers++;
            }
        }
    }

    @Test
    void customHandlersAnswerTheirOwnTypes() {
        engine = ChatEngine.builder().store(store).authenticator(new dev.parley.core.testkit.TestAuthenticator())
                .clock(clock).handler("echo", req -> {
                    JsonObject p = new JsonObject();
                    p.addProperty("from", req.userId());
                    p.add("said", req.payload().get("text"));
                    req.reply("echoed", p);
                }).build();
        engine.start();
        try {
            Client c = connect();
            c.callError("echo", "{\"text\":\"hi\"}", "UNAUTHORIZED");
            c.call("auth", "{\"token\":\"user:alice\"}");
            JsonObject r = c.call("echo", "{\"text\":\"hi\"}");
            assertThat(r.get("type").getAsString()).isEqualTo("echoed");
            assertThat(payload(r).get("from").getAsString()).isEqualTo("alice");
            assertThat(payload(r).get("said").getAsString()).isEqualTo("hi");
        } finally {
            engine.close();
        }
    }
}
