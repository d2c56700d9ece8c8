package dev.parley.client;

import com.google.gson.JsonObject;
import dev.parley.protocol.Extension;
import dev.parley.protocol.MessageType;
import dev.parley.protocol.model.Conversation;
import dev.parley.protocol.model.ConversationType;
import dev.parley.protocol.model.Message;
import dev.parley.protocol.payload.AuthPayloads.AuthSuccess;
import dev.parley.protocol.payload.ConversationPayloads.ConversationJoined;
import dev.parley.protocol.payload.EditPayloads.MessageDeleted;
import dev.parley.protocol.payload.MessagePayloads.MessagesLoaded;
import dev.parley.protocol.payload.PresencePayloads.PresenceInfo;
import dev.parley.protocol.payload.PresencePayloads.PresenceSet;
import dev.parley.protocol.payload.ReactionPayloads.ReactionResult;
import dev.parley.protocol.payload.ReceiptPayloads.MarkedRead;
import dev.parley.protocol.payload.SearchPayloads.SearchResults;
import dev.parley.protocol.payload.ThreadPayloads.ThreadLoaded;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * A Parley chat connection for Android and desktop apps (protocol v1).
 *
 * <pre>{@code
 * ChatClient client = ChatClient.builder()
 *         .serverUrl("wss://chat.example.org/ws")
 *         .tokenProvider(() -> auth.freshToken())      // CompletionStage<String>
 *         .listenerExecutor(mainThreadExecutor)         // Android: ContextCompat.getMainExecutor(ctx)
 *         .listener(myListener)
 *         .build();
 * client.connect();
 * client.sendMessage(conversationId, "hi").thenAccept(r -> { if (!r.success()) show(r.error()); });
 * }</pre>
 *
 * <p>Requests return futures completed by the answer with the same request id, or failed with a
 * {@link ChatException}; they complete on the listener executor. The client reconnects on its own
 * (see {@link ReconnectPolicy}), authenticates again, re-joins the joined conversations, recovers
 * missed messages and re-sends unacknowledged messages under their original client message id, so
 * nothing is lost or duplicated. State is observable through {@link ChatListener} and the snapshot
 * getters. All methods are thread-safe and non-blocking; state is owned by one client thread, and no
 * callback runs on the socket's thread. {@link #close()} releases the threads.
 */
public final class ChatClient implements AutoCloseable {
    private final Scheduler scheduler;
    private final ClientStateView view;
    private final ClientCore core;
    private final ExecutorService ownListenerExecutor;
    private final ChatCalls calls;
    private final ChatFiles files;
    private final ChatKeys keys;
    private volatile boolean closed;

