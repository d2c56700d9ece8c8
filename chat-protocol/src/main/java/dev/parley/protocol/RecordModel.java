package dev.parley.protocol;

import com.google.gson.annotations.SerializedName;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;

/** What the codec knows of one payload record: its components with their wire names and rules. Cached per class. */
final class RecordModel {
    private static final ClassValue<RecordModel> CACHE = new ClassValue<>() {
        @Override
        protected RecordModel computeValue(Class<?> type) {
            return new RecordModel(type);
        }
    };

    final Class<?> type;
    final List<Component> components;
    private final Constructor<?> constructor;

    private RecordModel(Class<?> type) {
        if (!type.isRecord()) {
            throw new IllegalArgumentException(type + " is not a record");
        }
        this.type = type;
        RecordComponent[] rc = type.getRecordComponents();
        List<Component> list = new ArrayList<>(rc.length);
        Class<?>[] types = new Class<?>[rc.length];
        for (int i = 0; i < rc.length; i++) {
            list.add(new Component(rc[i], i));
            types[i] = rc[i].getType();
        }
        this.components = List.copyOf(list);
        try {
            this.constructor = type.getDeclaredConstructor(types);
            this.constructor.setAccessible(true);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }

    static RecordModel of(Class<?> type) {
        return CACHE.get(type);
    }

    Object construct(Object[] values) {
        try {
            return constructor.newInstance(values);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(cause);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    Component component(String javaName) {
        for (Component c : components) {
            if (c.javaName.equals(javaName) || c.wireName.equals(javaName)) {
                return c;
            }
        }
        throw new IllegalStateException(type + " has no component " + javaName);
    }

    /** One record component. */
    static final class Component {
        // Annotations are read from the component's field: Gson's @SerializedName cannot target record components.
        private final java.lang.reflect.Field field;
        final int index;
        final String javaName;
        final String wireName;
        final String[] alternates;
        final Class<?> raw;
        final Type generic;
        final ComponentRules rules;
        private final Method accessor;

        Component(RecordComponent rc, int index) {
            try {
                this.field = rc.getDeclaringRecord().getDeclaredField(rc.getName());
            } catch (NoSuchFieldException e) {
                throw new IllegalStateException(e);
            }
            this.index = index;
            this.javaName = rc.getName();
            SerializedName sn = field.getAnnotation(SerializedName.class);
            this.wireName = sn == null ? rc.getName() : sn.value();
            this.alternates = sn == null ? new String[0] : sn.alternate();
            this.raw = rc.getType();
            this.generic = rc.getGenericType();
            this.rules = new ComponentRules(field);
            this.accessor = rc.getAccessor();
            this.accessor.setAccessible(true);
        }

        Object get(Object record) {
            try {
                return accessor.invoke(record);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }

        <A extends java.lang.annotation.Annotation> A annotation(Class<A> type) {
            return field.getAnnotation(type);
        }
    }
}
