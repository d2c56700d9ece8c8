package dev.parley.client;

import java.util.HashMap;
import java.util.Map;

/**
 * This user's typing state per conversation (protocol 3.8): {@link #touch} on every keystroke sends
 * {@code typing_start} at most once per {@code restartInterval} while typing, and {@code typing_stop}
 * {@code autoStop} after the last touch. Sending a message ends typing (the server clears it).
 * Not thread-safe: used on the client thread only.
 */
final class TypingController {
    /** Where the typing frames go. */
    interface Sink {
        void sendStart(String conversationId);

        void sendStop(String conversationId);
    }

    private final Scheduler scheduler;
    private final Sink sink;
    private final long autoStop;
    private final long restartInterval;
    private final Map<String, Typing> typing = new HashMap<>();

    private static final class Typing {
        long lastStartSent;
        Scheduler.Cancellable stopTimer;
    }

    TypingController(Scheduler scheduler, Sink sink, long autoStopMillis, long restartIntervalMillis) {
        this.scheduler = scheduler;
        this.sink = sink;
        this.autoStop = autoStopMillis;
        this.restartInterval = restartIntervalMillis;
    }

    /** The user typed: start (or keep) typing and push the automatic stop back. */
    void touch(String conversationId) {
        long now = scheduler.nowMillis();
        Typing t = typing.get(conversationId);
        if (t == null) {
            t = new Typing();
            typing.put(conversationId, t);
            t.lastStartSent = now;
            sink.sendStart(conversationId);
        } else if (now - t.lastStartSent >= restartInterval) {
            t.lastStartSent = now; // refreshes the server's expiry (typingTtl) during long typing
            sink.sendStart(conversationId);
        }
        if (t.stopTimer != null) {
            t.stopTimer.cancel();
        }
        Typing current = t;
        t.stopTimer = scheduler.schedule(() -> {
            if (typing.get(conversationId) == current) {
                typing.remove(conversationId);
                sink.sendStop(conversationId);
            }
        }, autoStop);
    }

    /** An explicit start: typing without an automatic stop. */
    void started(String conversationId) {
        Typing t = typing.computeIfAbsent(conversationId, k -> new Typing());
        t.lastStartSent = scheduler.nowMillis();
        cancelTimer(t);
    }

    /** An explicit stop, or the message was sent: no automatic stop is due any more. */
    void stopped(String conversationId) {
        Typing t = typing.remove(conversationId);
        if (t != null) {
            cancelTimer(t);
        }
    }

    boolean isTyping(String conversationId) {
        return typing.containsKey(conversationId);
    }

    /** The connection is gone: the server clears typing state itself. */
    void reset() {
        for (Typing t : typing.values()) {
            cancelTimer(t);
        }
        typing.clear();
    }

    private static void cancelTimer(Typing t) {
        if (t.stopTimer != null) {
            t.stopTimer.cancel();
            t.stopTimer = null;
        }
    }
}
