package dev.parley.store.jdbi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Bodies and queries split into words by one rule, so every query word can find its body word. */
class SearchTextTest {
    @Test
    void aBodysWordsAreLowerCasedRunsOfLettersDigitsAndMarksEachOnce() {
        assertThat(SearchText.words("Hello, hello WORLD! well-known 3.14 Grüße e\u0301t\u00e9"))
                .isEqualTo("'hello' 'world' 'well' 'known' '3' '14' 'grüße' 'e\u0301t\u00e9'");
    }

    @Test
    void quotesNulSurrogatesAndEmojiSeparateWordsAndNeverReachTheLiteral() {
        assertThat(SearchText.words("it's a\u0000b \\back\\slash \ud800x \uD83D\uDE00y"))
                .isEqualTo("'it' 's' 'a' 'b' 'back' 'slash' 'x' 'y'");
    }

    @Test
    void aBodyWithoutWordsHasNoneAndNoBodyHasNone() {
        assertThat(SearchText.words(" ... \uD83D\uDE00 ")).isNull();
        assertThat(SearchText.words("")).isNull();
        assertThat(SearchText.words(null)).isNull();
    }

    @Test
    void wordsTooLongForTheIndexAreLeftOut() {
        // 1,023 two-byte letters fit (2,046 bytes); 1,024 do not.
        String fits = "é".repeat(1023);
        assertThat(SearchText.words(fits + " " + "é".repeat(1024) + " short")).isEqualTo("'" + fits + "' 'short'");
        assertThat(SearchText.prefixQuery("é".repeat(1024))).isNull();
        assertThat(SearchText.prefixQuery(fits)).isEqualTo("'" + fits + "':*");
    }

    @Test
    void aQueryOfWordsBecomesPrefixesOfAllOfThemAndAnythingElseIsMatchedLiterally() {
        assertThat(SearchText.prefixQuery("  Hel  WOR ")).isEqualTo("'hel':* & 'wor':*");
        assertThat(SearchText.prefixQuery("e\u0301t")).isEqualTo("'e\u0301t':*");
        assertThat(SearchText.prefixQuery("it's")).isNull();
        assertThat(SearchText.prefixQuery("\uD83D\uDE00")).isNull();
        assertThat(SearchText.prefixQuery("   ")).isNull();
        // Any white space separates query words, as anything but a word character separates body words.
        assertThat(SearchText.prefixQuery("foo\u3000bar\tbaz")).isEqualTo("'foo':* & 'bar':* & 'baz':*");
    }
}
