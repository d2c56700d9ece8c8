package dev.parley.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.java_websocket.framing.TextFrame;
import org.junit.jupiter.api.Test;

/** Compression is set up only for connections whose handshake asks for it. */
class DeflateOfferTest {

    @Test
    void aHandshakeWithoutTheExtensionLeavesNothingBehind() {
        DeflateOffer offer = (DeflateOffer) new DeflateOffer(64 * 1024).copyInstance();
        assertThat(offer.acceptProvidedExtensionAsServer("")).isFalse();
        assertThat(offer.acceptProvidedExtensionAsServer("x-webkit-deflate-frame")).isFalse();
        assertThat(offer.negotiated()).isFalse();
        assertThat(offer.getProvidedExtensionAsServer()).isEmpty();
        assertThatThrownBy(() -> offer.encodeFrame(new TextFrame())).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aRequestedDeflateIsNegotiatedWithTheClientsParameters() {
        DeflateOffer offer = new DeflateOffer(64 * 1024);
        assertThat(offer.acceptProvidedExtensionAsServer("permessage-deflate; client_max_window_bits")).isTrue();
        assertThat(offer.negotiated()).isTrue();
        assertThat(offer.getProvidedExtensionAsServer()).startsWith("permessage-deflate");
    }
}
