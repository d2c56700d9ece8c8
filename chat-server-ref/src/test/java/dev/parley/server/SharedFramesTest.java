package dev.parley.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.enums.Role;
import org.java_websocket.framing.Framedata;
import org.junit.jupiter.api.Test;

/** The shared frames are byte for byte what the library's server-side encoder writes. */
class SharedFramesTest {

    @Test
    void textFramesMatchTheLibrarysEncodingAtEveryLengthForm() {
        for (int length : new int[] {0, 1, 125, 126, 127, 65_535, 65_536, 200_000}) {
            String text = "x".repeat(length);
            assertThat(bytes(SharedFrames.encodeText(text))).as("length %d", length).isEqualTo(libraryFrame(text));
        }
        String nonAscii = "grüße 🙂 ".repeat(20); // multi-byte UTF-8 moves the length past 125
        assertThat(bytes(SharedFrames.encodeText(nonAscii))).isEqualTo(libraryFrame(nonAscii));
    }

    @Test
    void everyRecipientGetsItsOwnViewOfOneEncoding() {
        String text = "{\"type\":\"message_received\"}";
        ByteBuffer first = SharedFrames.textFrame(text);
        ByteBuffer second = SharedFrames.textFrame(text);
        byte[] expected = libraryFrame(text);
        assertThat(bytes(first)).isEqualTo(expected);
        first.position(first.limit()); // as if written to the network
        assertThat(bytes(second)).as("consuming one view leaves the others whole").isEqualTo(expected);
        assertThat(bytes(SharedFrames.textFrame(new String(text)))).isEqualTo(expected);
    }

    @Test
    void pingIsAnEmptyPingControlFrame() {
        ByteBuffer ping = SharedFrames.ping();
        assertThat(bytes(ping)).containsExactly((byte) 0x89, (byte) 0x00);
        ping.position(2);
        assertThat(SharedFrames.ping().remaining()).isEqualTo(2);
    }

    private static byte[] libraryFrame(String text) {
        Draft_6455 draft = new Draft_6455();
        draft.setParseMode(Role.SERVER);
        List<Framedata> frames = draft.createFrames(text, false);
        assertThat(frames).hasSize(1);
        return bytes(draft.createBinaryFrame(frames.get(0)));
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer view = b.duplicate();
        byte[] out = new byte[view.remaining()];
        view.get(out);
        return out;
    }
}