    private ChatClient(Builder b) {
        ClientConfig config = new ClientConfig(b.serverUri, b.tokenProvider, b.requestTimeout.toMillis(),
                b.connectTimeout.toMillis(), b.reconnect,
                b.debug, b.logger, List.copyOf(b.extensions), b.pingAfterIdle.toMillis(), b.deadAfter.toMillis(),
                b.tokenRefreshLead.toMillis(), b.typingAutoStop.toMillis());
        if (b.listenerExecutor == null) {
            ownListenerExecutor = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "parley-client-events");
                t.setDaemon(true);
                return t;
            });
        } else {
            ownListenerExecutor = null;
        }
        Executor listenerExecutor = b.listenerExecutor != null ? b.listenerExecutor : ownListenerExecutor;
        this.scheduler = b.scheduler != null ? b.scheduler : new ExecutorScheduler("parley-client");
        this.view = new ClientStateView(listenerExecutor, b.logger,
                new ConnectionState(ConnectionState.Phase.DISCONNECTED, null, Set.of(), null, null, 0));
        b.listeners.forEach(view::addListener);
        this.core = new ClientCore(config, scheduler, view,
                new Backoff(b.reconnect, () -> ThreadLocalRandom.current().nextDouble()));
        FacetContext facets = new FacetContext(scheduler, core, view, this::call);
        this.calls = new ChatCalls(facets);
        this.files = new ChatFiles(facets);
        this.keys = new ChatKeys(facets);
    }

    public static Builder builder() {
        return new Builder();
    }

    // ---- connection ----

    /**
     * Opens the connection and keeps it open (reconnecting after drops) until {@link #disconnect()}.
     * With a token provider it also authenticates. The future completes once authenticated (or, with
     * no token at all, once the socket is open), and fails only when the client gives up: an
     * authentication refused, a close that forbids reconnecting, or {@code disconnect()}.
     */
    public CompletableFuture<Void> connect() {
        return call(core::connect);
    }

    /**
     * Authenticates with this token (connecting first if needed) and uses it for later reconnects
     * when there is no token provider. On an authenticated connection this refreshes the token.
     */
    public CompletableFuture<AuthSuccess> authenticate(String token) {
        Objects.requireNonNull(token, "token");
        return call(() -> core.authenticate(token));
    }

    /** Closes the connection and stops reconnecting. Queued sends stay queued for the next {@link #connect()}. */
    public void disconnect() {
        if (!closed) {
            scheduler.execute(core::disconnect);
        }
    }

    /** Disconnects, fails queued sends and releases the client's threads. The client cannot be reused. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        CompletableFuture<Void> done = new CompletableFuture<>();
        scheduler.execute(() -> {
            core.close();
            done.complete(null);
        });
        try {
            done.get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // the client thread is stuck or gone: release it anyway
        }
        scheduler.shutdown();
        if (ownListenerExecutor != null) {
            ownListenerExecutor.shutdown(); // already queued callbacks still run
        }
    }

    // ---- requests ----

    /** Loads every conversation of the user, newest activity first; the list is also kept in {@link #conversations()}. */
    public CompletableFuture<List<Conversation>> loadConversations() {
        return call(core::loadConversations);
    }

    /** Creates (or returns the existing) direct conversation with one other user, and joins it. */
    public CompletableFuture<Conversation> createDirectConversation(String otherUserId) {
        return createConversation(ConversationType.DIRECT, List.of(otherUserId), null);
    }

    /** Creates a group with these other users, and joins it. */
    public CompletableFuture<Conversation> createGroupConversation(String name, Collection<String> otherUserIds) {
        return createConversation(ConversationType.GROUP, List.copyOf(otherUserIds), name);
    }

    /**
     * Creates a conversation; {@code type} {@code null} lets the server decide (direct for exactly one
     * other user and no name). The creating connection is joined to it.
     */
    public CompletableFuture<Conversation> createConversation(ConversationType type, List<String> otherUserIds,
                                                              String name) {
        List<String> ids = List.copyOf(otherUserIds);
        return call(() -> core.createConversation(type, ids, name));
    }

    /**
     * Subscribes to a conversation's events (messages, typing, presence). Joined conversations are
     * re-joined after every reconnect until {@link #leaveConversation}.
     */
    public CompletableFuture<ConversationJoined> joinConversation(String conversationId) {
        return call(() -> core.joinConversation(conversationId));
    }

    public CompletableFuture<Void> leaveConversation(String conversationId) {
        return call(() -> core.leaveConversation(conversationId));
    }

    /** Loads the newest page of messages and merges it into {@link #messages(String)}. */
    public CompletableFuture<MessagesLoaded> loadMessages(String conversationId) {
        return call(() -> core.loadMessages(conversationId));
    }

    /** Loads the page before the oldest held message (the newest page if none is held) and merges it. */
    public CompletableFuture<MessagesLoaded> loadMoreMessages(String conversationId) {
        return call(() -> core.loadMoreMessages(conversationId));
    }

    /** Sends a text message. */
    public CompletableFuture<SendResult> sendMessage(String conversationId, String content) {
        return sendMessage(conversationId, content, "text", null);
    }

    /**
     * Queues a message and sends it as soon as the client is authenticated. It is retried after
     * reconnects with the same client message id until the server stores it or refuses it; the
     * future then completes (never exceptionally) with the outcome. Its progress is visible in
     * {@link #outgoingMessages()}.
     *
     * @param messageType {@code text}, {@code image} or {@code file}; {@code null} for text
     * @param replyToId   the quoted message, or {@code null}
     */
    public CompletableFuture<SendResult> sendMessage(String conversationId, String content, String messageType,
                                                     String replyToId) {
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(content, "content");
        if (closed) {
            return CompletableFuture.completedFuture(SendResult.failed("the client is closed", null, null));
        }
        return call(() -> core.sendMessage(conversationId, content, messageType == null ? "text" : messageType,
                replyToId));
    }

    /** Call on every keystroke: sends {@code typing_start} (at most every 2 s) and {@code typing_stop} 3 s after the last call. */
    public void setTyping(String conversationId) {
        if (!closed) {
            scheduler.execute(() -> core.setTyping(conversationId));
        }
    }

    /** Typing until {@link #stopTyping} (the server expires it after its typing TTL). */
    public CompletableFuture<Void> startTyping(String conversationId) {
        return call(() -> core.startTyping(conversationId));
    }

    public CompletableFuture<Void> stopTyping(String conversationId) {
        return call(() -> core.stopTyping(conversationId));
    }

    // ---- message extensions (protocol 6.1-6.6) ----
    // The calls work wherever the server enables the extension (else NOT_SUPPORTED); the events that
    // keep the state below current for changes made elsewhere come only for extensions asked for in
    // Builder#extensions. Changes made through these calls are applied from their answers.

    /** Adds this user's reaction (6.1); the held message then carries the new {@code reactions}. Adding it twice is harmless. */
    public CompletableFuture<ReactionResult> addReaction(String conversationId, String messageId, String emoji) {
        return call(() -> core.features().react(conversationId, messageId, emoji, true));
    }

    /** Removes this user's reaction; removing an absent one is harmless. */
    public CompletableFuture<ReactionResult> removeReaction(String conversationId, String messageId, String emoji) {
        return call(() -> core.features().react(conversationId, messageId, emoji, false));
    }

    /**
     * Sends a text reply in the thread of {@code threadRootId} (6.2), queued and retried like
     * {@link #sendMessage}. Completes once stored and the root's reply count has been read back.
     */
    public CompletableFuture<SendResult> replyInThread(String conversationId, String threadRootId, String content) {
        Objects.requireNonNull(content, "content");
        if (closed) {
            return CompletableFuture.completedFuture(SendResult.failed("the client is closed", null, null));
        }
        return call(() -> core.features().replyInThread(conversationId, threadRootId, content));
    }

    /** Loads the newest replies of a thread and holds them in {@link #thread}, starting afresh. */
    public CompletableFuture<ThreadLoaded> loadThread(String conversationId, String threadRootId) {
        return call(() -> core.features().loadThread(conversationId, threadRootId, false));
    }

    /** Loads the replies before the oldest held one (the newest page if none is held) and adds them. */
    public CompletableFuture<ThreadLoaded> loadMoreThread(String conversationId, String threadRootId) {
        return call(() -> core.features().loadThread(conversationId, threadRootId, true));
    }

    /** Replaces the body of one of this user's messages (6.3); the held message is replaced by the answer. */
    public CompletableFuture<Message> editMessage(String conversationId, String messageId, String content) {
        return call(() -> core.features().edit(conversationId, messageId, content));
    }

    /**
     * Deletes a message of this user (or, as a group admin, anyone's); the held message becomes a
     * tombstone. Deleting again succeeds with the same {@code deletedAt}.
     */
    public CompletableFuture<MessageDeleted> deleteMessage(String conversationId, String messageId) {
        return call(() -> core.features().delete(conversationId, messageId));
    }

    /** Moves this user's read position up to this message (6.4; never backwards) and updates {@link #unreadCount}. */
    public CompletableFuture<MarkedRead> markRead(String conversationId, String messageId) {
        return call(() -> core.features().markRead(conversationId, messageId));
    }

    /** Sets this user's status (6.5) for all their devices, keeping the custom status. */
    public CompletableFuture<PresenceSet> setPresence(PresenceStatus status) {
        Objects.requireNonNull(status, "status");
        return call(() -> core.features().setPresence(status, null, true));
    }

    /** Sets this user's status and custom status (at most 100 characters; {@code null} clears it). */
    public CompletableFuture<PresenceSet> setPresence(PresenceStatus status, String customStatus) {
        Objects.requireNonNull(status, "status");
        return call(() -> core.features().setPresence(status, customStatus, false));
    }

    /** Loads the presence of these users (at most 200); users sharing no conversation are left out. */
    public CompletableFuture<List<PresenceInfo>> loadPresence(Collection<String> userIds) {
        List<String> ids = List.copyOf(userIds);
        return call(() -> core.features().loadPresence(ids));
    }

    /**
     * Searches the bodies of messages (6.6), newest first, 20 a page: in one conversation, or in
     * every conversation of the user when {@code conversationId} is {@code null}.
     */
    public CompletableFuture<SearchResults> searchMessages(String conversationId, String query) {
        Objects.requireNonNull(query, "query");
        return call(() -> core.features().search(conversationId, query, null));
    }

    /** The page of results after {@code previous}; an empty page when it {@code hasMore} not. */
    public CompletableFuture<SearchResults> searchMoreMessages(SearchResults previous) {
        List<Message> shown = previous.messages() == null ? List.of() : previous.messages();
        if (!previous.hasMore() || shown.isEmpty()) {
            return call(() -> CompletableFuture.completedFuture(
                    new SearchResults(previous.conversationId(), previous.query(), List.of(), false)));
        }
        String oldest = shown.get(shown.size() - 1).id();
        return call(() -> core.features().search(previous.conversationId(), previous.query(), oldest));
    }

    /** An application-level {@code ping}; completes with the round-trip time. */
    public CompletableFuture<Duration> ping() {
        return call(core::ping);
    }

    /**
     * Sends any client request of the protocol and completes with the answer's payload, for requests
     * without a typed call. {@code payload} is the type's request record or a {@link JsonObject}.
     * Answers to edits, deletions and reactions update the held messages as the typed calls do.
     * Authentication goes through {@link #authenticate} instead.
     */
    public CompletableFuture<JsonObject> request(MessageType type, Object payload) {
        if (!type.isClientSendable() || type == MessageType.AUTH) {
            throw new IllegalArgumentException(type.wireName() + " cannot be sent this way");
        }
        return call(() -> core.rawRequest(type, payload));
    }

    // ---- typed extensions: calls, files, keys (6.8, 6.9, 6.11) and per-recipient bodies (6.10) ----

    /** Call signalling; incoming calls need {@code calls} in {@link Builder#extensions}. */
    public ChatCalls calls() {
        return calls;
    }

    /** Chunked, resumable file upload and download. */
    public ChatFiles files() {
        return files;
    }

    /** The public-key directory, for end-to-end encryption. */
    public ChatKeys keys() {
        return keys;
    }

    /**
     * Sends one ciphertext per recipient (user id to ciphertext, this user's own copy included if it
     * should read the message back); the server stores each copy for its recipient only and never
     * reads them. Queued, retried and completed like {@link #sendMessage}.
     */
    public CompletableFuture<SendResult> sendEncryptedMessage(String conversationId,
                                                              Map<String, String> encryptedContents) {
        Objects.requireNonNull(conversationId, "conversationId");
        if (encryptedContents == null || encryptedContents.isEmpty()) {
            throw new IllegalArgumentException("at least one recipient's copy is needed");
        }
        Map<String, String> copy = Map.copyOf(encryptedContents);
        if (closed) {
            return CompletableFuture.completedFuture(SendResult.failed("the client is closed", null, null));
        }
        return call(() -> core.sendEncryptedMessage(conversationId, copy, "text", null));
    }

    // ---- observable state: immutable snapshots, readable from any thread ----

    public ConnectionState connectionState() {
        return view.connection();
    }

    /** The conversations loaded or created so far, newest activity first. */
    public List<Conversation> conversations() {
        return view.conversations();
    }

    /** The messages held for a conversation: each id once, ordered by {@code seq}. */
    public List<Message> messages(String conversationId) {
        return view.messages(conversationId);
    }

    /** Ids of the other users typing in a conversation. */
    public Set<String> typingUsers(String conversationId) {
        return view.typing(conversationId);
    }

    /** Ids of the other users online in the joined conversations. */
    public Set<String> onlineUsers() {
        return view.online();
    }

    /** Sends not yet acknowledged by the server, oldest first. */
    public List<OutgoingMessage> outgoingMessages() {
        return view.outgoing();
    }

    /** A thread loaded with {@link #loadThread}, kept current; {@code null} if not loaded. */
    public MessageThread thread(String conversationId, String threadRootId) {
        return view.thread(conversationId, threadRootId);
    }

    /** This user's unread messages in a conversation as last reported, 0 if unknown. */
    public int unreadCount(String conversationId) {
        Integer n = view.unreadCount(conversationId);
        return n == null ? 0 : n;
    }

    /** The other participants' read positions ({@code seq}) in a conversation, as far as reported. */
    public Map<String, Long> readPositions(String conversationId) {
        return view.readPositions(conversationId);
    }

    /** A user's status, custom status and last-seen time as last reported, or {@code null}. */
    public PresenceInfo presence(String userId) {
        return view.presence(userId);
    }

    public void addListener(ChatListener listener) {
        view.addListener(Objects.requireNonNull(listener));
    }

    public void removeListener(ChatListener listener) {
        view.removeListener(listener);
    }

    private <T> CompletableFuture<T> call(Supplier<CompletableFuture<T>> action) {
        CompletableFuture<T> out = new CompletableFuture<>();
        if (closed) {
            out.completeExceptionally(ChatException.local(ChatException.Kind.CLOSED, "the client is closed"));
            return out;
        }
        scheduler.execute(() -> {
            CompletableFuture<T> in;
            try {
                in = action.get();
            } catch (RuntimeException e) {
                view.deliver(out, null, e);
                return;
            }
            // delivered after the current client-thread task, so every state change it made is published first
            in.whenComplete((v, e) -> scheduler.execute(() -> view.deliver(out, v, e)));
        });
        return out;
    }

    /** Configures a {@link ChatClient}; only the server URL is required. */
    public static final class Builder {
        private URI serverUri;
        private TokenProvider tokenProvider;
        private Duration requestTimeout = Duration.ofSeconds(30);
        private Duration connectTimeout = Duration.ofSeconds(15);
        private ReconnectPolicy reconnect = ReconnectPolicy.DEFAULTS;
        private Executor listenerExecutor;
        private boolean debug;
        private ChatLogger logger = ChatLogger.javaUtilLogging();
        private final Set<String> extensions = new LinkedHashSet<>(List.of(Extension.RESUME.wireName()));
        private Duration pingAfterIdle = Duration.ofSeconds(25);
        private Duration deadAfter = Duration.ofSeconds(70);
        private Duration tokenRefreshLead = Duration.ofSeconds(60);
        private Duration typingAutoStop = Duration.ofSeconds(3);
        private final List<ChatListener> listeners = new ArrayList<>();
        private Scheduler scheduler;

        private Builder() {
        }

        /** {@code ws://} or {@code wss://} URL of the server, e.g. {@code wss://chat.example.org/ws}. */
        public Builder serverUrl(String url) {
            return serverUri(URI.create(url));
        }

        public Builder serverUri(URI uri) {
            String scheme = uri.getScheme();
            if (!"ws".equals(scheme) && !"wss".equals(scheme)) {
                throw new IllegalArgumentException("the server URL must be ws:// or wss://");
            }
            this.serverUri = uri;
            return this;
        }

        /** Where tokens come from; called on every (re)connect and for refreshes. */
        public Builder tokenProvider(TokenProvider provider) {
            this.tokenProvider = provider;
            return this;
        }

        /** How long a request may wait for its answer (30 s). */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = positive(timeout, "requestTimeout");
            return this;
        }

        /** How long opening a connection (TCP and WebSocket handshake) may take before it is retried (15 s). */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connectTimeout");
            return this;
        }

        public Builder reconnectPolicy(ReconnectPolicy policy) {
            this.reconnect = Objects.requireNonNull(policy);
            return this;
        }

        /** Runs listener callbacks and completes request futures (default: one thread of the client's own). */
        public Builder listenerExecutor(Executor executor) {
            this.listenerExecutor = Objects.requireNonNull(executor);
            return this;
        }

        /** Logs frame types, request ids and state changes (never tokens or message bodies). */
        public Builder debug(boolean enabled) {
            this.debug = enabled;
            return this;
        }

        public Builder logger(ChatLogger logger) {
            this.logger = Objects.requireNonNull(logger);
            return this;
        }

        /** Extensions to ask for in {@code auth}; {@code resume} is always asked for, to recover after reconnects. */
        public Builder extensions(Collection<Extension> wanted) {
            wanted.forEach(e -> extensions.add(e.wireName()));
            return this;
        }

        /** Sends {@code ping} after {@code pingAfterIdle} without sending (25 s); reconnects after {@code deadAfter} without receiving (70 s). */
        public Builder heartbeat(Duration pingAfterIdle, Duration deadAfter) {
            this.pingAfterIdle = positive(pingAfterIdle, "pingAfterIdle");
            this.deadAfter = positive(deadAfter, "deadAfter");
            return this;
        }

        /** How long before the token's expiry to fetch a new one (60 s). */
        public Builder tokenRefreshLead(Duration lead) {
            this.tokenRefreshLead = Objects.requireNonNull(lead);
            return this;
        }

        public Builder listener(ChatListener listener) {
            listeners.add(Objects.requireNonNull(listener));
            return this;
        }

        /** Replaces the client thread and clock (tests). */
        Builder scheduler(Scheduler scheduler) {
            this.scheduler = scheduler;
            return this;
        }

        /** Asks for no extension at all, not even {@code resume}, as a legacy client does (tests). */
        Builder noExtensions() {
            extensions.clear();
            return this;
        }

        Builder typingAutoStop(Duration autoStop) {
            this.typingAutoStop = positive(autoStop, "typingAutoStop");
            return this;
        }

        public ChatClient build() {
            if (serverUri == null) {
                throw new IllegalStateException("serverUrl is required");
            }
            return new ChatClient(this);
        }

        private static Duration positive(Duration d, String name) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive");
            }
            return d;
        }
    }
}
