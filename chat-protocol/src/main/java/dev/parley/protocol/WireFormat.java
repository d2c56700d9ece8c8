package dev.parley.protocol;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * How record components are written on the wire. Without an annotation a component is always
 * written, {@code null} included, as section 4 requires of nullable fields. Names come from
 * Gson's {@code @SerializedName} where the wire name differs from the component name.
 */
public final class WireFormat {
    private WireFormat() {
    }

    /** Left out when {@code null}: optional fields such as {@code error.details}. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.RECORD_COMPONENT, ElementType.FIELD})
    public @interface OmitIfNull {
    }

    /**
     * Written (even as {@code null}) only when the named sibling component is not {@code null}:
     * a group of extension fields that appears only where the extension is enabled.
     */
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.RECORD_COMPONENT, ElementType.FIELD})
    public @interface OmitUnless {
        String value();
    }

    /** The component's own fields are written at this level (the legacy {@code conversation_created} shape). */
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.RECORD_COMPONENT, ElementType.FIELD})
    public @interface Inline {
    }
}
