package dev.parley.core.testkit;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.parley.core.spi.Transport;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** A {@link Transport} that records what the engine sends, for tests to read frame by frame. */
public final class RecordingTransport implements Transport {
    private final LinkedBlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
    private final List<JsonObject> all = new ArrayList<>();
    private final AtomicLong buffered = new AtomicLong();
    private volatile Integer closeCode;
    private volatile String closeReason;
    private volatile int pings;

    @Override
    public synchronized boolean send(String text) {
        if (closeCode != null) {
            return false;
        }
        JsonObject frame = JsonParser.parseString(text).getAsJsonObject();
        all.add(frame);
        frames.add(frame);
        return true;
    }

    @Override
    public void close(int code, String reason) {
        if (closeCode == null) {
            closeReason = reason;
            closeCode = code;
        }
    }

    @Override
    public long bufferedBytes() {
        return buffered.get();
    }

    /** Pretends the client stopped reading and this many bytes are queued. */
    public void setBufferedBytes(long bytes) {
        buffered.set(bytes);
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return new InetSocketAddress("127.0.0.1", 40000);
    }

    @Override
    public void ping() {
        pings++;
    }

    public int pings() {
        return pings;
    }

    /** The next frame, waiting up to 5 s; fails if none comes. */
    public JsonObject next() {
        try {
            JsonObject f = frames.poll(5, TimeUnit.SECONDS);
            if (f == null) {
                throw new AssertionError("no frame within 5 s");
            }
            return f;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The next frame of this type, skipping (and failing on) none: other types before it are discarded. */
    public JsonObject next(String type) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            JsonObject f = poll(Duration.ofMillis(100));
            if (f != null && f.get("type").getAsString().equals(type)) {
                return f;
            }
        }
        throw new AssertionError("no " + type + " frame within 5 s");
    }

    /** The next frame within the wait, or null. */
    public JsonObject poll(Duration wait) {
        try {
            return frames.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Asserts that nothing arrives within the wait. */
    public void expectNothing(Duration wait) {
        JsonObject f = poll(wait);
        if (f != null) {
            throw new AssertionError("unexpected frame: " + f);
        }
    }

    public synchronized List<JsonObject> allFrames() {
        return List.copyOf(all);
    }

    public Integer closeCode() {
        return closeCode;
    }

    public String closeReason() {
        return closeReason;
    }

    /** Waits until the transport is closed and returns the code. */
    public int awaitClose() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (closeCode == null && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (closeCode == null) {
            throw new AssertionError("not closed within 5 s");
        }
        return closeCode;
    }
}
