package dev.parley.store.jdbi;

import java.util.Locale;

/**
 * The searchable image of a body: lower-cased, with U+0000 and every surrogate replaced by U+FFFD,
 * which a text column can hold. The map works char by char, so a query found in a body is also
 * found in its image; the reverse can fail, so hits are checked against the exact body.
 */
final class SearchText {
    private static final char REPLACEMENT = '\ufffd';

    private SearchText() {
    }

    static String image(String s) {
        if (s == null) {
            return null;
        }
        char[] chars = lower(s).toCharArray();
        for (int i = 0; i < chars.length; i++) {
            if (chars[i] == '\u0000' || Character.isSurrogate(chars[i])) {
                chars[i] = REPLACEMENT;
            }
        }
        return new String(chars);
    }

    /** A LIKE pattern (escape character {@code \}) matching images that contain the query's image. */
    static String containsPattern(String query) {
        String image = image(query);
        StringBuilder pattern = new StringBuilder(image.length() + 2).append('%');
        for (char c : image.toCharArray()) {
            if (c == '\\' || c == '%' || c == '_') {
                pattern.append('\\');
            }
            pattern.append(c);
        }
        return pattern.append('%').toString();
    }

    /** The exact test: case-insensitive containment, as the in-memory store defines it. */
    static boolean contains(String body, String query) {
        return body != null && lower(body).contains(lower(query));
    }

    private static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
