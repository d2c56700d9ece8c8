package dev.parley.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.parley.protocol.Extension;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Call signalling relay (protocol 6.8). */
class CallsTest extends EngineHarness {
    private Client alice;
    private Client bobPhone;
    private Client bobLaptop;

    @BeforeEach
    void setUp() {
        // connections stay open while a test moves the clock past the tombstone retention
        useConfig(EngineConfig.builder().extensions(Set.of(Extension.CALLS)).idleTimeout(Duration.ofHours(1))
                .build());
        alice = login("alice", "calls");
        bobPhone = login("bob", "calls");
        bobLaptop = login("bob", "calls");
        createConversation(alice, "direct", "bob");
        bobPhone.next("conversation_created");
        bobLaptop.next("conversation_created");
    }

    private String offer() {
        JsonObject status = payload(alice.call("call_offer",
                "{\"targetUserId\":\"bob\",\"sdpOffer\":{\"type\":\"offer\",\"sdp\":\"v=0...\"},\"callType\":\"video\","
                        + "\"kemCiphertext\":\"opaque-key-material\"}"));
        assertThat(status.get("status").getAsString()).isEqualTo("calling");
        assertThat(status.getAsJsonObject("targetUser").get("id").getAsString()).isEqualTo("bob");
        return status.get("callId").getAsString();
    }

    @Test
    void offerRingsEveryCalleeConnectionWithOpaqueFieldsCopied() {
        String callId = offer();
        for (Client bob : new Client[] {bobPhone, bobLaptop}) {
            JsonObject ring = payload(bob.next("call_offer"));
            assertThat(ring.get("callId").getAsString()).isEqualTo(callId);
            assertThat(ring.get("from").getAsString()).isEqualTo("alice");
            assertThat(ring.get("fromName").getAsString()).isEqualTo("Alice");
            assertThat(ring.get("callType").getAsString()).isEqualTo("video");
            assertThat(ring.getAsJsonObject("sdpOffer").get("sdp").getAsString()).isEqualTo("v=0...");
            assertThat(ring.get("kemCiphertext").getAsString()).isEqualTo("opaque-key-material");
            assertThat(ring.has("targetUserId")).isFalse();
        }
    }

    @Test
    void answerConnectsOneDeviceAndTheOthersHearHandledElsewhere() {
        String callId = offer();
        bobPhone.next("call_offer");
        bobLaptop.next("call_offer");
        JsonObject ack = payload(bobPhone.call("call_answer",
                "{\"callId\":\"" + callId + "\",\"sdpAnswer\":\"answer-sdp\"}"));
        assertThat(ack.get("status").getAsString()).isEqualTo("connected");
        JsonObject answer = payload(alice.next("call_answer"));
        assertThat(answer.get("sdpAnswer").getAsString()).isEqualTo("answer-sdp");
        assertThat(answer.get("from").getAsString()).isEqualTo("bob");
        assertThat(payload(bobLaptop.next("call_status")).get("status").getAsString()).isEqualTo("handled_elsewhere");
        bobLaptop.callError("call_answer", "{\"callId\":\"" + callId + "\",\"sdpAnswer\":\"late\"}", "CONFLICT");

        // After the answer, relays go only between the two connections in the call.
        alice.call("call_ice_candidate", "{\"callId\":\"" + callId + "\",\"candidate\":{\"c\":1}}");
        assertThat(payload(bobPhone.next("call_ice_candidate")).getAsJsonObject("candidate").get("c").getAsInt())
                .isEqualTo(1);
        bobLaptop.transport.expectNothing(Duration.ofMillis(200));
        bobPhone.call("call_sdp_offer", "{\"callId\":\"" + callId + "\",\"sdp\":\"renegotiate\"}");
        assertThat(payload(alice.next("call_sdp_offer")).get("sdp").getAsString()).isEqualTo("renegotiate");

        clock.advance(Duration.ofSeconds(42));
        JsonObject ended = payload(alice.call("call_end", "{\"callId\":\"" + callId + "\",\"reason\":\"bye\"}"));
        assertThat(ended.get("status").getAsString()).isEqualTo("ended");
        assertThat(ended.get("duration").getAsLong()).isEqualTo(42);
        JsonObject end = payload(bobPhone.next("call_end"));
        assertThat(end.get("reason").getAsString()).isEqualTo("bye");
        assertThat(end.get("duration").getAsLong()).isEqualTo(42);
        alice.callError("call_end", "{\"callId\":\"" + callId + "\"}", "CONFLICT");
    }

    @Test
    void requestsOnAnEndedCallAreConflictsForItsPartiesUntilTheCallIsForgotten() {
        String callId = offer();
        alice.call("call_end", "{\"callId\":\"" + callId + "\",\"reason\":\"changed my mind\"}");
        assertThat(payload(bobPhone.next("call_end")).get("reason").getAsString()).isEqualTo("changed my mind");

        String id = "{\"callId\":\"" + callId + "\"";
        bobPhone.callError("call_answer", id + ",\"sdpAnswer\":\"late\"}", "CONFLICT");
        bobLaptop.callError("call_decline", id + "}", "CONFLICT");
        bobPhone.callError("call_end", id + "}", "CONFLICT");
        alice.callError("call_end", id + "}", "CONFLICT");
        alice.callError("call_ice_candidate", id + ",\"candidate\":{\"c\":1}}", "CONFLICT");
        bobPhone.callError("call_sdp_answer", id + ",\"sdp\":\"x\"}", "CONFLICT");
        alice.callError("call_answer", id + ",\"sdpAnswer\":\"x\"}", "NOT_FOUND");

        clock.advance(Duration.ofMinutes(10));
        bobPhone.callError("call_answer", id + ",\"sdpAnswer\":\"much later\"}", "NOT_FOUND");
        alice.callError("call_end", id + "}", "NOT_FOUND");
    }

