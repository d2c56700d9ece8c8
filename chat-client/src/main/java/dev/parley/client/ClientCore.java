package dev.parley.client;

import com.google.gson.JsonObject;
import dev.parley.client.ChatException.Kind;
import dev.parley.client.ConnectionState.Phase;
import dev.parley.protocol.Envelope;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.JsonCodec;
import dev.parley.protocol.MessageType;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.model.AuthUser;
import dev.parley.protocol.model.Conversation;
import dev.parley.protocol.model.ConversationType;
import dev.parley.protocol.model.Message;
import dev.parley.protocol.payload.AuthPayloads.Auth;
import dev.parley.protocol.payload.AuthPayloads.AuthSuccess;
import dev.parley.protocol.payload.ConversationPayloads.ConversationCreated;
import dev.parley.protocol.payload.ConversationPayloads.ConversationJoined;
import dev.parley.protocol.payload.ConversationPayloads.ConversationRequest;
import dev.parley.protocol.payload.ConversationPayloads.ConversationsLoaded;
import dev.parley.protocol.payload.ConversationPayloads.CreateConversation;
import dev.parley.protocol.payload.MessagePayloads.LoadMessages;
import dev.parley.protocol.payload.MessagePayloads.LoadMoreMessages;
import dev.parley.protocol.payload.MessagePayloads.MessageReceived;
import dev.parley.protocol.payload.MessagePayloads.MessageSent;
import dev.parley.protocol.payload.MessagePayloads.MessagesLoaded;
import dev.parley.protocol.payload.MessagePayloads.SendMessage;
import dev.parley.protocol.payload.PresencePayloads.UserPresence;
import dev.parley.protocol.payload.ResumePayloads.Resume;
import dev.parley.protocol.payload.ResumePayloads.ResumeEntry;
import dev.parley.protocol.payload.ResumePayloads.ResumeResult;
import dev.parley.protocol.payload.ResumePayloads.Resumed;
import dev.parley.protocol.payload.SystemPayloads.Empty;
import dev.parley.protocol.payload.SystemPayloads.ErrorPayload;
import dev.parley.protocol.payload.TypingPayloads.TypingUpdate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * The client's state machine. Every method runs on the client thread ({@link Scheduler}); socket
 * callbacks are moved there first. One connection at a time: a {@link WebSocketLink} that is no
 * longer {@link #link} is stale and its callbacks are ignored.
 *
 * <p>After each authentication on a new connection it re-joins the rooms that were joined, recovers
 * what was missed ({@code resume} when the server enabled it, else the newest page plus older pages
 * up to the last held message) and sends the queued messages again.
 */
final class ClientCore implements WebSocketLink.Events, TypingController.Sink {
    private final ClientConfig config;
    private final Scheduler scheduler;
    private final JsonCodec codec = JsonCodec.standard();
    private final ClientStateView view;
    private final ChatLogger log;
    private final Backoff backoff;
    private final Heartbeat heartbeat;
    private final PendingRequests pending;
    private final OutboundQueue outbound = new OutboundQueue();
    private final MessageStore messages = new MessageStore();
    private final TypingController typing;

    private WebSocketLink link;
    private Phase phase = Phase.DISCONNECTED;
    private boolean wanted;
    private AuthUser user;
    private Set<String> extensions = Set.of();
    private Instant expiresAt;
    private String error;
    private String token;
    private String explicitToken;
    private boolean tokenExpired;
    private boolean refreshing;
    private boolean authRetried;
    private Instant lastFrameAt;
    private Instant lastFrameBeforeDrop;
    private Scheduler.Cancellable reconnectTimer;
    private Scheduler.Cancellable connectTimer;
    private Scheduler.Cancellable refreshTimer;
    private Scheduler.Cancellable heartbeatTimer;
    private Scheduler.Cancellable backoffResetTimer;
    private final List<CompletableFuture<Void>> connectWaiters = new ArrayList<>();
    private final List<CompletableFuture<AuthSuccess>> authWaiters = new ArrayList<>();

    private final RoomState rooms;
    private final MessageFeatures features;

    ClientCore(ClientConfig config, Scheduler scheduler, ClientStateView view, Backoff backoff) {
        this.config = config;
        this.scheduler = scheduler;
        this.view = view;
        this.log = config.logger();
        this.backoff = backoff;
        this.heartbeat = new Heartbeat(config.pingAfterIdleMillis(), config.deadAfterMillis());
        this.pending = new PendingRequests(scheduler, codec);
        this.rooms = new RoomState(view);
        this.features = new MessageFeatures(this, codec, messages, rooms, view);
        this.typing = new TypingController(scheduler, this, config.typingAutoStopMillis(),
                ClientConfig.TYPING_RESTART_MILLIS);
    }

    /** The typed calls of the message extensions (6.1-6.6). */
    MessageFeatures features() {
        return features;
    }

    /** The authenticated user's id, or {@code null} before the first authentication. */
    String selfId() {
        return user == null ? null : user.id();
    }

    // ---- connection lifecycle ----

    CompletableFuture<Void> connect() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        if (phase == Phase.CLOSED) {
            f.completeExceptionally(ChatException.local(Kind.CLOSED, "the client is closed"));
            return f;
        }
        wanted = true;
        if (phase == Phase.AUTHENTICATED || (phase == Phase.CONNECTED && !hasTokenSource())) {
            f.complete(null);
            return f;
        }
        connectWaiters.add(f);
        if (link == null && reconnectTimer == null) {
            backoff.reset();
            open();
        }
        return f;
    }

    CompletableFuture<AuthSuccess> authenticate(String newToken) {
        explicitToken = newToken;
        if (link != null && (phase == Phase.CONNECTED || phase == Phase.AUTHENTICATED)) {
            return sendAuth(newToken, phase == Phase.AUTHENTICATED);
        }
        CompletableFuture<AuthSuccess> f = new CompletableFuture<>();
        if (phase == Phase.CLOSED) {
            f.completeExceptionally(ChatException.local(Kind.CLOSED, "the client is closed"));
            return f;
        }
        authWaiters.add(f);
        if (!wanted || (link == null && reconnectTimer == null)) {
            connect();
        }
        return f;
    }

    void disconnect() {
        wanted = false;
        cancel(reconnectTimer);
        reconnectTimer = null;
        WebSocketLink l = link;
        link = null;
        if (l != null) {
            l.close(1000, "client_disconnect");
        }
        connectionGone();
        error = null;
        phase = Phase.DISCONNECTED;
        giveUp("disconnected");
        publishConnection();
    }

    void close() {
        disconnect();
        for (OutboundQueue.Entry e : outbound.failAll("the client was closed")) {
            view.publishOutgoing(outbound.snapshot(), e.snapshot());
        }
        phase = Phase.CLOSED;
        publishConnection();
    }

    private boolean hasTokenSource() {
        return config.tokenProvider() != null || explicitToken != null;
    }

    private void open() {
        reconnectTimer = null;
        phase = Phase.CONNECTING;
        publishConnection();
        debug("connecting to " + config.serverUri().getHost() + ":" + config.serverUri().getPort());
        int timeout = (int) Math.min(Integer.MAX_VALUE, config.connectTimeoutMillis());
        WebSocketLink l = new WebSocketLink(config.serverUri(), timeout, this);
        link = l;
        // the socket's own timeout covers only the TCP connect; a server that accepts and never answers
        // the upgrade (one going down, say) would leave the client connecting forever
        connectTimer = scheduler.schedule(() -> {
            if (l == link && phase == Phase.CONNECTING) {
                connectionFailed("no handshake within " + timeout + " ms");
            }
        }, timeout);
        l.connect();
    }

    private void onOpen(WebSocketLink l) {
        if (l != link) {
            return;
        }
        cancel(connectTimer);
        connectTimer = null;
        phase = Phase.CONNECTED;
        heartbeat.reset(scheduler.nowMillis());
        scheduleHeartbeat();
        publishConnection();
        debug("connected");
        if (config.tokenProvider() != null) {
            withFreshToken(t -> sendAuth(t, false), e -> connectionFailed("token provider failed: " + e));
        } else if (explicitToken != null) {
            sendAuth(explicitToken, false);
        } else {
            completeConnectWaiters();
        }
    }

    private void onClose(WebSocketLink l, int code, String reason) {
        if (l != link) {
            return;
        }
        link = null;
        debug("connection closed: " + code + " " + reason);
        connectionGone();
        afterLoss(code, reason);
    }

    /** Drops the current connection on the client's own decision, then reconnects as after a drop. */
    private void connectionFailed(String why) {
        WebSocketLink l = link;
        link = null;
        if (l != null) {
            l.closeConnection(1006, "client_abort");
        }
        debug("connection abandoned: " + why);
        connectionGone();
        afterLoss(1006, why);
    }

    /** Cleans up what dies with a connection; rooms, messages and queued sends survive it. */
    private void connectionGone() {
        cancel(connectTimer);
        cancel(heartbeatTimer);
        cancel(refreshTimer);
        cancel(backoffResetTimer);
        connectTimer = heartbeatTimer = refreshTimer = backoffResetTimer = null;
        refreshing = false;
        tokenExpired = false;
        lastFrameBeforeDrop = lastFrameAt;
        pending.failAll(ChatException.local(Kind.NOT_CONNECTED, "the connection was lost"));
        outbound.connectionLost();
        typing.reset();
        rooms.connectionLost();
    }

    private void afterLoss(int code, String reason) {
        if (code != 1000) {
            error = "connection closed (" + code + (reason == null || reason.isEmpty() ? "" : " " + reason) + ")";
        }
        if (!wanted) {
            phase = Phase.DISCONNECTED;
            publishConnection();
            return;
        }
        if (!config.reconnect().enabled()) {
            stop(error);
            return;
        }
        switch (code) {
            case 1000, 4009 -> stop(error); // ended on purpose; too many connections: reconnecting would repeat it
            case 4002, 4003 -> reconnectWithNewToken();
            case 1013 -> scheduleReconnect(5_000);
            case 4008 -> scheduleReconnect(30_000);
            case 1008 -> scheduleReconnect(config.reconnect().maxDelay().toMillis());
            default -> scheduleReconnect(0);
        }
    }

    /** After 4002/4003 the old token is useless: reconnect only if the provider has a different one. */
    private void reconnectWithNewToken() {
        if (config.tokenProvider() == null) {
            stop(error + ": a new token is needed");
            return;
        }
        String old = token;
        phase = Phase.RECONNECTING;
        publishConnection();
        withFreshToken(t -> {
            if (!wanted || link != null) {
                return;
            }
            if (t == null || t.equals(old)) {
                stop(error + ": the token provider has no new token");
            } else {
                scheduleReconnect(0);
            }
        }, e -> stop(error + ": token provider failed"));
    }

    private void scheduleReconnect(long minDelayMillis) {
        long delay = Math.max(backoff.nextDelayMillis(), minDelayMillis);
        phase = Phase.RECONNECTING;
        publishConnection();
        debug("reconnecting in " + delay + " ms (attempt " + backoff.attempts() + ")");
        cancel(reconnectTimer);
        reconnectTimer = scheduler.schedule(() -> {
            reconnectTimer = null;
            if (wanted && link == null && phase != Phase.CLOSED) {
                open();
            }
        }, delay);
    }

    private void stop(String why) {
        stop(why, null);
    }

    /** Stops reconnecting; waiting connects fail with {@code cause} (the server's refusal), else {@code NOT_CONNECTED}. */
    private void stop(String why, ChatException cause) {
        wanted = false;
        error = why;
        phase = Phase.DISCONNECTED;
        giveUp(cause != null ? cause : ChatException.local(Kind.NOT_CONNECTED, why));
        publishConnection();
    }

    private void giveUp(String why) {
        giveUp(ChatException.local(Kind.NOT_CONNECTED, why));
    }

    private void giveUp(ChatException e) {
        List<CompletableFuture<Void>> cw = new ArrayList<>(connectWaiters);
        connectWaiters.clear();
        cw.forEach(f -> f.completeExceptionally(e));
        List<CompletableFuture<AuthSuccess>> aw = new ArrayList<>(authWaiters);
        authWaiters.clear();
        aw.forEach(f -> f.completeExceptionally(e));
    }

    private void completeConnectWaiters() {
        List<CompletableFuture<Void>> cw = new ArrayList<>(connectWaiters);
        connectWaiters.clear();
        cw.forEach(f -> f.complete(null));
    }

    // ---- authentication ----

    private void withFreshToken(Consumer<String> then, Consumer<Throwable> failed) {
        WebSocketLink l = link;
        CompletionStage<String> stage;
        try {
            stage = config.tokenProvider().token();
        } catch (RuntimeException e) {
            failed.accept(e);
            return;
        }
        stage.whenComplete((t, e) -> scheduler.execute(() -> {
            if (l != link || phase == Phase.CLOSED) {
                return; // the connection it was for is gone
            }
            if (e != null) {
                failed.accept(e);
            } else {
                then.accept(t);
            }
        }));
    }

    private CompletableFuture<AuthSuccess> sendAuth(String authToken, boolean refresh) {
        token = authToken;
        WebSocketLink l = link;
        CompletableFuture<AuthSuccess> result = request(MessageType.AUTH,
                new Auth(authToken, config.extensions().isEmpty() ? null : config.extensions()), false)
                .thenApply(env -> codec.readServerPayload(env.payload(), AuthSuccess.class));
        result.whenComplete((s, e) -> {
            if (l != link) {
                return;
            }
            if (e == null) {
                onAuthenticated(s);
            } else {
                authFailed(unwrap(e), refresh);
            }
        });
        return result;
    }

    private void authFailed(ChatException e, boolean refresh) {
        if (refresh) {
            refreshing = false;
            log.warn("token refresh refused: " + e.wireCode(), null);
            if (tokenExpired && e.kind() == Kind.REJECTED && isTokenProblem(e.code())) {
                // still in the grace period: the provider may catch up; the server closes with 4002 at its end
                cancel(refreshTimer);
                refreshTimer = scheduler.schedule(() -> refreshToken(true), 2000);
            }
            return; // otherwise the current authentication stays valid until it expires (2.3)
        }
        if (e.kind() != Kind.REJECTED) {
            if (e.kind() == Kind.TIMEOUT) {
                connectionFailed("auth timed out");
            }
            return; // a lost connection is handled by its close
        }
        ErrorCode code = e.code();
        if (code == ErrorCode.AUTH_ERROR || code == ErrorCode.RATE_LIMITED || code == ErrorCode.SERVER_ERROR) {
            connectionFailed("authentication could not be completed: " + e.wireCode());
            return;
        }
        if (config.tokenProvider() != null && !authRetried && isTokenProblem(code)) {
            authRetried = true; // once: the provider may have handed out a stale token
            withFreshToken(t -> sendAuth(t, false), x -> connectionFailed("token provider failed: " + x));
            return;
        }
        WebSocketLink l = link;
        link = null;
        if (l != null) {
            l.close(1000, "auth_failed");
        }
        connectionGone();
        stop("authentication failed: " + e.wireCode(), e);
    }

    private static boolean isTokenProblem(ErrorCode code) {
        return code == ErrorCode.INVALID_TOKEN || code == ErrorCode.TOKEN_EXPIRED || code == ErrorCode.MISSING_TOKEN;
    }

    private void onAuthenticated(AuthSuccess s) {
        boolean refresh = phase == Phase.AUTHENTICATED;
        user = s.user();
        rooms.self(user == null ? null : user.id());
        extensions = s.extensions() == null ? Set.of() : Set.copyOf(s.extensions());
        expiresAt = s.expiresAt();
        tokenExpired = false;
        refreshing = false;
        authRetried = false;
        error = null;
        scheduleRefresh();
        List<CompletableFuture<AuthSuccess>> aw = new ArrayList<>(authWaiters);
        authWaiters.clear();
        aw.forEach(f -> f.complete(s));
        if (!refresh) {
            phase = Phase.AUTHENTICATED;
            cancel(backoffResetTimer);
            backoffResetTimer = scheduler.schedule(backoff::reset, config.reconnect().resetAfter().toMillis());
            debug("authenticated; recovering " + rooms.joinedRooms().size() + " rooms");
            completeConnectWaiters();
            publishConnection();
            recover();
        } else {
            debug("token refreshed");
            publishConnection();
        }
        flushOutbound();
    }

    private void scheduleRefresh() {
        cancel(refreshTimer);
        refreshTimer = null;
        if (expiresAt == null || config.tokenProvider() == null) {
            return;
        }
        long remaining = Duration.between(Instant.now(), expiresAt).toMillis();
        // the lead ahead of expiry (~60 s); a token living less than twice that is refreshed at half its life
        long delay = Math.max(0, Math.max(remaining - config.tokenRefreshLeadMillis(), remaining / 2));
        refreshTimer = scheduler.schedule(() -> refreshToken(false), delay);
    }

    private void refreshToken(boolean force) {
        if (config.tokenProvider() == null || refreshing || link == null || phase != Phase.AUTHENTICATED) {
            return;
        }
        refreshing = true;
        withFreshToken(t -> {
            if (t == null || (!force && t.equals(token))) {
                refreshing = false;
                return;
            }
            sendAuth(t, true);
        }, e -> {
            refreshing = false;
            log.warn("token provider failed during refresh", e);
        });
    }

    // ---- recovery after (re)authentication ----

    private void recover() {
        features.reconnected();
        List<String> toRecover = rooms.joinedRooms();
        if (toRecover.isEmpty()) {
            return;
        }
        for (String c : toRecover) {
            // Events of a room can come before the answer to its join or resume; they must not count
            // as received in order past what was missed while away, also if this recovery is cut short.
            messages.holeAbove(c, messages.confirmedSeq(c));
        }
        if (extensions.contains("resume")) {
            // edits and deletions since shortly before the drop (6.7)
            Instant since = lastFrameBeforeDrop == null ? null : lastFrameBeforeDrop.minusSeconds(5);
            for (int i = 0; i < toRecover.size(); i += 100) {
                resume(toRecover.subList(i, Math.min(toRecover.size(), i + 100)), since);
            }
        }
        for (String c : toRecover) {
            // after resume this only refreshes who is online and typing; without resume it re-joins
            joinRoom(c).whenComplete((j, e) -> {
                if (e == null && !extensions.contains("resume")) {
                    reloadNewest(c);
                }
            });
        }
    }

    private void resume(List<String> conversationIds, Instant since) {
        List<ResumeEntry> entries = new ArrayList<>();
        for (String c : conversationIds) {
            entries.add(new ResumeEntry(c, messages.confirmedSeq(c)));
        }
        request(MessageType.RESUME, new Resume(entries, since), true)
                .thenApply(env -> codec.readServerPayload(env.payload(), Resumed.class))
                .whenComplete((r, e) -> {
                    if (e != null) {
                        debug("resume failed: " + unwrap(e).getMessage() + "; reloading");
                        conversationIds.forEach(this::reloadNewest);
                        return;
                    }
                    for (ResumeResult rr : r.conversations()) {
                        if (!rr.joined()) {
                            rooms.forget(rr.conversationId());
                        } else if (rr.mustReload()) {
                            if (messages.clear(rr.conversationId())) {
                                view.publishMessages(rr.conversationId(), List.of());
                            }
                            reloadNewest(rr.conversationId());
                        } else {
                            onMessages(rr.conversationId(), nonNull(rr.messages()), Origin.RECOVERY);
                            features.changed(rr.conversationId(), nonNull(rr.updated()));
                            messages.holeFilled(rr.conversationId()); // everything after lastSeq came
                        }
                    }
                });
    }

    /**
     * Loads the newest page and, if messages may have been missed between it and what was received
     * in order before (events and pages, not the answers to this client's sends, which can carry any
     * old seq after a reconnect), the pages before it until they meet; past
     * {@link ClientConfig#MAX_GAP_PAGES} the older held messages are dropped instead, so that what is
     * held never has a hole.
     */
    private void reloadNewest(String conversationId) {
        long confirmed = messages.confirmedSeq(conversationId);
        request(MessageType.LOAD_MESSAGES, new LoadMessages(conversationId, null, false, null, null), true)
                .thenApply(env -> codec.readServerPayload(env.payload(), MessagesLoaded.class))
                .whenComplete((page, e) -> {
                    if (e != null) {
                        debug("reload failed: " + unwrap(e).getMessage());
                        return;
                    }
                    List<Message> list = nonNull(page.messages());
                    Message oldest = messages.oldest(conversationId);
                    // complete from what was received in order before the drop; with nothing received
                    // yet, down to the oldest held answer to a send
                    long target = confirmed > 0 ? confirmed
                            : oldest != null && !list.isEmpty() && oldest.seq() < list.get(0).seq() ? oldest.seq() - 1
                            : -1;
                    debug("reloaded " + describe(page) + "; complete up to seq " + confirmed);
                    onMessages(conversationId, list, Origin.RECOVERY);
                    features.loaded(conversationId, page, false);
                    if (target >= 0) {
                        fillGap(conversationId, page, target, 0);
                    } else {
                        messages.holeFilled(conversationId); // nothing was held below this page
                    }
                });
    }

    private void fillGap(String conversationId, MessagesLoaded page, long heldBelow, int pagesLoaded) {
        List<Message> list = nonNull(page.messages());
        if (list.isEmpty() || !page.hasMore() || list.get(0).seq() <= heldBelow + 1) {
            messages.holeFilled(conversationId);
            return;
        }
        Message first = list.get(0);
        if (pagesLoaded == 0) {
            messages.holeAbove(conversationId, heldBelow); // kept until filled, across reconnects
        }
        if (pagesLoaded >= ClientConfig.MAX_GAP_PAGES) {
            if (messages.dropOlderThan(conversationId, first.seq())) {
                view.publishMessages(conversationId, messages.snapshot(conversationId));
            }
            messages.holeFilled(conversationId);
            return;
        }
        request(MessageType.LOAD_MORE_MESSAGES, new LoadMoreMessages(conversationId, first.id(), null, null, null), true)
                .thenApply(env -> codec.readServerPayload(env.payload(), MessagesLoaded.class))
                .whenComplete((older, e) -> {
                    if (e == null) {
                        debug("gap page " + describe(older));
                        onMessages(conversationId, nonNull(older.messages()), Origin.RECOVERY);
                        fillGap(conversationId, older, heldBelow, pagesLoaded + 1);
                    }
                });
    }

    // ---- requests ----

    /**
     * Sends a request and waits for its answer. Fails at once with {@code NOT_CONNECTED} when there
     * is no open connection (or, if {@code needsAuth}, no authenticated one).
     */
    CompletableFuture<Envelope> request(MessageType type, Object payload, boolean needsAuth) {
        if (link == null || phase == Phase.CONNECTING || (needsAuth && phase != Phase.AUTHENTICATED)) {
            return failed(ChatException.local(Kind.NOT_CONNECTED, needsAuth ? "not authenticated" : "not connected"));
        }
        String requestId = UUID.randomUUID().toString();
        CompletableFuture<Envelope> f = pending.register(requestId, type, config.requestTimeoutMillis());
        if (!sendFrame(type, payload, requestId)) {
            pending.fail(requestId, ChatException.local(Kind.NOT_CONNECTED, "not connected"));
        }
        return f;
    }

    private boolean sendFrame(MessageType type, Object payload, String requestId) {
        WebSocketLink l = link;
        if (l == null) {
            return false;
        }
        String text = codec.encode(type, payload, requestId, Instant.now());
        boolean sent = l.sendText(text);
        if (sent) {
            heartbeat.sent(scheduler.nowMillis());
            debug("-> " + type.wireName() + " " + requestId);
        }
        return sent;
    }

    CompletableFuture<JsonObject> rawRequest(MessageType type, Object payload) {
        return request(type, payload, type != MessageType.PING).thenApply(env -> {
            features.answered(env);
            return env.payload();
        });
    }

    CompletableFuture<Duration> ping() {
        long start = scheduler.nowMillis();
        return request(MessageType.PING, Empty.INSTANCE, false)
                .thenApply(env -> Duration.ofMillis(scheduler.nowMillis() - start));
    }

    CompletableFuture<List<Conversation>> loadConversations() {
        return request(MessageType.LOAD_CONVERSATIONS, Empty.INSTANCE, true)
                .thenApply(env -> {
                    ConversationsLoaded loaded = codec.readServerPayload(env.payload(), ConversationsLoaded.class);
                    return rooms.replaceAll(nonNull(loaded.conversations()));
                });
    }

    CompletableFuture<Conversation> createConversation(ConversationType type, List<String> participantIds, String name) {
        CreateConversation payload = new CreateConversation(type == null ? null : type.wireName(),
                List.copyOf(participantIds), name, null);
        return request(MessageType.CREATE_CONVERSATION, payload, true)
                .thenApply(env -> {
                    ConversationCreated created = codec.readServerPayload(env.payload(), ConversationCreated.class);
                    Conversation c = created.conversation() != null && created.conversation().id() != null
                            ? created.conversation() : created.summary();
                    rooms.created(c);
                    return c;
                });
    }

    CompletableFuture<ConversationJoined> joinConversation(String conversationId) {
        return joinRoom(conversationId);
    }

    private CompletableFuture<ConversationJoined> joinRoom(String conversationId) {
        CompletableFuture<Envelope> answer = request(MessageType.JOIN_CONVERSATION,
                new ConversationRequest(conversationId), true);
        answer.whenComplete((env, e) -> {
            ChatException ce = e == null ? null : unwrap(e);
            if (ce != null && ce.kind() == Kind.REJECTED && ce.code() == ErrorCode.ACCESS_DENIED) {
                rooms.forget(conversationId);
            }
        });
        return answer.thenApply(env -> {
            ConversationJoined j = codec.readServerPayload(env.payload(), ConversationJoined.class);
            rooms.joined(conversationId, j);
            return j;
        });
    }

    CompletableFuture<Void> leaveConversation(String conversationId) {
        if (link == null || phase != Phase.AUTHENTICATED) {
            leftRoom(conversationId); // rooms do not survive a connection: not re-joining is leaving
            return CompletableFuture.completedFuture(null);
        }
        return request(MessageType.LEAVE_CONVERSATION, new ConversationRequest(conversationId), true)
                .thenApply(env -> {
                    leftRoom(conversationId);
                    return null;
                });
    }

    private void leftRoom(String conversationId) {
        rooms.forget(conversationId);
        typing.stopped(conversationId);
    }

    CompletableFuture<MessagesLoaded> loadMessages(String conversationId) {
        return request(MessageType.LOAD_MESSAGES, new LoadMessages(conversationId, null, null, null, null), true)
                .thenApply(env -> {
                    MessagesLoaded page = codec.readServerPayload(env.payload(), MessagesLoaded.class);
                    onMessages(conversationId, nonNull(page.messages()), Origin.PAGE);
                    features.loaded(conversationId, page, true);
                    return page;
                });
    }

    CompletableFuture<MessagesLoaded> loadMoreMessages(String conversationId) {
        Message oldest = messages.oldest(conversationId);
        if (oldest == null) {
            return loadMessages(conversationId);
        }
        return request(MessageType.LOAD_MORE_MESSAGES,
                new LoadMoreMessages(conversationId, oldest.id(), null, null, null), true)
                .thenApply(env -> {
                    MessagesLoaded page = codec.readServerPayload(env.payload(), MessagesLoaded.class);
                    onMessages(conversationId, nonNull(page.messages()), Origin.PAGE);
                    features.loaded(conversationId, page, false);
                    return page;
                });
    }

    // ---- sending ----

    CompletableFuture<SendResult> sendMessage(String conversationId, String content, String messageType,
                                              String replyToId) {
        return sendMessage(conversationId, content, messageType, replyToId, null);
    }

    CompletableFuture<SendResult> sendMessage(String conversationId, String content, String messageType,
                                              String replyToId, String threadRootId) {
        if (phase == Phase.CLOSED) {
            return CompletableFuture.completedFuture(SendResult.failed("the client is closed", null, null));
        }
        OutboundQueue.Entry e = outbound.add(conversationId, content, messageType, replyToId, threadRootId);
        typing.stopped(conversationId); // the server ends typing when the message arrives
        if (canSend()) {
            transmit(e);
        }
        publishOutgoing(e);
        return e.result;
    }

    private boolean canSend() {
        return link != null && phase == Phase.AUTHENTICATED && !tokenExpired;
    }

    private void flushOutbound() {
        if (!canSend()) {
            return;
        }
        for (OutboundQueue.Entry e : outbound.waiting()) {
            transmit(e);
            publishOutgoing(e);
        }
    }

    private void transmit(OutboundQueue.Entry e) {
        String requestId = UUID.randomUUID().toString();
        outbound.inFlight(e, requestId);
        CompletableFuture<Envelope> answer = pending.register(requestId, MessageType.SEND_MESSAGE,
                config.requestTimeoutMillis());
        answer.whenComplete((env, x) -> onSendAnswer(e, requestId, env, x));
        SendMessage payload = new SendMessage(e.conversationId, e.content, e.encryptedContents,
                e.messageType, e.replyToId, null, e.clientMessageId, e.threadRootId);
        if (!sendFrame(MessageType.SEND_MESSAGE, payload, requestId)) {
            pending.fail(requestId, ChatException.local(Kind.NOT_CONNECTED, "not connected"));
        }
    }

    private void onSendAnswer(OutboundQueue.Entry e, String requestId, Envelope env, Throwable x) {
        if (!outbound.isCurrent(e, requestId)) {
            return;
        }
        if (x == null) {
            Message m;
            try {
                m = codec.readServerPayload(env.payload(), MessageSent.class).message();
            } catch (ProtocolException pe) {
                m = null;
            }
            if (m == null) {
                outbound.failed(e, "the server's answer could not be read", null);
            } else {
                onMessages(m.conversationId() != null ? m.conversationId() : e.conversationId, List.of(m), Origin.OWN);
                outbound.acknowledged(e, m);
            }
            publishOutgoing(e);
            return;
        }
        ChatException ce = unwrap(x);
        switch (ce.kind()) {
            case NOT_CONNECTED -> outbound.retryLater(e); // sent again after the next authentication
            case TIMEOUT -> {
                e.timeouts++;
                if (e.timeouts < ClientConfig.MAX_SEND_ATTEMPTS_WITHOUT_ANSWER) {
                    outbound.retryLater(e);
                    if (canSend()) {
                        transmit(e); // safe: the same clientMessageId is stored at most once
                    }
                } else {
                    outbound.failed(e, ce.getMessage(), null);
                }
            }
            case CLOSED -> outbound.failed(e, ce.getMessage(), null);
            case REJECTED -> {
                ErrorCode code = ce.code();
                if (code == ErrorCode.TOKEN_EXPIRED || code == ErrorCode.UNAUTHORIZED) {
                    outbound.retryLater(e);
                    tokenExpired = tokenExpired || code == ErrorCode.TOKEN_EXPIRED;
                    refreshToken(true); // the queue is flushed after auth_success
                } else if (code == ErrorCode.RATE_LIMITED) {
                    outbound.retryLater(e);
                    Object retry = ce.details().get("retryAfterMs");
                    long delay = retry instanceof Number n ? Math.max(1, n.longValue()) : 1000;
                    scheduler.schedule(this::flushOutbound, delay);
                } else {
                    outbound.failed(e, ce.getMessage(), code);
                }
            }
            default -> outbound.failed(e, ce.getMessage(), ce.code());
        }
        publishOutgoing(e);
    }

    // ---- typed extension facets (ChatCalls, ChatFiles, ChatKeys) and per-recipient bodies (6.10) ----

    /** Like {@link #sendMessage}, with one ciphertext per recipient instead of a shared body. */
    CompletableFuture<SendResult> sendEncryptedMessage(String conversationId, Map<String, String> encryptedContents,
                                                       String messageType, String replyToId) {
        if (phase == Phase.CLOSED) {
            return CompletableFuture.completedFuture(SendResult.failed("the client is closed", null, null));
        }
        OutboundQueue.Entry e = outbound.add(conversationId, encryptedContents, messageType, replyToId);
        typing.stopped(conversationId);
        if (canSend()) {
            transmit(e);
        }
        publishOutgoing(e);
        return e.result;
    }

    /**
     * Completes once the client is authenticated: now, or after the reconnect under way. Fails if
     * the client is not trying to be connected (disconnected, given up, closed).
     */
    CompletableFuture<Void> whenAuthenticated() {
        if (phase == Phase.AUTHENTICATED && link != null) {
            return CompletableFuture.completedFuture(null);
        }
        if (!wanted || phase == Phase.CLOSED) {
            return failed(ChatException.local(Kind.NOT_CONNECTED, "not connected"));
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        connectWaiters.add(f);
        return f;
    }

    // ---- typing ----

    void setTyping(String conversationId) {
        typing.touch(conversationId);
    }

    CompletableFuture<Void> startTyping(String conversationId) {
        typing.started(conversationId);
        return request(MessageType.TYPING_START, new ConversationRequest(conversationId), true).thenApply(env -> null);
    }

    CompletableFuture<Void> stopTyping(String conversationId) {
        typing.stopped(conversationId);
        return request(MessageType.TYPING_STOP, new ConversationRequest(conversationId), true).thenApply(env -> null);
    }

    @Override
    public void sendStart(String conversationId) {
        fireAndForget(MessageType.TYPING_START, conversationId);
    }

    @Override
    public void sendStop(String conversationId) {
        fireAndForget(MessageType.TYPING_STOP, conversationId);
    }

    private void fireAndForget(MessageType type, String conversationId) {
        if (canSend()) {
            request(type, new ConversationRequest(conversationId), true).whenComplete((env, e) -> {
                if (e != null) {
                    debug(type.wireName() + " failed: " + unwrap(e).getMessage());
                }
            });
        }
    }

    // ---- inbound frames ----

    private void onText(WebSocketLink l, String text) {
        if (l != link) {
            return;
        }
        lastFrameAt = Instant.now();
        Envelope env;
        try {
            env = codec.decodeFrame(text);
        } catch (ProtocolException e) {
            debug("unreadable frame dropped: " + e.getMessage());
            return;
        }
        debug("<- " + env.type() + " " + env.requestId());
        if (pending.complete(env)) {
            return;
        }
        try {
            onEvent(env);
        } catch (ProtocolException e) {
            debug("event " + env.type() + " dropped: " + e.getMessage());
        }
    }

    private void onEvent(Envelope env) {
        if (env.messageType() == null) {
            view.event(env.type(), env.payload());
            return;
        }
        switch (env.messageType()) {
            case AUTH_SUCCESS -> onAuthenticated(codec.readServerPayload(env.payload(), AuthSuccess.class));
            case AUTH_ERROR -> {
                ErrorPayload p = codec.readServerPayload(env.payload(), ErrorPayload.class);
                if ("TOKEN_EXPIRED".equals(p.code()) && phase == Phase.AUTHENTICATED) {
                    tokenExpired = true;
                    error = "token expired";
                    publishConnection();
                    refreshToken(true);
                }
            }
            case CONVERSATION_CREATED -> {
                ConversationCreated c = codec.readServerPayload(env.payload(), ConversationCreated.class);
                Conversation conv = c.conversation() != null && c.conversation().id() != null
                        ? c.conversation() : c.summary();
                if (conv != null && conv.id() != null) {
                    rooms.upsert(conv);
                }
            }
            case MESSAGE_RECEIVED -> {
                Message m = codec.readServerPayload(env.payload(), MessageReceived.class).message();
                if (m != null && m.conversationId() != null) {
                    onMessages(m.conversationId(), List.of(m), Origin.EVENT);
                }
            }
            case TYPING_UPDATE -> {
                TypingUpdate u = codec.readServerPayload(env.payload(), TypingUpdate.class);
                if (u.conversationId() != null && u.userId() != null) {
                    rooms.typing(u.conversationId(), u.userId(), u.isTyping());
                }
            }
            case USER_ONLINE -> {
                UserPresence p = codec.readServerPayload(env.payload(), UserPresence.class);
                if (p.userId() != null && p.conversationId() != null) {
                    rooms.online(p.conversationId(), p.userId());
                }
            }
            case USER_OFFLINE -> {
                UserPresence p = codec.readServerPayload(env.payload(), UserPresence.class);
                if (p.userId() != null) {
                    rooms.offline(p.userId());
                }
            }
            case ERROR -> debug("server notice: " + codec.readServerPayload(env.payload(), ErrorPayload.class).code());
            case PONG -> {
                // an answer whose request already timed out
            }
            default -> {
                if (!features.onEvent(env)) {
                    view.event(env.type(), env.payload());
                }
            }
        }
    }

    /** Where merged messages come from: listeners hear of new ones from events and recovery. */
    private enum Origin { EVENT, RECOVERY, PAGE, OWN }

    private void onMessages(String conversationId, Collection<Message> incoming, Origin origin) {
        MessageStore.Merge merge = messages.merge(conversationId, incoming, origin != Origin.OWN);
        features.arrived(conversationId, incoming);
        if (!merge.changed()) {
            return;
        }
        view.publishMessages(conversationId, messages.snapshot(conversationId));
        if (origin == Origin.EVENT || origin == Origin.RECOVERY) {
            merge.added().forEach(view::messageReceived);
        }
        rooms.messagesArrived(conversationId, merge.added());
    }

    // ---- heartbeat ----

    private void scheduleHeartbeat() {
        cancel(heartbeatTimer);
        WebSocketLink l = link;
        heartbeatTimer = scheduler.schedule(() -> heartbeatTick(l), heartbeat.nextCheckDelay(scheduler.nowMillis()));
    }

    private void heartbeatTick(WebSocketLink l) {
        if (l != link) {
            return;
        }
        switch (heartbeat.check(scheduler.nowMillis())) {
            case DEAD -> {
                log.warn("nothing received for " + config.deadAfterMillis() + " ms: reconnecting", null);
                connectionFailed("heartbeat_timeout");
                return;
            }
            case PING -> request(MessageType.PING, Empty.INSTANCE, false).whenComplete((env, e) -> { });
            default -> { }
        }
        scheduleHeartbeat();
    }

    // ---- socket callbacks: moved onto the client thread ----

    @Override
    public void opened(WebSocketLink l) {
        scheduler.execute(() -> onOpen(l));
    }

    @Override
    public void text(WebSocketLink l, String text) {
        scheduler.execute(() -> onText(l, text));
    }

    @Override
    public void closed(WebSocketLink l, int code, String reason, boolean remote) {
        scheduler.execute(() -> onClose(l, code, reason));
    }

    @Override
    public void failed(WebSocketLink l, Exception e) {
        scheduler.execute(() -> {
            if (l == link) {
                debug("socket error: " + e.getClass().getSimpleName());
            }
        });
    }

    @Override
    public void alive() {
        heartbeat.received(scheduler.nowMillis());
    }

    // ---- state publication ----

    private void publishConnection() {
        view.publishConnection(new ConnectionState(phase, user, extensions, expiresAt, error, backoff.attempts()));
    }

    private void publishOutgoing(OutboundQueue.Entry e) {
        view.publishOutgoing(outbound.snapshot(), e.snapshot());
    }

    // ---- helpers ----

    private static String describe(MessagesLoaded page) {
        List<Message> list = nonNull(page.messages());
        return list.isEmpty() ? "no messages" : "seq " + list.get(0).seq() + ".." + list.get(list.size() - 1).seq()
                + " (" + list.size() + (page.hasMore() ? ", more" : "") + ")";
    }

    private static <T> List<T> nonNull(List<T> list) {
        return list == null ? List.of() : list;
    }

    static ChatException unwrap(Throwable t) {
        Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (c instanceof ChatException ce) {
            return ce;
        }
        if (c instanceof ProtocolException pe) {
            return ChatException.rejected(ErrorCode.INVALID_MESSAGE.name(), "unreadable answer: " + pe.getMessage(),
                    null);
        }
        return ChatException.local(Kind.NOT_CONNECTED, String.valueOf(c));
    }

    private static <T> CompletableFuture<T> failed(Throwable t) {
        CompletableFuture<T> f = new CompletableFuture<>();
        f.completeExceptionally(t);
        return f;
    }

    private static void cancel(Scheduler.Cancellable c) {
        if (c != null) {
            c.cancel();
        }
    }

    private void debug(String message) {
        if (config.debug()) {
            log.debug(message);
        }
    }
}
