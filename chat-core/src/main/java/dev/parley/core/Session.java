package dev.parley.core;

import dev.parley.core.spi.Principal;
import dev.parley.core.spi.Transport;
import dev.parley.protocol.Envelope;
import dev.parley.protocol.MessageType;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.Text;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
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
    // Times as epoch milliseconds rather than Instants: two fewer objects (48 B) on every connection.
    private final long openedAtMillis;
    private final ConcurrentLinkedQueue<Supplier<CompletionStage<?>>> queue = new ConcurrentLinkedQueue<>();
    // Fields with VarHandles rather than atomic objects: three fewer objects (48 B) on every connection.
    private static final VarHandle PENDING;
    private static final VarHandle DRAINING;
    private static final VarHandle CLEANED_UP;
    private static final VarHandle READS_HELD;
    /**
     * Frames past the limit of waiting frames that a transport holding its reads may still hand on:
     * those of the bytes it had read (a 16 KiB read of the smallest frames holds about 800).
     */
    static final int FRAMES_AFTER_HOLD = 1024;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            PENDING = lookup.findVarHandle(Session.class, "pending", int.class);
            DRAINING = lookup.findVarHandle(Session.class, "draining", boolean.class);
            CLEANED_UP = lookup.findVarHandle(Session.class, "cleanedUp", boolean.class);
            READS_HELD = lookup.findVarHandle(Session.class, "readsHeld", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Queued frames not yet taken up (through PENDING). */
    @SuppressWarnings("unused")
    private volatile int pending;
    /** Whether a worker drains the queue, or waits for a task's answer before the next (through DRAINING). */
    @SuppressWarnings("unused")
    private volatile boolean draining;
    @SuppressWarnings("unused") // through CLEANED_UP
    private volatile boolean cleanedUp;
    /** Whether the transport was asked to stop reading until the waiting frames go down (set through READS_HELD). */
    private volatile boolean readsHeld;
    /** The joined rooms ({@link ImmutableSets}, replaced under this session's lock): changed on join and leave only. */
    private volatile Set<String> rooms = Set.of();
    /**
     * Conversations the user was found to take part in ({@link ImmutableSets}, replaced under this
     * session's lock): a join adds one, every send reads it.
     */
    private volatile Set<String> participation = Set.of();
    private final TokenBucket frameBucket;
    /** Created at the first file chunk: most connections never send one. */
    private TokenBucket fileBytes;
    // Made on the first strike, as fileBytes on the first chunk: most connections never break a rule.
    private StrikeCounter invalidFrames;
    private StrikeCounter rateLimitStrikes;

    private volatile State state = State.CONNECTED;
    private volatile Principal principal;
    private volatile Set<String> extensions = Set.of();
    /** Set once the connection closed: its extensions are no longer counted (under this session's lock). */
    private boolean extensionsReleased;
    private volatile Instant expiredAt;
    private volatile long lastActivityMillis;
    // Read and moved on only by the engine's timer thread, which sees the constructor's value
    // through the engine's session set.
    private long nextPingMillis;
    // Touched only by this session's serial tasks.
    int failedAuths;

    Session(ChatEngine engine, Transport transport) {
        this.engine = engine;
        this.transport = transport;
        Instant now = engine.now();
        this.openedAtMillis = now.toEpochMilli();
        this.lastActivityMillis = openedAtMillis;
        this.nextPingMillis = openedAtMillis + firstPingDelayMillis(engine.config().pingInterval().toMillis());
        this.frameBucket = new TokenBucket(engine.config().frameRate(), now);
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
        lastActivityMillis = engine.now().toEpochMilli();
    }

    Instant lastActivity() {
        return Instant.ofEpochMilli(lastActivityMillis);
    }

    /** Queues work for this session's serial queue; a task may return a stage that the queue waits for. */
    void enqueue(Supplier<CompletionStage<?>> task) {
        if (state == State.CLOSED) {
            return;
        }
        int waiting = (int) PENDING.getAndAdd(this, 1) + 1;
        int limit = engine.config().maxPendingFrames();
        boolean holdable = transport.canHoldReads();
        // A transport that can stop reading is asked to at half the limit, so a client sending faster
        // than its frames are handled (or than the server keeps up, under load) is slowed, not closed.
        if (holdable && waiting >= holdReadsAt(limit) && READS_HELD.compareAndSet(this, false, true)) {
            engine.counters().increment("readsHeld");
            applyReadsHeld();
        }
        if (waiting > (holdable ? limit + FRAMES_AFTER_HOLD : limit)) {
            engine.counters().increment("pendingOverflowCloses");
            close(CloseCodes.RATE_LIMITED, "rate_limit");
            return;
        }
        queue.add(task);
        if (DRAINING.compareAndSet(this, false, true)) {
            engine.execute(this::drain);
        }
    }

    private static int holdReadsAt(int limit) {
        return Math.max(1, limit / 2);
    }

    /**
     * Tells the transport what {@code readsHeld} says now, again if it changed meanwhile: the reading
     * thread holds and a worker resumes, and a hold that reached the transport after the resume
     * would otherwise stop this connection's reads for good.
     */
    private void applyReadsHeld() {
        boolean held;
        do {
            held = readsHeld;
            transport.holdReads(held);
        } while (readsHeld != held);
    }

    private void drain() {
        while (true) {
            Supplier<CompletionStage<?>> task = queue.poll();
            if (task == null) {
                DRAINING.setVolatile(this, false);
                if (queue.isEmpty() || !DRAINING.compareAndSet(this, false, true)) {
                    return;
                }
                continue;
            }
            int waiting = (int) PENDING.getAndAdd(this, -1) - 1;
            if (readsHeld && waiting <= holdReadsAt(engine.config().maxPendingFrames()) / 4
                    && READS_HELD.compareAndSet(this, true, false)) {
                applyReadsHeld();
            }
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
                if (strikeCounter(true).strike(engine.now())) {
                    close(CloseCodes.POLICY_VIOLATION, "invalid_frames");
                }
            }
            case RATE_LIMITED -> {
                engine.counters().increment("rateLimited");
                if (strikeCounter(false).strike(engine.now())) {
                    close(CloseCodes.RATE_LIMITED, "rate_limit");
                }
            }
            default -> {
            }
        }
    }

    /** The counter of invalid frames ({@code true}) or of rate-limit refusals, made on its first strike. */
    private synchronized StrikeCounter strikeCounter(boolean invalidFrame) {
        EngineConfig c = engine.config();
        if (invalidFrame) {
            if (invalidFrames == null) {
                invalidFrames = new StrikeCounter(c.invalidFrameStrikes(), c.strikeWindow());
            }
            return invalidFrames;
        }
        if (rateLimitStrikes == null) {
            rateLimitStrikes = new StrikeCounter(c.rateLimitStrikes(), c.strikeWindow());
        }
        return rateLimitStrikes;
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
        if (CLEANED_UP.compareAndSet(this, false, true)) {
            engine.execute(() -> engine.sessionClosed(this));
        }
    }

    /** Takes file bytes from this connection's transfer rate, or throws {@code RATE_LIMITED}. */
    void takeFileBytes(long n) {
        TokenBucket bucket;
        synchronized (this) {
            if (fileBytes == null) {
                fileBytes = new TokenBucket(engine.config().fileByteRate(), engine.now());
            }
            bucket = fileBytes;
        }
        long wait = bucket.tryTake(engine.now(), n);
        if (wait > 0) {
            throw ChatEngine.rateLimited(wait);
        }
    }

    /**
     * Pings the connection if its time has come, and sets the next time one interval later. Each
     * connection keeps its own phase, so pings spread over the interval instead of going to every
     * connection in the same pass.
     */
    void pingIfDue(long nowMillis, long intervalMillis) {
        if (nowMillis >= nextPingMillis) {
            nextPingMillis = nowMillis + intervalMillis;
            transport.ping();
        }
    }

    /**
     * Between half an interval and a whole one: connections that open together (clients coming back
     * after a restart) are not pinged together ever after, and none waits longer than the interval.
     */
    static long firstPingDelayMillis(long intervalMillis) {
        long half = intervalMillis / 2;
        return intervalMillis - ThreadLocalRandom.current().nextLong(half + 1);
    }

    State state() {
        return state;
    }

    /** Who the connection is and what it negotiated, which the engine counts until {@link #releaseExtensions}. */
    synchronized void authenticated(Principal p, Set<String> negotiated) {
        principal = p;
        Set<String> next = Set.copyOf(negotiated);
        if (!extensionsReleased) {
            engine.negotiatedConnections().replace(extensions, next);
        }
        extensions = next;
        expiredAt = null;
        if (state != State.CLOSED) {
            state = State.AUTHENTICATED;
        }
    }

    /** Takes the connection's extensions out of the engine's counts once it closed; idempotent. */
    synchronized void releaseExtensions() {
        if (!extensionsReleased) {
            extensionsReleased = true;
            engine.negotiatedConnections().replace(extensions, Set.of());
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
        return Instant.ofEpochMilli(openedAtMillis);
    }

    boolean hasNegotiated(String extension) {
        return extensions.contains(extension);
    }

    /** The joined rooms: a snapshot. */
    Set<String> rooms() {
        return rooms;
    }

    synchronized void addRoom(String conversationId) {
        rooms = ImmutableSets.with(rooms, conversationId);
    }

    synchronized void removeRoom(String conversationId) {
        rooms = ImmutableSets.without(rooms, conversationId);
    }

    boolean knowsParticipation(String conversationId) {
        return participation.contains(conversationId);
    }

    /** Remembers a checked participation; bounded, since a user may take part in many conversations. */
    synchronized void rememberParticipation(String conversationId) {
        if (participation.size() < MAX_REMEMBERED_PARTICIPATIONS) {
            participation = ImmutableSets.with(participation, conversationId);
        }
    }

    Transport transport() {
        return transport;
    }
}