    @Test
    void answeringOrDecliningACallThatRangOutIsAConflict() {
        String callId = offer();
        clock.advance(Duration.ofSeconds(45));
        engine.sweep();
        assertThat(payload(bobPhone.next("call_end")).get("reason").getAsString()).isEqualTo("timeout");
        bobPhone.callError("call_answer", "{\"callId\":\"" + callId + "\",\"sdpAnswer\":\"late\"}", "CONFLICT");
        bobLaptop.callError("call_decline", "{\"callId\":\"" + callId + "\"}", "CONFLICT");
    }

    @Test
    void anEndedCallIsStillNotFoundForNonParties() {
        Client eve = login("eve", "calls");
        String callId = offer();
        bobLaptop.call("call_decline", "{\"callId\":\"" + callId + "\",\"reason\":\"busy\"}");
        bobPhone.callError("call_answer", "{\"callId\":\"" + callId + "\",\"sdpAnswer\":\"a\"}", "CONFLICT");
        eve.callError("call_answer", "{\"callId\":\"" + callId + "\",\"sdpAnswer\":\"x\"}", "NOT_FOUND");
        eve.callError("call_decline", "{\"callId\":\"" + callId + "\"}", "NOT_FOUND");
        eve.callError("call_end", "{\"callId\":\"" + callId + "\"}", "NOT_FOUND");
        eve.callError("call_ice_candidate", "{\"callId\":\"" + callId + "\",\"candidate\":\"c\"}", "NOT_FOUND");
    }

    @Test
    void declineReachesTheCaller() {
        String callId = offer();
        JsonObject ack = payload(bobLaptop.call("call_decline", "{\"callId\":\"" + callId + "\",\"reason\":\"busy\"}"));
        assertThat(ack.get("status").getAsString()).isEqualTo("declined");
        JsonObject decline = payload(alice.next("call_decline"));
        assertThat(decline.get("reason").getAsString()).isEqualTo("busy");
        assertThat(payload(bobPhone.next("call_status")).get("status").getAsString()).isEqualTo("handled_elsewhere");
    }

    @Test
    void unansweredCallsEndAfterTheRingTimeout() {
        String callId = offer();
        clock.advance(Duration.ofSeconds(45));
        engine.sweep();
        JsonObject end = payload(alice.next("call_end"));
        assertThat(end.get("callId").getAsString()).isEqualTo(callId);
        assertThat(end.get("reason").getAsString()).isEqualTo("timeout");
        assertThat(payload(bobPhone.next("call_end")).get("reason").getAsString()).isEqualTo("timeout");
    }

    @Test
    void aPartyDisconnectingEndsTheCall() {
        String callId = offer();
        bobPhone.call("call_answer", "{\"callId\":\"" + callId + "\",\"sdpAnswer\":\"a\"}");
        bobPhone.close();
        JsonObject end = payload(alice.next("call_end"));
        assertThat(end.get("reason").getAsString()).isEqualTo("disconnected");
    }

    @Test
    void strangersCannotRingAndNonPartiesCannotTouchACall() {
        Client eve = login("eve", "calls");
        eve.callError("call_offer", "{\"targetUserId\":\"alice\",\"sdpOffer\":\"x\"}", "ACCESS_DENIED");
        alice.transport.expectNothing(Duration.ofMillis(200));
        String callId = offer();
        eve.callError("call_answer", "{\"callId\":\"" + callId + "\",\"sdpAnswer\":\"x\"}", "NOT_FOUND");
        eve.callError("call_end", "{\"callId\":\"" + callId + "\"}", "NOT_FOUND");
        alice.callError("call_offer", "{\"targetUserId\":\"alice\",\"sdpOffer\":\"x\"}", "INVALID_DATA");
        alice.callError("call_offer", "{\"targetUserId\":\"bob\"}", "MISSING_REQUIRED_FIELDS");
        alice.callError("call_offer", "{\"targetUserId\":\"bob\",\"sdpOffer\":\"x\",\"extra\":\"" + "y".repeat(70000) + "\"}",
                "PAYLOAD_TOO_LARGE");
    }

    @Test
    void calleeWithoutAConnectionIsUnavailable() {
        Client carol = login("carol", "calls");
        createConversation(alice, "direct", "carol");
        carol.close();
        assertThat(LimitsTest.waitFor(() -> !engine.stats().onlineUsers().contains("carol"))).isTrue();
        JsonObject status = payload(alice.call("call_offer", "{\"targetUserId\":\"carol\",\"sdpOffer\":\"x\"}"));
        assertThat(status.get("status").getAsString()).isEqualTo("unavailable");
    }

    @Test
    void legacyConnectionsNeverSeeCallFrames() {
        Client legacyBob = login("bob");
        offer();
        legacyBob.transport.expectNothing(Duration.ofMillis(300));
    }
}
