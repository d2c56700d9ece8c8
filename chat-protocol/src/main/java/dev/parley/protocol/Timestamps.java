package dev.parley.protocol;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/** The protocol's one timestamp form, {@code YYYY-MM-DDTHH:mm:ss.sssZ} (section 1.3). */
public final class Timestamps {
    // The milliseconds as a three-digit number rather than the pattern's fraction "SSS", which
    // formats through BigDecimal: 240-270 ns a timestamp instead of 330-390 (BENCHMARKS.md,
    // session 12), and every frame carries at least one.
    private static final DateTimeFormatter WIRE = new DateTimeFormatterBuilder()
            .appendPattern("uuuu-MM-dd'T'HH:mm:ss.")
            .appendValue(ChronoField.MILLI_OF_SECOND, 3)
            .appendLiteral('Z')
            .toFormatter(Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private Timestamps() {
    }

    /** Formats with exactly three fraction digits and a literal {@code Z}, as JavaScript's toISOString. */
    public static String format(Instant instant) {
        return WIRE.format(instant);
    }

    /** Parses any RFC 3339 time; throws {@link DateTimeParseException} on anything else. */
    public static Instant parse(String text) {
        return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
    }

    /** The instant at the wire's precision, so that a value survives encode and decode unchanged. */
    public static Instant truncate(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MILLIS);
    }
}
