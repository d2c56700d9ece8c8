package dev.parley.protocol;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.TypeAdapter;
import com.google.gson.TypeAdapterFactory;
import com.google.gson.reflect.TypeToken;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonWriter;
import dev.parley.protocol.WireFormat.Inline;
import dev.parley.protocol.WireFormat.OmitIfNull;
import dev.parley.protocol.WireFormat.OmitUnless;
import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.List;
import java.util.Optional;

/**
 * Gson adapter for the protocol's records, following {@link WireFormat}: every component is written
 * ({@code null} included) unless an annotation says otherwise; {@code Optional} components write
 * JSON {@code null} when empty and are left out when {@code null}. Reading is lenient (for
 * clients): absent fields become {@code null}, or zero and {@code false} for primitives.
 */
final class RecordAdapterFactory implements TypeAdapterFactory {

    @Override
    @SuppressWarnings("unchecked")
    public <T> TypeAdapter<T> create(Gson gson, TypeToken<T> typeToken) {
        Class<?> raw = typeToken.getRawType();
        if (!raw.isRecord() || !raw.getName().startsWith("dev.parley.")) {
            return null;
        }
        return (TypeAdapter<T>) new Adapter(gson, RecordModel.of(raw));
    }

    private static final class Adapter extends TypeAdapter<Object> {
        private final Gson gson;
        private final RecordModel model;
        private final Slot[] slots;

        Adapter(Gson gson, RecordModel model) {
            this.gson = gson;
            this.model = model;
            List<RecordModel.Component> cs = model.components;
            this.slots = new Slot[cs.size()];
            for (RecordModel.Component c : cs) {
                OmitUnless unless = c.annotation(OmitUnless.class);
                slots[c.index] = new Slot(c, c.annotation(Inline.class) != null, c.annotation(OmitIfNull.class) != null,
                        unless == null ? null : model.component(unless.value()));
            }
        }

        @Override
        public void write(JsonWriter out, Object value) throws IOException {
            if (value == null) {
                out.nullValue();
                return;
            }
            out.beginObject();
            writeFields(out, value);
            out.endObject();
        }

        void writeFields(JsonWriter out, Object record) throws IOException {
            for (Slot s : slots) {
                Object v = s.component.get(record);
                if (s.inline) {
                    if (v != null) {
                        ((Adapter) s.adapter(gson)).writeFields(out, v);
                    }
                    continue;
                }
                // A null Optional means "absent" (an empty one is an explicit JSON null), so it is left out.
                if (v == null && (s.omitIfNull || s.component.raw == Optional.class)) {
                    continue;
                }
                if (s.unless != null && s.unless.get(record) == null) {
                    continue;
                }
                out.name(s.component.wireName);
                if (v instanceof Optional<?> o) {
                    v = o.orElse(null);
                }
                if (v == null) {
                    out.nullValue();
                } else {
                    s.adapter(gson).write(out, v);
                }
            }
        }

        @Override
        public Object read(JsonReader in) throws IOException {
            JsonElement tree = JsonParser.parseReader(in);
            if (tree.isJsonNull()) {
                return null;
            }
            return fromTree(tree.getAsJsonObject());
        }

        Object fromTree(JsonObject obj) {
            Object[] values = new Object[slots.length];
            for (Slot s : slots) {
                RecordModel.Component c = s.component;
                if (s.inline) {
                    values[c.index] = ((Adapter) s.adapter(gson)).fromTree(obj);
                    continue;
                }
                JsonElement el = obj.get(c.wireName);
                for (int i = 0; (el == null || el.isJsonNull()) && i < c.alternates.length; i++) {
                    el = obj.get(c.alternates[i]);
                }
                if (c.raw == Optional.class) {
                    values[c.index] = el == null ? null
                            : el.isJsonNull() ? Optional.empty() : Optional.of(s.adapter(gson).fromJsonTree(el));
                } else if (el == null || el.isJsonNull()) {
                    values[c.index] = absentValue(c.raw);
                } else {
                    values[c.index] = s.adapter(gson).fromJsonTree(el);
                }
            }
            return model.construct(values);
        }
    }

    /** What an absent or null field reads as: zero or false for primitives (which cannot be null), else null. */
    private static Object absentValue(Class<?> raw) {
        // Not a conditional expression: mixing Boolean, Integer and Long there unboxes the null branch.
        if (raw == boolean.class) {
            return Boolean.FALSE;
        }
        if (raw == int.class) {
            return 0;
        }
        if (raw == long.class) {
            return 0L;
        }
        return null;
    }

    /** One component with its write rules; its value adapter is looked up on first use. */
    private static final class Slot {
        final RecordModel.Component component;
        final boolean inline;
        final boolean omitIfNull;
        final RecordModel.Component unless;
        private TypeAdapter<Object> adapter;

        Slot(RecordModel.Component component, boolean inline, boolean omitIfNull, RecordModel.Component unless) {
            this.component = component;
            this.inline = inline;
            this.omitIfNull = omitIfNull;
            this.unless = unless;
        }

        @SuppressWarnings("unchecked")
        TypeAdapter<Object> adapter(Gson gson) {
            TypeAdapter<Object> a = adapter;
            if (a == null) {
                Type t = component.generic;
                if (component.raw == Optional.class) {
                    t = ((ParameterizedType) t).getActualTypeArguments()[0];
                }
                a = (TypeAdapter<Object>) gson.getAdapter(TypeToken.get(t));
                adapter = a;
            }
            return a;
        }
    }
}
