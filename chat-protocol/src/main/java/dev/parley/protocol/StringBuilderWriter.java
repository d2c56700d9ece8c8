package dev.parley.protocol;

import java.io.Writer;

/**
 * A {@link Writer} into a {@link StringBuilder}: {@link java.io.StringWriter} appends to a
 * synchronized {@code StringBuffer}, a lock for each of the many small writes of an encoding.
 */
final class StringBuilderWriter extends Writer {
    private final StringBuilder sb;

    StringBuilderWriter(int capacity) {
        this.sb = new StringBuilder(capacity);
    }

    @Override
    public void write(int c) {
        sb.append((char) c);
    }

    @Override
    public void write(char[] chars, int offset, int length) {
        sb.append(chars, offset, length);
    }

    @Override
    public void write(String s, int offset, int length) {
        sb.append(s, offset, offset + length);
    }

    @Override
    public Writer append(CharSequence s) {
        sb.append(s);
        return this;
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return sb.toString();
    }
}
