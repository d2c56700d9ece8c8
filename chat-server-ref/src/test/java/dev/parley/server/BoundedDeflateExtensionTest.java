package dev.parley.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.Deflater;
import org.java_websocket.exceptions.LimitExceededException;
import org.java_websocket.framing.CloseFrame;
import org.java_websocket.framing.TextFrame;
import org.junit.jupiter.api.Test;

class BoundedDeflateExtensionTest {

    /** A permessage-deflate frame as a client sends it: raw DEFLATE, sync-flushed, without the 00 00 FF FF tail. */
    private static TextFrame compressedFrame(byte[] plain) {
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
        deflater.setInput(plain);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        while ((n = deflater.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH)) > 0) {
            out.write(buf, 0, n);
        }
        deflater.end();
        byte[] bytes = out.toByteArray();
        TextFrame frame = new TextFrame();
        frame.setRSV1(true);
        frame.setFin(true);
        frame.setPayload(ByteBuffer.wrap(Arrays.copyOf(bytes, bytes.length - 4)));
        return frame;
    }

    @Test
    void inflatesAMessageWithinTheLimit() throws Exception {
        byte[] plain = "{\"type\":\"ping\",\"payload\":{}}".repeat(100).getBytes(StandardCharsets.UTF_8);
        TextFrame frame = compressedFrame(plain);
        new BoundedDeflateExtension(64 * 1024).decodeFrame(frame);
        ByteBuffer decoded = frame.getPayloadData();
        byte[] bytes = new byte[decoded.remaining()];
        decoded.get(bytes);
        assertThat(bytes).isEqualTo(plain);
    }

    @Test
    void stopsInflatingPastTheLimitInsteadOfExpandingABomb() {
        byte[] bomb = new byte[64 * 1024 * 1024];
        TextFrame frame = compressedFrame(bomb);
        assertThat(frame.getPayloadData().remaining()).isLessThan(128 * 1024);
        assertThatThrownBy(() -> new BoundedDeflateExtension(64 * 1024).decodeFrame(frame))
                .isInstanceOf(LimitExceededException.class)
                .satisfies(e -> assertThat(((LimitExceededException) e).getCloseCode()).isEqualTo(CloseFrame.TOOBIG));
    }

    @Test
    void copiesKeepTheLimit() {
        TextFrame frame = compressedFrame(new byte[1024 * 1024]);
        BoundedDeflateExtension copy = (BoundedDeflateExtension) new BoundedDeflateExtension(1000).copyInstance();
        assertThatThrownBy(() -> copy.decodeFrame(frame)).isInstanceOf(LimitExceededException.class);
    }
}
