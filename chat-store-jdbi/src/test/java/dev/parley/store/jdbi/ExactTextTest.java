package dev.parley.store.jdbi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class ExactTextTest {
    @Property(tries = 2000)
    void anyStringSurvivesEncodeAndDecode(@ForAll("anyChars") String s) {
        assertThat(ExactText.decode(ExactText.encode(s))).isEqualTo(s);
    }

    @Provide
    Arbitrary<String> anyChars() {
        // Every UTF-16 code unit, surrogates included, so lone and paired surrogates both occur.
        return Arbitraries.strings().withCharRange('\u0000', '\uffff').ofMaxLength(40);
    }

    @Test
    void wellFormedStringsAreStoredAsPlainUtf8() {
        String s = "a\u0000\u00e9\u4e2d\ud83d\ude00";

        assertThat(ExactText.encode(s)).isEqualTo(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void loneSurrogatesKeepTheirCodeUnits() {
        assertThat(ExactText.decode(ExactText.encode("\ud800"))).isEqualTo("\ud800");
        assertThat(ExactText.decode(ExactText.encode("x\udfff\ud83d\ude00\ud83d"))).isEqualTo("x\udfff\ud83d\ude00\ud83d");
    }

    @Test
    void nullStaysNull() {
        assertThat(ExactText.encode(null)).isNull();
        assertThat(ExactText.decode(null)).isNull();
    }
}
