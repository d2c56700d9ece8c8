package dev.parley.server;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Server-to-client WebSocket frames (unmasked, final, no extension bits), encoded once and shared.
 * The engine hands every recipient of a broadcast the same {@code String}; each sending thread
 * remembers the last text it encoded, by identity, so a fan-out encodes its frame once and gives
 * each connection only a view of the shared bytes.
 */
final class SharedFrames {
    private static final byte FIN_TEXT = (byte) 0x81;
    private static final byte FIN_PING = (byte) 0x89;
    private static final ByteBuffer PING = ByteBuffer.wrap(new byte[] {FIN_PING, 0});

    private static final class Last {
        String text;
        ByteBuffer frame;
    }

    private static final ThreadLocal<Last> LAST = ThreadLocal.withInitial(Last::new);

    private SharedFrames() {
    }

    /** A text frame carrying {@code text}, as a view of its own (position 0) that the caller may consume. */
    static ByteBuffer textFrame(String text) {
        Last last = LAST.get();
        if (last.text != text) {
            last.frame = encodeText(text);
            last.text = text;
        }
        return last.frame.duplicate();
    }

    /** An empty ping control frame. */
    static ByteBuffer ping() {
        return PING.duplicate();
    }

    /** RFC 6455 section 5.2: FIN + text opcode, then a 7, 16 or 64-bit payload length, then the UTF-8 payload. */
    static ByteBuffer encodeText(String text) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        int n = payload.length;
        int header = n <= 125 ? 2 : n <= 0xFFFF ? 4 : 10;
        ByteBuffer frame = ByteBuffer.allocate(header + n);
        frame.put(FIN_TEXT);
        if (n <= 125) {
            frame.put((byte) n);
        } else if (n <= 0xFFFF) {
            frame.put((byte) 126).putShort((short) n);
        } else {
            frame.put((byte) 127).putLong(n);
        }
        frame.put(payload);
        return frame.flip();
    }
}
