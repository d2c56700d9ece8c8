package dev.parley.store.jdbi;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Encodes any Java string to bytes and back without loss. Well-formed strings (nearly all) are
 * plain UTF-8. A string holding a lone surrogate, which a JSON {@code \ud800} escape can produce and
 * UTF-8 cannot express, is encoded as WTF-8: the lone surrogate takes the three-byte form of its code
 * unit. Columns hold these bytes because PostgreSQL text rejects U+0000.
 */
final class ExactText {
    private ExactText() {
    }

    static byte[] encode(String s) {
        if (s == null) {
            return null;
        }
        return hasLoneSurrogate(s) ? encodeWtf8(s) : s.getBytes(StandardCharsets.UTF_8);
    }

    static String decode(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        return hasEncodedSurrogate(bytes) ? decodeWtf8(bytes) : new String(bytes, StandardCharsets.UTF_8);
    }

    private static boolean hasLoneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    /** UTF-8 writes surrogate code units only as ED A0..BF; well-formed UTF-8 never has that pair. */
    private static boolean hasEncodedSurrogate(byte[] bytes) {
        for (int i = 0; i + 1 < bytes.length; i++) {
            if (bytes[i] == (byte) 0xED && (bytes[i + 1] & 0xFF) >= 0xA0) {
                return true;
            }
        }
        return false;
    }

    private static byte[] encodeWtf8(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length() * 3);
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp < 0x80) {
                out.write(cp);
            } else if (cp < 0x800) {
                out.write(0xC0 | cp >> 6);
                out.write(0x80 | cp & 0x3F);
            } else if (cp < 0x10000) {
                out.write(0xE0 | cp >> 12);
                out.write(0x80 | cp >> 6 & 0x3F);
                out.write(0x80 | cp & 0x3F);
            } else {
                out.write(0xF0 | cp >> 18);
                out.write(0x80 | cp >> 12 & 0x3F);
                out.write(0x80 | cp >> 6 & 0x3F);
                out.write(0x80 | cp & 0x3F);
            }
        }
        return out.toByteArray();
    }

    private static String decodeWtf8(byte[] b) {
        StringBuilder sb = new StringBuilder(b.length);
        for (int i = 0; i < b.length; ) {
            int lead = b[i] & 0xFF;
            int cp;
            if (lead < 0x80) {
                cp = lead;
                i += 1;
            } else if (lead < 0xE0) {
                cp = (lead & 0x1F) << 6 | b[i + 1] & 0x3F;
                i += 2;
            } else if (lead < 0xF0) {
                cp = (lead & 0x0F) << 12 | (b[i + 1] & 0x3F) << 6 | b[i + 2] & 0x3F;
                i += 3;
            } else {
                cp = (lead & 0x07) << 18 | (b[i + 1] & 0x3F) << 12 | (b[i + 2] & 0x3F) << 6 | b[i + 3] & 0x3F;
                i += 4;
            }
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }
}
