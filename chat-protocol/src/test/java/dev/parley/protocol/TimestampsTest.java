package dev.parley.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.DateTimeException;
import java.time.Instant;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TimestampsTest {
    private static final String WIRE_FORM = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z";

    @ParameterizedTest(name = "{0}s + {1}ns -> {2}")
    @CsvSource({
        "0,          0,         1970-01-01T00:00:00.000Z",
        "1740819600, 0,         2025-03-01T09:00:00.000Z",
        "1740819600, 123456789, 2025-03-01T09:00:00.123Z",
        "1740819600, 999999999, 2025-03-01T09:00:00.999Z",
        "1740819600, 1000000,   2025-03-01T09:00:00.001Z",
        "1740819600, 999999,    2025-03-01T09:00:00.000Z",
        "253402300799, 0,       9999-12-31T23:59:59.000Z"})
    void formatAlwaysWritesThreeFractionDigitsAndZ(long seconds, long nanos, String expected) {
        // Instant.toString() would write "2025-03-01T09:00:00Z" or nine digits here.
        assertThat(Timestamps.format(Instant.ofEpochSecond(seconds, nanos))).isEqualTo(expected).matches(WIRE_FORM);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "2025-03-01T09:00:00.000Z,        2025-03-01T09:00:00Z",
        "2025-03-01T09:00:00Z,            2025-03-01T09:00:00Z",
        "2025-03-01T10:00:00+01:00,       2025-03-01T09:00:00Z",
        "2025-03-01T04:30:00.5-04:30,     2025-03-01T09:00:00.500Z",
        "2025-03-01T09:00:00.123456789Z,  2025-03-01T09:00:00.123456789Z",
        "2025-03-01T23:59:59.999+14:00,   2025-03-01T09:59:59.999Z",
        "2025-03-01t09:00:00z,            2025-03-01T09:00:00Z"})
    void parseAcceptsRfc3339WithAnyOffset(String text, String expected) {
        assertThat(Timestamps.parse(text)).isEqualTo(Instant.parse(expected));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "yesterday", "2025-03-01", "2025-03-01T09:00:00", "2025-03-01 09:00:00Z", "1740819600000",
        "2025-02-30T09:00:00Z", "2025-03-01T25:00:00Z"})
    void parseRefusesAnythingElse(String text) {
        assertThatThrownBy(() -> Timestamps.parse(text)).isInstanceOf(DateTimeException.class);
    }

    @Property(tries = 300)
    void formattedInstantsParseBackToTheirMillisecond(@ForAll @LongRange(min = 0, max = 253402300799999L) long millis,
            @ForAll @LongRange(min = 0, max = 999_999) long extraNanos) {
        Instant instant = Instant.ofEpochMilli(millis).plusNanos(extraNanos);
        String text = Timestamps.format(instant);
        assertThat(text).matches(WIRE_FORM);
        assertThat(Timestamps.parse(text)).isEqualTo(Timestamps.truncate(instant)).isEqualTo(Instant.ofEpochMilli(millis));
    }
}
