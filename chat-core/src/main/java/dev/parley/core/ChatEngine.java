package dev.parley.core;

import com.google.gson.JsonObject;
import dev.parley.core.memory.InMemoryChatStore;
import dev.parley.core.memory.LocalBroker;
import dev.parley.core.memory.LocalCallStore;
import dev.parley.core.memory.LocalPresenceStore;
import dev.parley.core.memory.LocalTypingStore;
import dev.parley.core.spi.AuthException;
import dev.parley.core.spi.Authenticator;
import dev.parley.core.spi.BlobStore;
import dev.parley.core.spi.Broker;
import dev.parley.core.spi.BrokerEvent;
import dev.parley.core.spi.CallStore;
import dev.parley.core.spi.ChatStore;
import dev.parley.core.spi.Clock;
import dev.parley.core.spi.MessageRecord;
import dev.parley.core.spi.PresenceStore;
import dev.parley.core.spi.Principal;
import dev.parley.core.spi.PushNotifier;
import dev.parley.core.spi.SignedIn;
import dev.parley.core.spi.StoreException;
import dev.parley.core.spi.Transport;
import dev.parley.core.spi.TypingStore;
import dev.parley.core.spi.UserProfile;
import dev.parley.protocol.Envelope;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.Extension;
import dev.parley.protocol.JsonCodec;
import dev.parley.protocol.MessageType;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.Timestamps;
import dev.parley.protocol.model.AuthUser;
import dev.parley.protocol.model.User;
import dev.parley.protocol.payload.AuthPayloads.Auth;
import dev.parley.protocol.payload.AuthPayloads.AuthSuccess;
import dev.parley.protocol.payload.AuthPayloads.Limits;
import dev.parley.protocol.payload.KeyPayloads.GetKeys;
import dev.parley.protocol.payload.KeyPayloads.PublishKey;
import dev.parley.protocol.payload.PresencePayloads.GetPresence;
import dev.parley.protocol.payload.PresencePayloads.SetPresence;
import dev.parley.protocol.payload.PresencePayloads.UserPresence;
import dev.parley.protocol.payload.SystemPayloads.Empty;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chat engine: receives text frames from any transport and answers them per the Parley
 * protocol. Build one with {@link #builder()}, {@link #start()} it, and call
 * {@link #openSession} for every new connection.
 *
 * <p>Threading: transports call into {@link Session} on their own threads, which only decode and
 * enqueue. Each session's frames run in order on a bounded worker pool, where storage calls may
 * block; different sessions run in parallel. One scheduler thread runs the timers (auth deadline,
 * token expiry, typing expiry, heartbeat).
 */
public final class ChatEngine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ChatEngine.class);
    private static final long SWEEP_MILLIS = 250;
    private static final Duration PRESENCE_REFRESH = Duration.ofSeconds(1);

    private final EngineConfig config;
    private final JsonCodec codec;
    private final ChatStore store;
    private final Authenticator authenticator;
    private final Broker broker;
    private final NegotiatedConnections negotiatedConnections = new NegotiatedConnections();
    private final PresenceStore presence;
    private final CallStore callStore;
    private final Clock clock;
    private final Map<String, CustomHandler> customHandlers;
    private final Counters counters = new Counters();
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    private final RoomRegistry rooms;
    private final TypingTracker typing;
    private final Views views;
    private final Set<String> offeredExtensions;
    private final UserRateLimits userLimits;
    private final Object[] conversationLocks = new Object[1024];
    private final ExecutorService workers;
    private final boolean ownsWorkers;
    private final ScheduledExecutorService scheduler;
    private final BaseHandlers handlers;
    private final PushDispatcher push;
    private final PresenceHandlers presenceHandlers;
    private final KeyHandlers keyHandlers;
    private final CallHandlers callHandlers;
    private final FileHandlers fileHandlers;
    private volatile boolean accepting = true;
    private volatile Instant lastPresenceRefresh;
    private final AtomicBoolean refreshingPresence = new AtomicBoolean();
    private final AtomicBoolean expiringShared = new AtomicBoolean();
    private volatile boolean sharedExpiryFailing;

    /** Extensions whose handlers exist; a configuration may offer only these. */
    static final Set<Extension> IMPLEMENTED_EXTENSIONS =
            Set.of(Extension.REACTIONS, Extension.THREADS, Extension.EDITS, Extension.RECEIPTS, Extension.SEARCH,
                    Extension.RESUME, Extension.PRESENCE, Extension.KEYS, Extension.CALLS, Extension.E2EE, Extension.FILES);
    /** Extensions that keep no state in the store. */
    private static final Set<Extension> STORELESS_EXTENSIONS = Set.of(Extension.CALLS, Extension.E2EE);

    private ChatEngine(Builder b) {
        this.config = b.config;
        for (Extension e : config.extensions()) {
            if (!IMPLEMENTED_EXTENSIONS.contains(e)) {
                throw new IllegalArgumentException("extension " + e.wireName() + " is not available in this version");
            }
        }
        this.codec = new JsonCodec(config.limits());
        this.store = b.store != null ? b.store : new InMemoryChatStore(b.clock);
        for (Extension e : config.extensions()) {
            if (!STORELESS_EXTENSIONS.contains(e) && !store.supportedExtensions().contains(e)) {
                throw new IllegalArgumentException("the store does not support the " + e.wireName() + " extension");
            }
        }
        this.authenticator = Objects.requireNonNull(b.authenticator, "authenticator");
        this.broker = b.broker != null ? b.broker : new LocalBroker();
        this.presence = b.presence != null ? b.presence : new LocalPresenceStore();
        this.callStore = b.callStore != null ? b.callStore : new LocalCallStore();
        this.clock = b.clock;
        this.customHandlers = Map.copyOf(b.customHandlers);
        this.rooms = new RoomRegistry(broker, clock, config.reorderWindow(), this::scheduleOnce, counters);
        this.userLimits = new UserRateLimits(config);
        this.typing = new TypingTracker(b.typingStore != null ? b.typingStore : new LocalTypingStore(),
                config.typingTtl());
        this.views = new Views(config.extensions());
        Set<String> offered = new LinkedHashSet<>();
        config.extensions().forEach(e -> offered.add(e.wireName()));
        this.offeredExtensions = Set.copyOf(offered);
        for (int i = 0; i < conversationLocks.length; i++) {
            conversationLocks[i] = new Object();
        }
        this.ownsWorkers = b.executor == null;
        this.workers = b.executor != null ? b.executor
                : Executors.newFixedThreadPool(config.workerThreads(), named("parley-worker"));
        this.scheduler = Executors.newSingleThreadScheduledExecutor(named("parley-timer"));
        this.push = b.pushNotifier == null ? null : new PushDispatcher(b.pushNotifier, store, presence, counters);
        this.handlers = new BaseHandlers(this);
        this.presenceHandlers = new PresenceHandlers(this);
        this.keyHandlers = new KeyHandlers(this);
        this.callHandlers = new CallHandlers(this);
        if (config.extensions().contains(Extension.FILES) && b.blobStore == null) {
            throw new IllegalArgumentException("the files extension needs a blob store");
        }
        this.fileHandlers = b.blobStore == null ? null : new FileHandlers(this, handlers, b.blobStore);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts the broker subscription and the timers. */
    public void start() {
        broker.start(rooms::deliver);
        lastPresenceRefresh = now();
        scheduler.scheduleWithFixedDelay(this::sweepSafely, SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * Opens a session for a connection whose handshake completed. A token presented at connect
     * ({@code Authorization: Bearer} or {@code ?token=}) is checked at once: the client gets an
     * unsolicited {@code auth_success} or {@code auth_error}.
     */
    public Session openSession(Transport transport, String connectToken) {
        Session s = new Session(this, transport);
        if (!accepting) {
            transport.close(CloseCodes.GOING_AWAY, "shutting_down");
            return s;
        }
        sessions.add(s);
        counters.increment("connectionsOpened");
        if (connectToken != null && !connectToken.isEmpty()) {
            s.enqueue(() -> authenticate(s, connectToken, List.of(), null));
        }
        return s;
    }

    public EngineConfig config() {
        return config;
    }

    public JsonCodec codec() {
        return codec;
    }

    public ChatStore store() {
        return store;
    }

    /** The seed's {@code getStats()}, plus counters. */
    public EngineStats stats() {
        int authenticated = 0;
        for (Session s : sessions) {
            if (s.isAuthenticated()) {
                authenticated++;
            }
        }
        return new EngineStats(sessions.size(), authenticated, rooms.roomCount(),
                rooms.users(), counters.snapshot());
    }

    Counters counters() {
        return counters;
    }

    /** Stops accepting, closes every session with 1001, and stops the workers and timers. */
    @Override
    public void close() {
        accepting = false;
        for (Session s : sessions) {
            s.close(CloseCodes.GOING_AWAY, "going_away");
        }
        scheduler.shutdownNow();
        if (ownsWorkers) {
            workers.shutdown();
            try {
                if (!workers.awaitTermination(10, TimeUnit.SECONDS)) {
                    workers.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (push != null) {
            push.close();
        }
        broker.close();
        presence.close();
        callStore.close();
        typing.close();
    }

    // ---- internals used by Session and the handlers ----

    Instant now() {
        return clock.now();
    }

    void execute(Runnable task) {
        try {
            workers.execute(task);
        } catch (RejectedExecutionException e) {
            // shutting down: nothing more to do for this task
        }
    }

    ChatStore chatStore() {
        return store;
    }

    PresenceStore presence() {
        return presence;
    }

    CallStore callStore() {
        return callStore;
    }

    RoomRegistry rooms() {
        return rooms;
    }

    TypingTracker typing() {
        return typing;
    }

    Views views() {
        return views;
    }

    Object conversationLock(String conversationId) {
        return conversationLocks[(conversationId.hashCode() & 0x7fffffff) % conversationLocks.length];
    }

    boolean enabled(Extension e) {
        return config.extensions().contains(e);
    }

    /**
     * Whether an event only for connections that negotiated this extension may reach one: not when
     * the extension is off, nor on a one-node server where no connection negotiated it.
     */
    boolean mayHaveAudience(Extension e) {
        return enabled(e) && (broker.spansNodes() || negotiatedConnections.any(e));
    }

    NegotiatedConnections negotiatedConnections() {
        return negotiatedConnections;
    }

    static ProtocolException rateLimited(long retryAfterMs) {
        return new ProtocolException(ErrorCode.RATE_LIMITED, "Rate limit exceeded; retry later",
                Map.of("retryAfterMs", retryAfterMs));
    }

    /** Takes a token from one of the user's rate limits, or throws {@code RATE_LIMITED}. */
    void takeToken(UserRateLimits.Kind kind, String userId) {
        userLimits.take(kind, userId, now());
    }

    /** A message was stored (not a duplicate): offline participants may get a push notification. */
    void messageStored(MessageRecord message) {
        counters.increment("messagesStored");
        if (push != null) {
            push.messageStored(message);
        }
    }

    void publishToConversation(String conversationId, BrokerEvent event) {
        broker.publish(RoomRegistry.conversationTopic(conversationId), event);
    }

    void publishToUser(String userId, BrokerEvent event) {
        broker.publish(RoomRegistry.userTopic(userId), event);
    }

    void publishToSession(String sessionId, BrokerEvent event) {
        broker.publish(RoomRegistry.sessionTopic(sessionId), event);
    }

    /**
     * An event about one message: encoded once for all viewers, or once per recipient when the
     * body is per recipient (each user gets only their own copy; users without one get none).
     */
    BrokerEvent perViewerEvent(MessageType type, MessageRecord message,
                               java.util.function.Function<dev.parley.protocol.model.Message, Object> payload,
                               String extension, String excludeSessionId) {
        if (!message.isPerRecipient()) {
            String frame = encode(type, payload.apply(views.message(message, null)));
            return new BrokerEvent(frame, null, null, excludeSessionId, extension);
        }
        Map<String, String> frames = new HashMap<>();
        for (String userId : message.contents().keySet()) {
            frames.put(userId, encode(type, payload.apply(views.message(message, userId))));
        }
        String withoutCopy = encode(type, payload.apply(views.message(message, "")));
        return new BrokerEvent(withoutCopy, frames, null, excludeSessionId, extension);
    }

    String encode(MessageType type, Object payload) {
        return codec.encode(type, payload, null, now());
    }

    void logUnexpected(Session s, Throwable e) {
        log.error("Unexpected failure in session {}", s.id(), e);
    }

    /** Handles one decoded frame, in the session's order. */
    CompletionStage<?> dispatch(Session s, Envelope env) {
        MessageType type = env.messageType();
        try {
            if (type == null || !type.isClientSendable()) {
                CustomHandler custom = customHandlers.get(env.type());
                if (custom != null && type == null) {
                    requireAuthenticated(s);
                    runCustom(s, env, custom);
                    return null;
                }
                throw ProtocolException.unknownType(env.type());
            }
            switch (type) {
                case PING -> {
                    s.send(MessageType.PONG, Empty.INSTANCE, env.requestId());
                    return null;
                }
                case PONG -> {
                    return null;
                }
                case AUTH -> {
                    Auth auth;
                    try {
                        auth = codec.readPayload(env.payload(), Auth.class, env.requestId());
                    } catch (ProtocolException e) {
                        if (e.code() != ErrorCode.MISSING_REQUIRED_FIELDS) {
                            throw e;
                        }
                        failAuth(s, new ProtocolException(ErrorCode.MISSING_TOKEN, "auth needs a token"),
                                env.requestId(), false, null);
                        return null;
                    }
                    return authenticate(s, auth.token(), auth.extensions(), env.requestId());
                }
                default -> {
                }
            }
            requireAuthenticated(s);
            if (type.extension() != null && !enabled(type.extension())) {
                throw new ProtocolException(ErrorCode.NOT_SUPPORTED,
                        "The " + type.extension().wireName() + " extension is not enabled on this server");
            }
            Record payload = codec.readRequestPayload(env);
            switch (type) {
                case SET_PRESENCE -> presenceHandlers.set(s, (SetPresence) payload, env.requestId());
                case GET_PRESENCE -> presenceHandlers.get(s, (GetPresence) payload, env.requestId());
                case PUBLISH_KEY -> keyHandlers.publish(s, (PublishKey) payload, env.requestId());
                case GET_KEYS -> keyHandlers.get(s, (GetKeys) payload, env.requestId());
                case FILE_UPLOAD_START, FILE_CHUNK, FILE_UPLOAD_COMPLETE, FILE_UPLOAD_CANCEL, FILE_DOWNLOAD,
                        FILE_CHUNK_GET -> fileHandlers.handle(s, type, payload, env.requestId());
                case CALL_OFFER, CALL_ANSWER, CALL_DECLINE, CALL_END, CALL_ICE_CANDIDATE, CALL_SDP_OFFER,
                        CALL_SDP_ANSWER -> callHandlers.handle(s, type, payload, env.payload(), env.requestId());
                default -> handlers.handle(s, type, payload, env.requestId());
            }
        } catch (ProtocolException e) {
            s.replyError(e.withRequestId(env.requestId()));
        } catch (RuntimeException e) {
            serverError(s, env.requestId(), e);
        }
        return null;
    }

    private void requireAuthenticated(Session s) {
        switch (s.state()) {
            case AUTHENTICATED -> {
            }
            case EXPIRED -> throw new ProtocolException(ErrorCode.TOKEN_EXPIRED, "Token expired; send auth with a fresh token");
            default -> throw new ProtocolException(ErrorCode.UNAUTHORIZED, "Not authenticated; send auth first");
        }
    }

    private void serverError(Session s, String requestId, Throwable e) {
        String correlationId = UUID.randomUUID().toString();
        if (e instanceof StoreException) {
            // During a database outage every request fails alike: one line each, the trace at debug.
            log.warn("Request failed in session {} (correlationId {}): storage: {}", s.id(), correlationId,
                    rootCause(e));
            log.debug("Storage failure (correlationId {})", correlationId, e);
        } else {
            log.error("Request failed in session {} (correlationId {})", s.id(), correlationId, e);
        }
        s.replyError(new ProtocolException(ErrorCode.SERVER_ERROR, "Internal server error",
                Map.of("correlationId", correlationId)).withRequestId(requestId));
    }

    private static String rootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }

    private void runCustom(Session s, Envelope env, CustomHandler handler) {
        handler.handle(new CustomHandler.Request() {
            @Override
            public String userId() {
                return s.userId();
            }

            @Override
            public JsonObject payload() {
                return env.payload().deepCopy();
            }

            @Override
            public void reply(String type, JsonObject payload) {
                if (MessageType.fromWire(type).isPresent()) {
                    throw new IllegalArgumentException("custom replies cannot use protocol type " + type);
                }
                JsonObject frame = new JsonObject();
                frame.addProperty("type", type);
                frame.add("payload", payload == null ? new JsonObject() : payload);
                frame.addProperty("requestId", env.requestId() == null ? JsonCodec.newRequestId() : env.requestId());
                frame.addProperty("timestamp", Timestamps.format(now()));
                s.sendFrame(frame.toString());
            }

            @Override
            public void fail(ErrorCode code, String message) {
                s.replyError(new ProtocolException(code, message).withRequestId(env.requestId()));
            }
        });
    }

    // ---- authentication (3.1, 2.2 - 2.4) ----

    /**
     * Authenticates in-band ({@code requestId} set) or at connect ({@code requestId} null: answers
     * are unsolicited). Completes when the answer has been sent.
     */
    private CompletionStage<?> authenticate(Session s, String token, List<String> requested, String requestId) {
        boolean atConnect = requestId == null;
        if (token == null || token.isEmpty()) {
            failAuth(s, new ProtocolException(ErrorCode.MISSING_TOKEN, "auth needs a token"), requestId, atConnect, null);
            return null;
        }
        CompletableFuture<Principal> result;
        try {
            result = authenticator.authenticate(token);
        } catch (RuntimeException e) {
            result = CompletableFuture.failedFuture(e);
        }
        return result.handle((principal, error) -> {
            try {
                if (error != null) {
                    onAuthFailure(s, unwrap(error), requestId, atConnect);
                } else {
                    return onAuthSuccess(s, principal, requested == null ? List.of() : requested, requestId);
                }
            } catch (RuntimeException e) {
                serverError(s, requestId, e);
            }
            return DONE;
        }).thenCompose(answered -> answered);
    }

    private static final CompletionStage<Void> DONE = CompletableFuture.completedStage(null);

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    private void onAuthFailure(Session s, Throwable error, String requestId, boolean atConnect) {
        ProtocolException pe;
        Instant expiredAt = null;
        if (error instanceof AuthException ae) {
            pe = switch (ae.reason()) {
                case EXPIRED -> new ProtocolException(ErrorCode.TOKEN_EXPIRED, "Token expired");
                case UNAVAILABLE -> new ProtocolException(ErrorCode.AUTH_ERROR, "Authentication is unavailable; try again");
                case INVALID, REVOKED -> new ProtocolException(ErrorCode.INVALID_TOKEN, "Invalid token");
            };
        } else {
            log.warn("Authenticator failed unexpectedly in session {}", s.id(), error);
            pe = new ProtocolException(ErrorCode.AUTH_ERROR, "Authentication could not be completed");
        }
        failAuth(s, pe, requestId, atConnect, expiredAt);
    }

    private void failAuth(Session s, ProtocolException pe, String requestId, boolean atConnect, Instant expiredAt) {
        counters.increment("authFailures");
        if (atConnect) {
            s.send(MessageType.AUTH_ERROR, JsonCodec.errorPayload(pe, expiredAt), null);
            return;
        }
        s.replyError(pe.withRequestId(requestId));
        if (++s.failedAuths >= config.maxFailedAuths() && !s.isAuthenticated()) {
            s.close(CloseCodes.POLICY_VIOLATION, "too_many_auth_failures");
        }
    }

    /** Completes once the answer is sent: a first authentication waits for the user's topic first. */
    private CompletionStage<Void> onAuthSuccess(Session s, Principal p, List<String> requested, String requestId) {
        if (s.state() == Session.State.CLOSED) {
            return DONE;
        }
        Principal current = s.principal();
        if (current != null && !current.userId().equals(p.userId())) {
            s.replyError(new ProtocolException(ErrorCode.CONFLICT,
                    "This connection is authenticated as another user; open a new connection to switch")
                    .withRequestId(requestId));
            return DONE;
        }
        if (p.expiresAt() != null && !p.expiresAt().isAfter(now())) {
            failAuth(s, new ProtocolException(ErrorCode.TOKEN_EXPIRED, "Token expired"), requestId, requestId == null,
                    p.expiresAt());
            return DONE;
        }
        Set<String> negotiated = new LinkedHashSet<>();
        for (String name : requested) {
            if (offeredExtensions.contains(name)) {
                negotiated.add(name);
            }
        }
        if (current != null) { // a refresh: registered already
            answerAuth(s, p, negotiated, store.upsertUser(UserProfile.of(p)), requestId);
            return DONE;
        }
        SignedIn signedIn = store.signIn(UserProfile.of(p));
        // Register before answering, and wait until the broker delivers the user's topic here, so that
        // nothing sent to this user after auth_success is missed, from any node. The topic is also
        // this node's record of the user's signed-in sessions.
        CompletableFuture<Void> subscribed = rooms.add(RoomRegistry.userTopic(p.userId()), s).toCompletableFuture();
        if (subscribed.isDone()) {
            Throwable failure = subscribed.isCompletedExceptionally()
                    ? subscribed.handle((v, e) -> e).join() : null;
            firstAuthSubscribed(s, p, negotiated, signedIn, requestId, failure);
            return DONE;
        }
        // Not on this thread (it may be the broker's or the authenticator's): back on a worker.
        Duration timeout = config.subscribeTimeout();
        CompletableFuture<Void> answered = new CompletableFuture<>();
        subscribed.copy().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((v, failure) -> {
            Runnable finish = () -> {
                try {
                    firstAuthSubscribed(s, p, negotiated, signedIn, requestId, failure);
                } catch (RuntimeException e) {
                    serverError(s, requestId, e);
                } finally {
                    answered.complete(null);
                }
            };
            try {
                workers.execute(finish);
            } catch (RejectedExecutionException e) {
                answered.complete(null); // shutting down
            }
        });
        return answered;
    }

    /**
     * The rest of a first authentication once the user's topic is subscribed, or not within
     * {@link EngineConfig#subscribeTimeout()} ({@code failure} set). Then the broker is down or slow:
     * the user is still signed in, as this node keeps serving what it can (its own connections and
     * rooms), and the broker keeps trying the subscription; until it holds, what other nodes send to
     * this user is missed (a client catches up when it loads or resumes).
     */
    private void firstAuthSubscribed(Session s, Principal p, Set<String> negotiated, SignedIn signedIn,
                                     String requestId, Throwable failure) {
        String userTopic = RoomRegistry.userTopic(p.userId());
        if (s.state() == Session.State.CLOSED) {
            rooms.remove(userTopic, s);
            return;
        }
        if (failure != null) {
            log.warn("The events of the user of session {} not subscribed within {} ms ({}); signed in without"
                    + " them until the broker confirms", s.id(), config.subscribeTimeout().toMillis(),
                    unwrap(failure).toString());
            counters.increment("authWithoutSubscription");
        }
        boolean cameOnline = presence.add(p.userId(), s.id());
        if (presence.connectionCount(p.userId()) > config.maxConnectionsPerUser()) {
            presence.remove(p.userId(), s.id());
            rooms.remove(userTopic, s);
            s.close(CloseCodes.TOO_MANY_CONNECTIONS, "too_many_connections");
            return;
        }
        User user = cameOnline ? presenceHandlers.firstConnection(signedIn.user()) : signedIn.user();
        answerAuth(s, p, negotiated, user, requestId);
        if (cameOnline) {
            // The conversations as of the sign-in's write, read with it (one read less per sign-in).
            announcePresence(p.userId(), MessageType.USER_ONLINE, signedIn.conversationIds());
        }
        if (s.state() == Session.State.CLOSED) {
            sessionClosed(s); // closed while authenticating: undo what was just registered
        }
    }

    private void answerAuth(Session s, Principal p, Set<String> negotiated, User user, String requestId) {
        s.authenticated(p, negotiated);
        AuthUser authUser = AuthUser.of(views.user(user), p.email(), p.phone(), p.authUserId());
        Limits limits = new Limits(config.limits().maxFrameBytes(), config.limits().maxContentBytes(),
                config.limits().maxFileBytes(), config.limits().fileChunkBytes());
        s.send(MessageType.AUTH_SUCCESS,
                new AuthSuccess(authUser, p.expiresAt(), 1, List.copyOf(negotiated), limits), requestId);
    }

    /** {@code user_online} / {@code user_offline}: one frame per conversation of the user, to other users' joined connections. */
    void announcePresence(String userId, MessageType type) {
        announcePresence(userId, type, store.conversationIdsOf(userId));
    }

    private void announcePresence(String userId, MessageType type, List<String> conversationIds) {
        Instant now = now();
        for (String conversationId : conversationIds) {
            String frame = encode(type, new UserPresence(userId, conversationId, now));
            publishToConversation(conversationId, new BrokerEvent(frame, null, userId, null, null));
        }
    }

    /** Cleanup after a connection closed (runs once per session, on a worker). */
    void sessionClosed(Session s) {
        s.releaseExtensions();
        sessions.remove(s);
        counters.increment("connectionsClosed");
        String userId = s.userId();
        for (String conversationId : s.rooms()) {
            handlers.leaveRoom(s, conversationId);
        }
        callHandlers.sessionClosed(s);
        if (userId == null) {
            return;
        }
        rooms.remove(RoomRegistry.userTopic(userId), s);
        try {
            if (presence.remove(userId, s.id())) {
                for (String conversationId : typing.conversationsOf(userId, now())) {
                    handlers.stopTyping(conversationId, userId);
                }
                if (presenceHandlers.lastConnectionClosed(userId)) {
                    announcePresence(userId, MessageType.USER_OFFLINE);
                }
            }
        } catch (RuntimeException e) {
            log.warn("Presence cleanup failed for session {}", s.id(), e);
        }
    }

    // ---- timers ----

    private void sweepSafely() {
        try {
            sweep();
        } catch (RuntimeException e) {
            log.error("Timer sweep failed", e);
        }
    }

    /**
     * One pass of every timer: auth deadline, token expiry and grace, idle timeout, pings, typing
     * expiry, and room events held past the reorder window.
     */
    void sweep() {
        Instant now = now();
        long nowMillis = now.toEpochMilli();
        long pingMillis = config.pingInterval().toMillis();
        for (Session s : sessions) {
            switch (s.state()) {
                case CONNECTED -> {
                    if (!now.isBefore(s.openedAt().plus(config.authTimeout()))) {
                        s.close(CloseCodes.AUTH_TIMEOUT, "auth_timeout");
                        continue;
                    }
                }
                case AUTHENTICATED -> {
                    Instant exp = s.principal().expiresAt();
                    if (exp != null && !now.isBefore(exp)) {
                        s.expired(exp);
                        s.enqueue(() -> {
                            ProtocolException pe = new ProtocolException(ErrorCode.TOKEN_EXPIRED, "Token expired");
                            s.send(MessageType.AUTH_ERROR, JsonCodec.errorPayload(pe, exp), null);
                            return null;
                        });
                    }
                }
                case EXPIRED -> {
                    Instant at = s.expiredAt();
                    if (at != null && !now.isBefore(at.plus(config.tokenGrace()))) {
                        s.close(CloseCodes.TOKEN_EXPIRED, "token_expired");
                        continue;
                    }
                }
                case CLOSED -> {
                    continue;
                }
            }
            if (!now.isBefore(s.lastActivity().plus(config.idleTimeout()))) {
                s.close(CloseCodes.HEARTBEAT_TIMEOUT, "heartbeat_timeout");
                continue;
            }
            s.pingIfDue(nowMillis, pingMillis);
        }
        if (!now.isBefore(lastPresenceRefresh.plus(PRESENCE_REFRESH)) && refreshingPresence.compareAndSet(false, true)) {
            lastPresenceRefresh = now;
            refreshPresence();
        }
        // Rate-limit buckets of users with no connection here are dropped; a returning user starts full.
        userLimits.retainUsers(userId -> rooms.hasSessions(RoomRegistry.userTopic(userId)));
        rooms.expireHeld();
        if (fileHandlers != null) {
            fileHandlers.sweep(now);
        }
        if (expiringShared.compareAndSet(false, true)) {
            execute(() -> expireShared(now));
        }
    }

    /**
     * Ends unanswered calls and expired typing. On a worker, one pass at a time: the call and typing
     * stores may be shared by nodes and block; across nodes each expiry is announced by one node.
     */
    private void expireShared(Instant now) {
        try {
            callHandlers.sweep(now);
            for (TypingStore.Expired e : typing.expire(now)) {
                handlers.announceTyping(e.conversationId(), e.userId(), e.username(), false);
            }
            if (sharedExpiryFailing) {
                sharedExpiryFailing = false;
                log.info("Expiring calls and typing works again");
            }
        } catch (RuntimeException e) {
            if (!sharedExpiryFailing) {
                sharedExpiryFailing = true; // once per outage, not every pass
                log.warn("Expiring calls and typing failed; retrying every pass", e);
            }
        } finally {
            expiringShared.set(false);
        }
    }

    /**
     * Keeps this node's connections alive in the presence store and announces {@code user_offline}
     * for users whose connections expired with a crashed node. On a worker: the store may block.
     */
    private void refreshPresence() {
        List<String> ids = new ArrayList<>();
        for (Session s : sessions) {
            if (s.isAuthenticated()) {
                ids.add(s.id());
            }
        }
        execute(() -> {
            try {
                for (String userId : presence.refresh(ids)) {
                    if (presenceHandlers.lastConnectionClosed(userId)) {
                        announcePresence(userId, MessageType.USER_OFFLINE);
                    }
                }
            } catch (RuntimeException e) {
                log.warn("Presence refresh failed", e);
            } finally {
                refreshingPresence.set(false);
            }
        });
    }

    /** Runs a task once on the timer thread after a delay (nothing once the engine is closing). */
    private void scheduleOnce(Runnable task, Duration delay) {
        try {
            scheduler.schedule(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.error("Timer task failed", e);
                }
            }, Math.max(1, delay.toMillis()), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // shutting down
        }
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Builds a {@link ChatEngine}; only the authenticator is required. */
    public static final class Builder {
        private ChatStore store;
        private Authenticator authenticator;
        private Broker broker;
        private PresenceStore presence;
        private CallStore callStore;
        private TypingStore typingStore;
        private Clock clock = Clock.system();
        private EngineConfig config = EngineConfig.DEFAULTS;
        private ExecutorService executor;
        private PushNotifier pushNotifier;
        private BlobStore blobStore;
        private final Map<String, CustomHandler> customHandlers = new HashMap<>();

        private Builder() {
        }

        /** Where chat history lives; default: in memory. */
        public Builder store(ChatStore v) { store = v; return this; }
        /** Turns tokens into principals; required. */
        public Builder authenticator(Authenticator v) { authenticator = v; return this; }
        /** Fans events out between nodes; default: this node only. */
        public Builder broker(Broker v) { broker = v; return this; }
        /** Counts connections per user; default: this node only. */
        public Builder presence(PresenceStore v) { presence = v; return this; }
        /** Holds the state of calls (calls extension); default: this node only. */
        public Builder callStore(CallStore v) { callStore = Objects.requireNonNull(v); return this; }
        /** Holds who is typing where; default: this node only. */
        public Builder typingStore(TypingStore v) { typingStore = Objects.requireNonNull(v); return this; }
        public Builder clock(Clock v) { clock = Objects.requireNonNull(v); return this; }
        public Builder config(EngineConfig v) { config = Objects.requireNonNull(v); return this; }

        /**
         * Runs requests on this executor instead of an own pool of {@link EngineConfig#workerThreads()}
         * threads; the engine does not shut it down.
         */
        public Builder executor(ExecutorService v) { executor = Objects.requireNonNull(v); return this; }

        /** Where uploaded files live; required for the files extension. */
        public Builder blobStore(BlobStore v) { blobStore = Objects.requireNonNull(v); return this; }

        /** Tells offline participants about new messages; default: none. */
        public Builder pushNotifier(PushNotifier v) { pushNotifier = Objects.requireNonNull(v); return this; }

        /** Handles an embedder's own message type (a name the protocol does not use). */
        public Builder handler(String type, CustomHandler handler) {
            if (MessageType.fromWire(type).isPresent()) {
                throw new IllegalArgumentException(type + " is a protocol message type");
            }
            customHandlers.put(type, Objects.requireNonNull(handler));
            return this;
        }

        public ChatEngine build() {
            return new ChatEngine(this);
        }
    }
}
