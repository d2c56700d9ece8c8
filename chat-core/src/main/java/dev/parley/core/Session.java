package dev.parley.core;

import dev.parley.core.spi.Principal;
import dev.parley.core.spi.Transport;
import dev.parley.protocol.Envelope;
import dev.parley.protocol.MessageType;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.Text;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * One client connection: its state machine (connected, authenticated, expired, closed), identity,
 * joined rooms and the serial queue that handles its frames in arrival order on the engine's
 * worker pool. The transport calls {@link #onText}, {@link #onBinary}, {@link #onPong} and
 * {@link #onClose}; none of them blocks.
 */
public final class Session {
    enum State { CONNECTED, AUTHENTICATED, EXPIRED, CLOSED }

    private static final int MAX_REMEMBERED_PARTICIPATIONS = 1024;
    private static final String TYPING_PREFIX = "{\"type\":\"typing_update\"";

    private final String id = UUID.randomUUID().toString();
    private final ChatEngine engine;
    private final Transport transport;
    private final Instant openedAt;
    private final ConcurrentLinkedQueue<Supplier<CompletionStage<?>>> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicBoolean cleanedUp = new AtomicBoolean();
    /** Copy-on-write: changed on join and leave only (at most maxRoomsPerConnection), and small per idle connection. */
    private final Set<String> rooms = new CopyOnWriteArraySet<>();
    /**
     * Immutable, replaced on each addition (under this session's lock): a join adds one, every send
     * reads it, and an idle connection holds a one-element set of ~20 B instead of a concurrent one
     * of ~200 B. {@code Set.copyOf} hashes, so a lookup stays O(1) up to the bound.
     */
    private volatile Set<String> participation = Set.of();
    private final TokenBucket frameBucket;
    private final TokenBucket fileBytes;
    private final StrikeCounter invalidFrames;
    private final StrikeCounter rateLimitStrikes;

    private volatile State state = State.CONNECTED;
    private volatile Principal principal;
    private volatile Set<String> extensions = Set.of();
    private volatile Instant expiredAt;
    private volatile Instant lastActivity;
    // Touched only by this session's serial tasks.
    int failedAuths;

    Session(ChatEngine engine, Transport transport) {
        this.engine = engine;
        this.transport = transport;
        this.openedAt = engine.now();
        this.lastActivity = openedAt;
        EngineConfig c = engine.config();
        this.frameBucket = new TokenBucket(c.frameRate(), openedAt);
        this.fileBytes = new TokenBucket(c.fileByteRate(), openedAt);
        this.invalidFrames = new StrikeCounter(c.invalidFrameStrikes(), c.strikeWindow());
        this.rateLimitStrikes = new StrikeCounter(c.rateLimitStrikes(), c.strikeWindow());
    }

    public String id() {
        return id;
    }

    /** The authenticated user's id, or {@code null} before authentication. */
    public String userId() {
        Principal p = principal;
        return p == null ? null : p.userId();
    }

    public boolean isAuthenticated() {
        return state == State.AUTHENTICATED || state == State.EXPIRED;
    }

    /** One text frame from the client. */
    public void onText(String text) {
        touch();
        if (state == State.CLOSED) {
            return;
        }
        engine.counters().increment("framesIn");
        int max = engine.config().limits().maxFrameBytes();
        // UTF-8 takes at most 3 bytes per UTF-16 unit, so short frames skip the byte count.
        if (text.length() > max || (text.length() * 3L > max && Text.utf8Length(text) > max)) {
            close(CloseCodes.MESSAGE_TOO_BIG, "message_too_big");
            return;
        }
        Envelope env;
        try {
            env = engine.codec().decodeFrame(text);
        } catch (ProtocolException e) {
            enqueue(() -> {
                replyError(e);
                return null;
            });
            return;
        }
        if (!isExemptFromFrameRate(env.messageType())) {
            long waitMs = frameBucket.tryTake(engine.now());
            if (waitMs > 0) {
                enqueue(() -> {
                    replyError(ChatEngine.rateLimited(waitMs).withRequestId(env.requestId()));
                    return null;
                });
                return;
            }
        }
        enqueue(() -> engine.dispatch(this, env));
    }

    /** A binary frame: not used by the protocol, answered with {@code INVALID_MESSAGE}. */
    public void onBinary() {
        touch();
        enqueue(() -> {
            replyError(ProtocolException.invalidMessage("binary frames are not used; send JSON text"));
            return null;
        });
    }

    /** A pong control frame: counts as liveness. */
    public void onPong() {
        touch();
    }

    /** The connection is gone, for whatever reason: leave rooms, update presence. Idempotent. */
    public void onClose() {
        state = State.CLOSED;
        cleanUp();
    }

    private static boolean isExemptFromFrameRate(MessageType type) {
        return type == MessageType.TYPING_START || type == MessageType.TYPING_STOP || type == MessageType.PING
                || type == MessageType.PONG || type == MessageType.FILE_CHUNK || type == MessageType.FILE_CHUNK_GET;
    }

    private void touch() {
        lastActivity = engine.now();
    }

    Instant lastActivity() {
        return lastActivity;
    }

    /** Queues work for this session's serial queue; a task may return a stage that the queue waits for. */
    void enqueue(Supplier<CompletionStage<?>> task) {
        if (state == State.CLOSED) {
            return;
        }
        if (pending.incrementAndGet() > engine.config().maxPendingFrames()) {
            engine.counters().increment("pendingOverflowCloses");
            close(CloseCodes.RATE_LIMITED, "rate_limit");
            return;
        }
        queue.add(task);
        if (draining.compareAndSet(false, true)) {
            engine.execute(this::drain);
        }
    }

    private void drain() {
        while (true) {
            Supplier<CompletionStage<?>> task = queue.poll();
            if (task == null) {
                draining.set(false);
                if (queue.isEmpty() || !draining.compareAndSet(false, true)) {
                    return;
                }
                continue;
            }
            pending.decrementAndGet();
            CompletionStage<?> stage;
            try {
                stage = task.get();
            } catch (RuntimeException e) {
                engine.logUnexpected(this, e);
                stage = null;
            }
            if (stage != null) {
                CompletableFuture<?> f = stage.toCompletableFuture();
                if (!f.isDone()) {
                    // Keep 'draining' set: the next frame must wait for this one's answer.
                    f.whenComplete((r, e) -> engine.execute(this::drain));
                    return;
                }
            }
        }
    }

    /** Sends a response or notice; a connection past its outbound limit is closed as a slow consumer. */
    void send(MessageType type, Object payload, String requestId) {
        sendFrame(engine.codec().encode(type, payload, requestId, engine.now()));
    }

    void replyError(ProtocolException e) {
        engine.counters().increment("errors." + e.code().name());
        sendFrame(engine.codec().encodeError(e, engine.now()));
        switch (e.code()) {
            case INVALID_MESSAGE, UNKNOWN_MESSAGE_TYPE -> {
                if (invalidFrames.strike(engine.now())) {
                    close(CloseCodes.POLICY_VIOLATION, "invalid_frames");
                }
            }
            case RATE_LIMITED -> {
                engine.counters().increment("rateLimited");
                if (rateLimitStrikes.strike(engine.now())) {
                    close(CloseCodes.RATE_LIMITED, "rate_limit");
                }
            }
            default -> {
            }
        }
    }

    /** An event frame from a room or user topic. Typing updates are dropped first when the client lags. */
    void sendEvent(String frame) {
        if (frame.startsWith(TYPING_PREFIX) && transport.bufferedBytes() > engine.config().maxOutboundBytes() / 2) {
            engine.counters().increment("typingDropped");
            return;
        }
        sendFrame(frame);
    }

    void sendFrame(String frame) {
        if (state == State.CLOSED) {
            return;
        }
        if (transport.bufferedBytes() + frame.length() > engine.config().maxOutboundBytes()) {
            engine.counters().increment("slowConsumerCloses");
            close(CloseCodes.SLOW_CONSUMER, "slow_consumer");
            return;
        }
        if (transport.send(frame)) {
            engine.counters().increment("framesOut");
        }
    }

    /** Closes the connection with a protocol close code; cleanup follows. */
    void close(int code, String reason) {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        engine.counters().increment("closes." + code);
        transport.close(code, reason);
        cleanUp();
    }

    private void cleanUp() {
        if (cleanedUp.compareAndSet(false, true)) {
            engine.execute(() -> engine.sessionClosed(this));
        }
    }

    /** Takes file bytes from this connection's transfer rate, or throws {@code RATE_LIMITED}. */
    void takeFileBytes(long n) {
        long wait = fileBytes.tryTake(engine.now(), n);
        if (wait > 0) {
            throw ChatEngine.rateLimited(wait);
        }
    }

    void ping() {
        transport.ping();
    }

    State state() {
        return state;
    }

    void authenticated(Principal p, Set<String> negotiated) {
        principal = p;
        extensions = Set.copyOf(negotiated);
        expiredAt = null;
        if (state != State.CLOSED) {
            state = State.AUTHENTICATED;
        }
    }

    void expired(Instant at) {
        expiredAt = at;
        if (state == State.AUTHENTICATED) {
            state = State.EXPIRED;
        }
    }

    Principal principal() {
        return principal;
    }

    /** The authenticated user's public profile, as the token states it. */
    dev.parley.protocol.model.User principalUser() {
        Principal p = principal;
        return dev.parley.protocol.model.User.of(p.userId(), p.username(), p.displayName(), p.avatarUrl());
    }

    Instant expiredAt() {
        return expiredAt;
    }

    Instant openedAt() {
        return openedAt;
    }

    boolean hasNegotiated(String extension) {
        return extensions.contains(extension);
    }

    Set<String> rooms() {
        return rooms;
    }

    boolean knowsParticipation(String conversationId) {
        return participation.contains(conversationId);
    }

    /** Remembers a checked participation; bounded, since a user may take part in many conversations. */
    synchronized void rememberParticipation(String conversationId) {
        Set<String> known = participation;
        if (known.size() < MAX_REMEMBERED_PARTICIPATIONS && !known.contains(conversationId)) {
            List<String> grown = new ArrayList<>(known.size() + 1);
            grown.addAll(known);
            grown.add(conversationId);
            participation = Set.copyOf(grown);
        }
    }

    Transport transport() {
        return transport;
    }
}
