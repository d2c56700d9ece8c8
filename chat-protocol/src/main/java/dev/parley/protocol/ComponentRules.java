package dev.parley.protocol;

import com.google.gson.JsonPrimitive;
import java.lang.reflect.AnnotatedElement;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The {@link Rules} of one record component, read from its annotations once: reading them at
 * every payload cost a reflective lookup and a proxy call per rule and component.
 */
final class ComponentRules {
    final boolean required;
    /** -1 where the rule is absent. */
    private final int maxItems;
    private final int maxChars;
    private final boolean maxCharsInvalid;
    private final Rules.Limit maxBytes;
    private final Pattern pattern;
    private final String patternReason;
    private final List<String> oneOf;
    private final boolean ranged;
    private final long min;
    private final long max;
    private final boolean any;

    ComponentRules(AnnotatedElement field) {
        this.required = field.getAnnotation(Rules.Required.class) != null;
        Rules.MaxItems items = field.getAnnotation(Rules.MaxItems.class);
        this.maxItems = items == null ? -1 : items.value();
        Rules.MaxChars chars = field.getAnnotation(Rules.MaxChars.class);
        this.maxChars = chars == null ? -1 : chars.value();
        this.maxCharsInvalid = chars != null && chars.invalid();
        Rules.MaxBytes bytes = field.getAnnotation(Rules.MaxBytes.class);
        this.maxBytes = bytes == null ? null : bytes.value();
        Rules.Pattern p = field.getAnnotation(Rules.Pattern.class);
        this.pattern = p == null ? null : Pattern.compile(p.value());
        this.patternReason = p == null ? null : p.reason();
        Rules.OneOf o = field.getAnnotation(Rules.OneOf.class);
        this.oneOf = o == null ? null : List.of(o.value());
        Rules.Range range = field.getAnnotation(Rules.Range.class);
        this.ranged = range != null;
        this.min = range == null ? 0 : range.min();
        this.max = range == null ? 0 : range.max();
        this.any = maxItems >= 0 || maxChars >= 0 || maxBytes != null || pattern != null || oneOf != null || ranged;
    }

    /** Throws the protocol's error for the first rule {@code value} breaks; {@code null} breaks none. */
    void check(Object value, String field, ProtocolLimits limits) {
        if (!any) {
            return;
        }
        Object v = value instanceof Optional<?> o ? o.orElse(null) : value;
        if (v == null) {
            return;
        }
        if (maxItems >= 0) {
            int size = v instanceof List<?> l ? l.size() : v instanceof Map<?, ?> m ? m.size() : 0;
            if (size > maxItems) {
                throw ProtocolException.tooManyItems(field, maxItems);
            }
        }
        if (maxChars >= 0 && v instanceof String s && s.codePointCount(0, s.length()) > maxChars) {
            throw maxCharsInvalid
                    ? ProtocolException.invalidData(field, "at most " + maxChars + " characters")
                    : ProtocolException.tooManyChars(field, maxChars);
        }
        if (maxBytes != null) {
            long limit = maxBytes.of(limits);
            if (v instanceof Map<?, ?> m) {
                for (Object item : m.values()) {
                    if (Text.utf8Length(item.toString()) > limit) {
                        throw ProtocolException.tooLarge(field, limit);
                    }
                }
            } else if (Text.utf8Length(measured(v)) > limit) {
                throw ProtocolException.tooLarge(field, limit);
            }
        }
        if (pattern != null) {
            List<?> items = v instanceof List<?> l ? l : List.of(v);
            for (Object item : items) {
                if (!pattern.matcher(item.toString()).matches()) {
                    throw ProtocolException.invalidData(field, patternReason);
                }
            }
        }
        if (oneOf != null && !oneOf.contains(v)) {
            throw ProtocolException.invalidData(field, "must be one of " + String.join(", ", oneOf));
        }
        if (ranged && v instanceof Number n && (n.longValue() < min || n.longValue() > max)) {
            throw ProtocolException.invalidData(field, max == Long.MAX_VALUE
                    ? "must be at least " + min
                    : "must be within " + min + ".." + max);
        }
    }

    /** The text a byte limit applies to: a string itself (also as a JSON string value), else its JSON form. */
    private static String measured(Object v) {
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof JsonPrimitive p && p.isString()) {
            return p.getAsString();
        }
        return v.toString();
    }
}
