package dev.parley.store.jdbi;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

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

    /** PostgreSQL refuses a lexeme of 2,048 bytes or more; longer words are left out of the index. */
    private static final int MAX_WORD_BYTES = 2047;

    /**
     * The words of a body as a PostgreSQL {@code tsvector} literal ({@code 'brave' 'hello'}), or null
     * when it has none. A word is a run of letters, digits and combining marks, lower-cased; everything
     * else separates words. Made here rather than by {@code to_tsvector}, whose parser cost the
     * database about a third of each append, and so that bodies and queries ({@link #prefixQuery})
     * split into words by one rule. Words contain no quote or backslash, so they need no escaping.
     */
    static String words(String body) {
        if (body == null) {
            return null;
        }
        Set<String> words = new LinkedHashSet<>();
        for (String word : wordsOf(lower(body))) {
            if (word.length() * 3 < MAX_WORD_BYTES || utf8Length(word) < MAX_WORD_BYTES) {
                words.add(word);
            }
        }
        if (words.isEmpty()) {
            return null;
        }
        StringBuilder literal = new StringBuilder(body.length() + 3 * words.size());
        for (String word : words) {
            literal.append(literal.length() == 0 ? "" : " ").append('\'').append(word).append('\'');
        }
        return literal.toString();
    }

    /**
     * A PostgreSQL {@code tsquery} literal that holds when every word of {@code query} begins a word
     * of the body ({@code 'hel':* & 'wor':*}), or null when the query has anything but words and white
     * space (punctuation, symbols, emoji), or a word too long to index: such a query is matched
     * literally instead.
     */
    static String prefixQuery(String query) {
        if (!query.codePoints().allMatch(c -> isWordChar(c) || Character.isWhitespace(c))) {
            return null;
        }
        StringBuilder tsquery = new StringBuilder();
        for (String word : wordsOf(lower(query))) {
            if (utf8Length(word) >= MAX_WORD_BYTES) {
                return null;
            }
            tsquery.append(tsquery.length() == 0 ? "" : " & ").append('\'').append(word).append("':*");
        }
        return tsquery.length() == 0 ? null : tsquery.toString();
    }

    /** The runs of word characters in {@code s}, in order, repeats included. */
    private static List<String> wordsOf(String s) {
        List<String> words = new ArrayList<>();
        int start = -1;
        for (int i = 0; i <= s.length(); ) {
            int c = i < s.length() ? s.codePointAt(i) : ' ';
            if (isWordChar(c)) {
                if (start < 0) {
                    start = i;
                }
            } else if (start >= 0) {
                words.add(s.substring(start, i));
                start = -1;
            }
            i += Character.charCount(c);
        }
        return words;
    }

    private static boolean isWordChar(int c) {
        return Character.isLetterOrDigit(c) || Character.getType(c) == Character.NON_SPACING_MARK
                || Character.getType(c) == Character.COMBINING_SPACING_MARK;
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** The exact test: case-insensitive containment, as the in-memory store defines it. */
    static boolean contains(String body, String query) {
        return body != null && lower(body).contains(lower(query));
    }

    private static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
