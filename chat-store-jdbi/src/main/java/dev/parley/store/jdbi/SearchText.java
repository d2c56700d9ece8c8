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

    /**
     * A PostgreSQL {@code tsquery} that holds when every word of {@code query} begins a word of the
     * body ({@code 'hel':* & 'wor':*}), or null when the query has anything but letters, digits and
     * white space: punctuation, symbols and emoji are not words to the text search parser, so such a
     * query is matched literally instead. Words contain no quote or operator, so they need no escaping.
     */
    static String prefixQuery(String query) {
        if (query.isBlank() || !query.codePoints().allMatch(c -> Character.isLetterOrDigit(c)
                || Character.getType(c) == Character.NON_SPACING_MARK
                || Character.getType(c) == Character.COMBINING_SPACING_MARK || Character.isWhitespace(c))) {
            return null;
        }
        StringBuilder tsquery = new StringBuilder();
        for (String word : lower(query).strip().split("\\s+")) {
            tsquery.append(tsquery.length() == 0 ? "" : " & ").append('\'').append(word).append("':*");
        }
        return tsquery.toString();
    }

    /** The exact test: case-insensitive containment, as the in-memory store defines it. */
    static boolean contains(String body, String query) {
        return body != null && lower(body).contains(lower(query));
    }

    private static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
