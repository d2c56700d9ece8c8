package dev.parley.protocol;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Validation rules placed on the components of request payload records. The codec checks them
 * while it reads a payload, in component order, and reports the protocol's error codes; rules
 * that span several fields live in {@link Validated#validate}.
 */
public final class Rules {
    private Rules() {
    }

    /** Absent, {@code null}, empty string, empty array or empty object: {@code MISSING_REQUIRED_FIELDS}. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.RECORD_COMPONENT, ElementType.FIELD})
    public @interface Required {
    }

    /** At most this many characters (code points): {@code PAYLOAD_TOO_LARGE}, or {@code INVALID_DATA} with {@link #invalid()}. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.RECORD_COMPONENT, ElementType.FIELD})
    public @interface MaxChars {
        int value();

        /** Report an over-long value as {@code INVALID_DATA} (an identifier, not a body). */
        boolean invalid() default false;
    }

    /** At most the limit's number of UTF-8 bytes (each value, for maps; serialized, for objects). */
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.RECORD_COMPONENT, ElementType.FIELD})
    public @interface MaxBytes {
        Limit value();
    }

    /** At most this many list items or map entries: {@code INVALID_DATA} with {@code maxItems}. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.RECORD_COMPONENT, ElementType.FIELD})
    public @interface MaxItems {
        int value();
    }

    /** The whole string (or every list item) must match this regular expression: {@code INVALID_DATA}. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.RECORD_COMPONENT, ElementType.FIELD})
    public @interface Pattern {
        String value();

        /** The reason reported in {@code details.reason}. */
        String reason();
    }

    /** The string must be one of these values: {@code INVALID_DATA}. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.RECORD_COMPONENT, ElementType.FIELD})
    public @interface OneOf {
        String[] value();
    }

    /** An integer within {@code [min, max]}: {@code INVALID_DATA}. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.RECORD_COMPONENT, ElementType.FIELD})
    public @interface Range {
        long min();

        long max() default Long.MAX_VALUE;
    }

    /** Byte limits: configurable ones come from {@link ProtocolLimits}, the others are fixed by the protocol. */
    public enum Limit {
        /** Message bodies and opaque call fields. */
        CONTENT,
        /** Serialized {@code metadata}. */
        METADATA,
        /** A reaction's emoji: 32 bytes. */
        EMOJI,
        /** A published public key: 8 KiB. */
        PUBLIC_KEY;

        long of(ProtocolLimits limits) {
            return switch (this) {
                case CONTENT -> limits.maxContentBytes();
                case METADATA -> limits.maxMetadataBytes();
                case EMOJI -> 32;
                case PUBLIC_KEY -> 8 * 1024;
            };
        }
    }
}
