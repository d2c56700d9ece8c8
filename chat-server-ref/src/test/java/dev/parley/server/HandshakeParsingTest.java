package dev.parley.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.java_websocket.handshake.HandshakeImpl1Client;
import org.junit.jupiter.api.Test;

class HandshakeParsingTest {

    private static HandshakeImpl1Client request(String descriptor) {
        HandshakeImpl1Client h = new HandshakeImpl1Client();
        h.setResourceDescriptor(descriptor);
        return h;
    }

    @Test
    void theBearerHeaderWinsOverTheQueryAndIsReadCaseInsensitively() {
        HandshakeImpl1Client h = request("/ws?token=from-query");
        h.put("authorization", "bearer from-header");
        assertThat(SessionBridge.tokenOf(h)).isEqualTo("from-header");
        assertThat(SessionBridge.tokenOf(request("/ws?token=from-query"))).isEqualTo("from-query");
    }

    @Test
    void theQueryTokenIsUrlDecodedAndOtherParametersAreIgnored() {
        assertThat(SessionBridge.tokenOf(request("/?v=1&token=a%2Bb.c_d&x=2"))).isEqualTo("a+b.c_d");
        assertThat(SessionBridge.tokenOf(request("/?notoken=x&tokens=y"))).isNull();
        assertThat(SessionBridge.tokenOf(request("/?token="))).isNull();
        assertThat(SessionBridge.tokenOf(request("/ws"))).isNull();
        HandshakeImpl1Client basic = request("/ws");
        basic.put("Authorization", "Basic dXNlcjpwYXNz");
        assertThat(SessionBridge.tokenOf(basic)).isNull();
    }

    @Test
    void pathsLoseTheirQueryString() {
        assertThat(SessionBridge.pathOf("/ws?token=secret")).isEqualTo("/ws");
        assertThat(SessionBridge.pathOf("/health")).isEqualTo("/health");
        assertThat(SessionBridge.pathOf("")).isEqualTo("/");
    }

    @Test
    void frameSummariesNameTheTypeAndNothingElse() {
        assertThat(FrameSummary.typeOf("{\"type\":\"send_message\",\"payload\":{\"content\":\"secret\"}}")).isEqualTo("send_message");
        assertThat(FrameSummary.typeOf("{\"payload\":{\"token\":\"secret\"},\"type\":\"auth\"}")).isEqualTo("?");
        assertThat(FrameSummary.typeOf("{\"type\":\"a secret with spaces\"}")).isEqualTo("?");
        assertThat(FrameSummary.typeOf("{\"type\":\"" + "x".repeat(100) + "\"}")).isEqualTo("?");
        assertThat(FrameSummary.typeOf("not json")).isEqualTo("?");
    }
}
