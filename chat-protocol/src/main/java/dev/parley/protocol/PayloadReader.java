package dev.parley.protocol;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads a request payload into its record, checking the {@link Rules} on each component and then
 * {@link Validated#validate}. Strict where the protocol rejects (wrong JSON types, broken rules) and
 * lenient where it allows (unknown fields ignored). Throws only {@link ProtocolException}.
 */
final class PayloadReader {
    private static final Pattern INTEGER = Pattern.compile("-?[0-9]{1,18}");

    private final ProtocolLimits limits;

    PayloadReader(ProtocolLimits limits) {
        this.limits = limits;
    }

    <T> T read(JsonObject payload, Class<T> type) {
        return type.cast(readRecord(payload, type, ""));
    }

    private Object readRecord(JsonObject obj, Class<?> type, String path) {
        RecordModel model = RecordModel.of(type);
        List<String> missing = new ArrayList<>();
        for (RecordModel.Component c : model.components) {
            if (c.rules.required && isMissing(lookup(obj, c))) {
                missing.add(path + c.wireName);
            }
        }
        if (!missing.isEmpty()) {
            throw ProtocolException.missingFields(missing);
        }
        Object[] values = new Object[model.components.size()];
        for (RecordModel.Component c : model.components) {
            String field = path + c.wireName;
            JsonElement el = lookup(obj, c);
            Object value;
            if (c.raw == Optional.class) {
                value = el == null ? null
                        : el.isJsonNull() ? Optional.empty()
                        : Optional.of(convert(el, typeArgument(c.generic, 0), field));
            } else if (el == null || el.isJsonNull()) {
                value = defaultValue(c.raw);
            } else {
                value = convert(el, c.generic, field);
            }
            c.rules.check(value, field, limits);
            values[c.index] = value;
        }
        Object record;
        try {
            record = model.construct(values);
        } catch (ProtocolException e) {
            throw e;
        } catch (RuntimeException e) {
            throw ProtocolException.invalidData(path.isEmpty() ? "payload" : path, "is not valid");
        }
        if (record instanceof Validated v) {
            v.validate(limits);
        }
        return record;
    }

    private static JsonElement lookup(JsonObject obj, RecordModel.Component c) {
        JsonElement el = obj.get(c.wireName);
        if (el == null || el.isJsonNull()) {
            for (String alt : c.alternates) {
                JsonElement a = obj.get(alt);
                if (a != null && !a.isJsonNull()) {
                    return a;
                }
            }
        }
        return el;
    }

    private static boolean isMissing(JsonElement el) {
        if (el == null || el.isJsonNull()) {
            return true;
        }
        if (el.isJsonPrimitive() && el.getAsJsonPrimitive().isString()) {
            return el.getAsString().isEmpty();
        }
        if (el.isJsonArray()) {
            return el.getAsJsonArray().isEmpty();
        }
        return el.isJsonObject() && el.getAsJsonObject().isEmpty();
    }

    private static Object defaultValue(Class<?> raw) {
        if (raw == boolean.class) {
            return false;
        }
        if (raw == int.class) {
            return 0;
        }
        if (raw == long.class) {
            return 0L;
        }
        return null;
    }

    private Object convert(JsonElement el, Type type, String field) {
        Class<?> raw = rawType(type);
        if (raw == String.class) {
            return string(el, field);
        }
        if (raw == Integer.class || raw == int.class) {
            long v = integer(el, field);
            if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                throw ProtocolException.invalidData(field, "must be an integer within 32 bits");
            }
            return (int) v;
        }
        if (raw == Long.class || raw == long.class) {
            return integer(el, field);
        }
        if (raw == Boolean.class || raw == boolean.class) {
            if (el.isJsonPrimitive() && el.getAsJsonPrimitive().isBoolean()) {
                return el.getAsBoolean();
            }
            throw ProtocolException.invalidData(field, "must be a boolean");
        }
        if (raw == Instant.class) {
            String text = string(el, field);
            try {
                return Timestamps.parse(text);
            } catch (DateTimeException e) {
                throw ProtocolException.invalidData(field, "must be an RFC 3339 timestamp");
            }
        }
        if (raw == JsonObject.class) {
            if (!el.isJsonObject()) {
                throw ProtocolException.invalidData(field, "must be an object");
            }
            requireWellFormed(el, field);
            return el.getAsJsonObject();
        }
        if (raw == JsonElement.class) {
            requireWellFormed(el, field);
            return el;
        }
        if (raw == List.class) {
            if (!el.isJsonArray()) {
                throw ProtocolException.invalidData(field, "must be an array");
            }
            JsonArray array = el.getAsJsonArray();
            Type itemType = typeArgument(type, 0);
            List<Object> items = new ArrayList<>(array.size());
            for (int i = 0; i < array.size(); i++) {
                JsonElement item = array.get(i);
                String itemField = field + "[" + i + "]";
                if (item.isJsonNull()) {
                    throw ProtocolException.invalidData(itemField, "must not be null");
                }
                items.add(convert(item, itemType, itemField));
            }
            return Collections.unmodifiableList(items);
        }
        if (raw == Map.class) {
            if (!el.isJsonObject()) {
                throw ProtocolException.invalidData(field, "must be an object");
            }
            Type valueType = typeArgument(type, 1);
            Map<String, Object> map = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> e : el.getAsJsonObject().entrySet()) {
                String entryField = field + "." + e.getKey();
                if (!Text.isWellFormed(e.getKey())) {
                    throw ProtocolException.invalidData(field, "keys must be valid Unicode");
                }
                if (e.getValue().isJsonNull()) {
                    throw ProtocolException.invalidData(entryField, "must not be null");
                }
                map.put(e.getKey(), convert(e.getValue(), valueType, entryField));
            }
            return Collections.unmodifiableMap(map);
        }
        if (raw.isRecord()) {
            if (!el.isJsonObject()) {
                throw ProtocolException.invalidData(field, "must be an object");
            }
            return readRecord(el.getAsJsonObject(), raw, field + ".");
        }
        throw new IllegalStateException("no reader for " + type);
    }

    private static String string(JsonElement el, String field) {
        if (!el.isJsonPrimitive() || !el.getAsJsonPrimitive().isString()) {
            throw ProtocolException.invalidData(field, "must be a string");
        }
        String s = el.getAsString();
        if (!Text.isWellFormed(s)) {
            throw ProtocolException.invalidData(field, "must be valid Unicode (unpaired surrogate)");
        }
        return s;
    }

    /**
     * Opaque JSON values are stored and returned verbatim, so a lone surrogate in any of their
     * strings or keys (which has no UTF-8 form and would be altered on the way out) is refused.
     * Iterative, so the depth of the value does not matter.
     */
    private static void requireWellFormed(JsonElement root, String field) {
        ArrayDeque<JsonElement> pending = new ArrayDeque<>();
        pending.push(root);
        while (!pending.isEmpty()) {
            JsonElement el = pending.pop();
            if (el.isJsonObject()) {
                for (Map.Entry<String, JsonElement> e : el.getAsJsonObject().entrySet()) {
                    if (!Text.isWellFormed(e.getKey())) {
                        throw ProtocolException.invalidData(field, "must be valid Unicode (unpaired surrogate)");
                    }
                    pending.push(e.getValue());
                }
            } else if (el.isJsonArray()) {
                el.getAsJsonArray().forEach(pending::push);
            } else if (el.isJsonPrimitive() && el.getAsJsonPrimitive().isString() && !Text.isWellFormed(el.getAsString())) {
                throw ProtocolException.invalidData(field, "must be valid Unicode (unpaired surrogate)");
            }
        }
    }

    private static long integer(JsonElement el, String field) {
        if (el.isJsonPrimitive()) {
            JsonPrimitive p = el.getAsJsonPrimitive();
            // The literal is read as text first, so a number with a million digits costs nothing.
            if (p.isNumber() && INTEGER.matcher(p.getAsString()).matches()) {
                return Long.parseLong(p.getAsString());
            }
        }
        throw ProtocolException.invalidData(field, "must be an integer");
    }

    private static Class<?> rawType(Type type) {
        if (type instanceof Class<?> c) {
            return c;
        }
        if (type instanceof ParameterizedType p) {
            return (Class<?>) p.getRawType();
        }
        throw new IllegalStateException("unsupported type " + type);
    }

    private static Type typeArgument(Type type, int index) {
        return ((ParameterizedType) type).getActualTypeArguments()[index];
    }
}
