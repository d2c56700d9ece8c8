package dev.parley.server;

/** What debug logs may say about a frame: its type, never its content. */
final class FrameSummary {
    private static final String TYPE_PREFIX = "{\"type\":\"";
    private static final int MAX_TYPE_CHARS = 64;

    private FrameSummary() {
    }

    /**
     * The envelope's {@code type} when the frame starts with it (as every frame this server encodes
     * does, and most clients' do), else {@code "?"}: a summary must not parse, or echo, the rest.
     */
    static String typeOf(String frame) {
        if (!frame.startsWith(TYPE_PREFIX)) {
            return "?";
        }
        int start = TYPE_PREFIX.length();
        int end = frame.indexOf('"', start);
        if (end < 0 || end - start > MAX_TYPE_CHARS) {
            return "?";
        }
        String type = frame.substring(start, end);
        for (int i = 0; i < type.length(); i++) {
            char c = type.charAt(i);
            if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
                return "?";
            }
        }
        return type;
    }
}
