package dev.parley.core;

import dev.parley.protocol.Extension;
import dev.parley.protocol.ProtocolLimits;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * Every tunable of the engine, with the protocol's defaults (section 2.10). Immutable; build a
 * variant with {@link #builder()} or {@link #toBuilder()}.
 */
public final class EngineConfig {
    public static final EngineConfig DEFAULTS = builder().build();

    private final ProtocolLimits limits;
    private final Duration authTimeout;
    private final Duration tokenGrace;
    private final Duration pingInterval;
    private final Duration idleTimeout;
    private final Duration typingTtl;
    private final int maxRoomsPerConnection;
    private final int maxConnectionsPerUser;
    private final long maxOutboundBytes;
    private final int maxPendingFrames;
    private final int maxFailedAuths;
    private final RateLimit frameRate;
    private final RateLimit messageRate;
    private final RateLimit createConversationRate;
    private final RateLimit searchRate;
    private final int rateLimitStrikes;
    private final int invalidFrameStrikes;
    private final Duration strikeWindow;
    private final int conversationListCap;
    private final int resumeLimit;
    private final boolean requireCopyForEveryParticipant;
    private final int maxUploadsPerUser;
    private final Duration uploadIdleTimeout;
    private final long fileQuotaPerUser;
    private final RateLimit fileByteRate;
    private final Duration ringTimeout;
    private final Set<Extension> extensions;
    private final int workerThreads;
    private final Duration subscribeTimeout;
    private final Duration reorderWindow;
    private final String openRoomPrefix;

    private EngineConfig(Builder b) {
        this.limits = Objects.requireNonNull(b.limits);
        this.authTimeout = positive(b.authTimeout, "authTimeout");
        this.tokenGrace = nonNegative(b.tokenGrace, "tokenGrace");
        this.pingInterval = positive(b.pingInterval, "pingInterval");
        this.idleTimeout = positive(b.idleTimeout, "idleTimeout");
        this.typingTtl = positive(b.typingTtl, "typingTtl");
        this.maxRoomsPerConnection = atLeastOne(b.maxRoomsPerConnection, "maxRoomsPerConnection");
        this.maxConnectionsPerUser = atLeastOne(b.maxConnectionsPerUser, "maxConnectionsPerUser");
        if (b.maxOutboundBytes < 1) {
            throw new IllegalArgumentException("maxOutboundBytes must be positive");
        }
        this.maxOutboundBytes = b.maxOutboundBytes;
        this.maxPendingFrames = atLeastOne(b.maxPendingFrames, "maxPendingFrames");
        this.maxFailedAuths = atLeastOne(b.maxFailedAuths, "maxFailedAuths");
        this.frameRate = Objects.requireNonNull(b.frameRate);
        this.messageRate = Objects.requireNonNull(b.messageRate);
        this.createConversationRate = Objects.requireNonNull(b.createConversationRate);
        this.searchRate = Objects.requireNonNull(b.searchRate);
        this.rateLimitStrikes = atLeastOne(b.rateLimitStrikes, "rateLimitStrikes");
        this.invalidFrameStrikes = atLeastOne(b.invalidFrameStrikes, "invalidFrameStrikes");
        this.strikeWindow = positive(b.strikeWindow, "strikeWindow");
        this.conversationListCap = atLeastOne(b.conversationListCap, "conversationListCap");
        this.resumeLimit = atLeastOne(b.resumeLimit, "resumeLimit");
        this.requireCopyForEveryParticipant = b.requireCopyForEveryParticipant;
        this.maxUploadsPerUser = atLeastOne(b.maxUploadsPerUser, "maxUploadsPerUser");
        this.uploadIdleTimeout = positive(b.uploadIdleTimeout, "uploadIdleTimeout");
        if (b.fileQuotaPerUser < 1) {
            throw new IllegalArgumentException("fileQuotaPerUser must be positive");
        }
        this.fileQuotaPerUser = b.fileQuotaPerUser;
        this.fileByteRate = Objects.requireNonNull(b.fileByteRate);
        this.ringTimeout = positive(b.ringTimeout, "ringTimeout");
        this.extensions = Set.copyOf(b.extensions);
        this.workerThreads = atLeastOne(b.workerThreads, "workerThreads");
        this.subscribeTimeout = positive(b.subscribeTimeout, "subscribeTimeout");
        this.reorderWindow = positive(b.reorderWindow, "reorderWindow");
        this.openRoomPrefix = openRoomPrefix(b.openRoomPrefix);
    }

    private static Duration positive(Duration d, String name) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
        return d;
    }

    private static Duration nonNegative(Duration d, String name) {
        if (d == null || d.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative");
        }
        return d;
    }

    private static int atLeastOne(int v, String name) {
        if (v < 1) {
            throw new IllegalArgumentException(name + " must be at least 1");
        }
        return v;
    }

    /** Size limits of the protocol (frame, content, metadata, names, pages). */
    public ProtocolLimits limits() { return limits; }
    /** A connection not authenticated within this time is closed with 4001. */
    public Duration authTimeout() { return authTimeout; }
    /** After a token expires, the time to refresh it before close 4002. */
    public Duration tokenGrace() { return tokenGrace; }
    /** How often every connection is pinged. */
    public Duration pingInterval() { return pingInterval; }
    /** A connection silent for this long is closed with 4004. */
    public Duration idleTimeout() { return idleTimeout; }
    /** A typing state expires after this long without {@code typing_start}. */
    public Duration typingTtl() { return typingTtl; }
    /** Rooms one connection may join (then {@code CONFLICT} with reason {@code room_limit}). */
    public int maxRoomsPerConnection() { return maxRoomsPerConnection; }
    /** Connections one user may hold; the newest past it is closed with 4009. */
    public int maxConnectionsPerUser() { return maxConnectionsPerUser; }
    /** Outbound bytes queued for one connection before it is closed as a slow consumer (4010). */
    public long maxOutboundBytes() { return maxOutboundBytes; }
    /** Frames of one connection waiting to be handled before new ones are refused with {@code RATE_LIMITED}. */
    public int maxPendingFrames() { return maxPendingFrames; }
    /** Failed {@code auth} requests on one connection before close 1008. */
    public int maxFailedAuths() { return maxFailedAuths; }
    /** All frames but typing, ping and file chunks, per connection. */
    public RateLimit frameRate() { return frameRate; }
    /** {@code send_message}, edits, deletes and reactions, per user. */
    public RateLimit messageRate() { return messageRate; }
    /** {@code create_conversation}, per user. */
    public RateLimit createConversationRate() { return createConversationRate; }
    /** {@code search_messages}, per user. */
    public RateLimit searchRate() { return searchRate; }
    /** {@code RATE_LIMITED} answers within {@link #strikeWindow()} before close 4008. */
    public int rateLimitStrikes() { return rateLimitStrikes; }
    /** {@code INVALID_MESSAGE} or {@code UNKNOWN_MESSAGE_TYPE} answers within {@link #strikeWindow()} before close 1008. */
    public int invalidFrameStrikes() { return invalidFrameStrikes; }
    public Duration strikeWindow() { return strikeWindow; }
    /** At most this many conversations in {@code conversations_loaded}. */
    public int conversationListCap() { return conversationListCap; }
    /** Messages (and changed messages) {@code resume} returns per conversation before it asks for a reload. */
    public int resumeLimit() { return resumeLimit; }
    /** Refuse per-recipient bodies that leave out a participant ({@code INVALID_DATA} with {@code missingUserIds}). */
    public boolean requireCopyForEveryParticipant() { return requireCopyForEveryParticipant; }
    /** Uploads one user may have open at once ({@code RATE_LIMITED} beyond). */
    public int maxUploadsPerUser() { return maxUploadsPerUser; }
    /** An upload with no chunk for this long is discarded; it survives reconnects until then. */
    public Duration uploadIdleTimeout() { return uploadIdleTimeout; }
    /** Bytes of files one user may have stored ({@code PAYLOAD_TOO_LARGE} beyond). */
    public long fileQuotaPerUser() { return fileQuotaPerUser; }
    /** File bytes moved by {@code file_chunk} and {@code file_chunk_get} per connection (one permit per byte). */
    public RateLimit fileByteRate() { return fileByteRate; }
    /** How long a call rings unanswered before the server ends it with reason {@code timeout} (6.8). */
    public Duration ringTimeout() { return ringTimeout; }
    /** Extensions this server offers (section 6). */
    public Set<Extension> extensions() { return extensions; }
    /**
     * Threads of the worker pool that runs requests (storage calls block there, never on transport
     * threads). It bounds how many appends are in flight at once, and so how many one group commit
     * of the store can take: the default of 64 lets 50 busy senders commit together.
     */
    public int workerThreads() { return workerThreads; }
    /**
     * How long a join waits for the broker to receive the room's events before failing with
     * {@code SERVER_ERROR}, and the first {@code auth} of a user on this node for the user's events
     * before it is answered anyway (the broker keeps trying; see {@code authWithoutSubscription}).
     */
    public Duration subscribeTimeout() { return subscribeTimeout; }
    /**
     * With several nodes: how long a conversation's {@code message_received} that arrived before a
     * lower seq (appended on another node) waits for it, so that connections get a room's messages
     * in seq order. After it, the held messages go out and the missing seq is given up (counted as
     * {@code reorderSkippedSeqs}). Longer tolerates a slower broker; shorter bounds the delay a seq
     * lost on the way costs.
     */
    public Duration reorderWindow() { return reorderWindow; }
    /**
     * Open rooms (like public channels), off when null: {@code join_conversation} for an id with this
     * prefix creates the group conversation of that id if it does not exist, and adds the joiner as a
     * participant (up to the group size limit).
     */
    public String openRoomPrefix() { return openRoomPrefix; }

    /** Ids of open rooms must match this (the store keeps ids of at most 64 characters). */
    static final java.util.regex.Pattern OPEN_ROOM_ID = java.util.regex.Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    private static String openRoomPrefix(String prefix) {
        if (prefix == null) {
            return null;
        }
        // Conversation ids made by the stores are UUIDs: a prefix made of hex digits and '-' only could
        // match one, and would open a private conversation to everyone.
        if (prefix.isEmpty() || !OPEN_ROOM_ID.matcher(prefix).matches() || prefix.matches("[0-9A-Fa-f-]*")) {
            throw new IllegalArgumentException("openRoomPrefix must be 1-64 of [A-Za-z0-9._:-] and hold a character"
                    + " that is not a hex digit or '-' (so it can never match a UUID)");
        }
        return prefix;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.limits = limits;
        b.authTimeout = authTimeout;
        b.tokenGrace = tokenGrace;
        b.pingInterval = pingInterval;
        b.idleTimeout = idleTimeout;
        b.typingTtl = typingTtl;
        b.maxRoomsPerConnection = maxRoomsPerConnection;
        b.maxConnectionsPerUser = maxConnectionsPerUser;
        b.maxOutboundBytes = maxOutboundBytes;
        b.maxPendingFrames = maxPendingFrames;
        b.maxFailedAuths = maxFailedAuths;
        b.frameRate = frameRate;
        b.messageRate = messageRate;
        b.createConversationRate = createConversationRate;
        b.searchRate = searchRate;
        b.rateLimitStrikes = rateLimitStrikes;
        b.invalidFrameStrikes = invalidFrameStrikes;
        b.strikeWindow = strikeWindow;
        b.conversationListCap = conversationListCap;
        b.resumeLimit = resumeLimit;
        b.requireCopyForEveryParticipant = requireCopyForEveryParticipant;
        b.maxUploadsPerUser = maxUploadsPerUser;
        b.uploadIdleTimeout = uploadIdleTimeout;
        b.fileQuotaPerUser = fileQuotaPerUser;
        b.fileByteRate = fileByteRate;
        b.ringTimeout = ringTimeout;
        b.extensions = EnumSet.noneOf(Extension.class);
        b.extensions.addAll(extensions);
        b.workerThreads = workerThreads;
        b.subscribeTimeout = subscribeTimeout;
        b.reorderWindow = reorderWindow;
        b.openRoomPrefix = openRoomPrefix;
        return b;
    }

    /** A token bucket: {@code permits} per {@code period}, holding at most {@code burst}. */
    public record RateLimit(double permits, Duration period, int burst) {
        public RateLimit {
            if (permits <= 0 || burst < 1 || period == null || period.isZero() || period.isNegative()) {
                throw new IllegalArgumentException("a rate limit needs positive permits, period and burst");
            }
        }

        public static RateLimit perSecond(double permits, int burst) {
            return new RateLimit(permits, Duration.ofSeconds(1), burst);
        }

        public static RateLimit perMinute(double permits, int burst) {
            return new RateLimit(permits, Duration.ofMinutes(1), burst);
        }
    }

    public static final class Builder {
        private ProtocolLimits limits = ProtocolLimits.DEFAULTS;
        private Duration authTimeout = Duration.ofSeconds(30);
        private Duration tokenGrace = Duration.ofSeconds(30);
        private Duration pingInterval = Duration.ofSeconds(30);
        private Duration idleTimeout = Duration.ofSeconds(60);
        private Duration typingTtl = Duration.ofSeconds(10);
        private int maxRoomsPerConnection = 500;
        private int maxConnectionsPerUser = 10;
        private long maxOutboundBytes = 1L << 20;
        private int maxPendingFrames = 256;
        private int maxFailedAuths = 5;
        private RateLimit frameRate = RateLimit.perSecond(30, 60);
        private RateLimit messageRate = RateLimit.perSecond(10, 20);
        private RateLimit createConversationRate = RateLimit.perMinute(10, 10);
        private RateLimit searchRate = RateLimit.perSecond(2, 2);
        private int rateLimitStrikes = 50;
        private int invalidFrameStrikes = 20;
        private Duration strikeWindow = Duration.ofSeconds(60);
        private int conversationListCap = 1000;
        private int resumeLimit = 200;
        private boolean requireCopyForEveryParticipant;
        private int maxUploadsPerUser = 3;
        private Duration uploadIdleTimeout = Duration.ofSeconds(60);
        private long fileQuotaPerUser = 1L << 30;
        private RateLimit fileByteRate = RateLimit.perSecond(4 << 20, 8 << 20);
        private Duration ringTimeout = Duration.ofSeconds(45);
        private EnumSet<Extension> extensions = EnumSet.noneOf(Extension.class);
        // Mostly blocked on storage, not on the CPU, so not tied to the core count.
        private int workerThreads = Math.max(64, Runtime.getRuntime().availableProcessors() * 8);
        private Duration subscribeTimeout = Duration.ofSeconds(5);
        private Duration reorderWindow = Duration.ofMillis(250);
        private String openRoomPrefix;

        private Builder() {
        }

        public Builder limits(ProtocolLimits v) { limits = v; return this; }
        public Builder authTimeout(Duration v) { authTimeout = v; return this; }
        public Builder tokenGrace(Duration v) { tokenGrace = v; return this; }
        public Builder pingInterval(Duration v) { pingInterval = v; return this; }
        public Builder idleTimeout(Duration v) { idleTimeout = v; return this; }
        public Builder typingTtl(Duration v) { typingTtl = v; return this; }
        public Builder maxRoomsPerConnection(int v) { maxRoomsPerConnection = v; return this; }
        public Builder maxConnectionsPerUser(int v) { maxConnectionsPerUser = v; return this; }
        public Builder maxOutboundBytes(long v) { maxOutboundBytes = v; return this; }
        public Builder maxPendingFrames(int v) { maxPendingFrames = v; return this; }
        public Builder maxFailedAuths(int v) { maxFailedAuths = v; return this; }
        public Builder frameRate(RateLimit v) { frameRate = v; return this; }
        public Builder messageRate(RateLimit v) { messageRate = v; return this; }
        public Builder createConversationRate(RateLimit v) { createConversationRate = v; return this; }
        public Builder searchRate(RateLimit v) { searchRate = v; return this; }
        public Builder rateLimitStrikes(int v) { rateLimitStrikes = v; return this; }
        public Builder invalidFrameStrikes(int v) { invalidFrameStrikes = v; return this; }
        public Builder strikeWindow(Duration v) { strikeWindow = v; return this; }
        public Builder conversationListCap(int v) { conversationListCap = v; return this; }
        public Builder resumeLimit(int v) { resumeLimit = v; return this; }
        public Builder requireCopyForEveryParticipant(boolean v) { requireCopyForEveryParticipant = v; return this; }
        public Builder maxUploadsPerUser(int v) { maxUploadsPerUser = v; return this; }
        public Builder uploadIdleTimeout(Duration v) { uploadIdleTimeout = v; return this; }
        public Builder fileQuotaPerUser(long v) { fileQuotaPerUser = v; return this; }
        public Builder fileByteRate(RateLimit v) { fileByteRate = v; return this; }
        public Builder ringTimeout(Duration v) { ringTimeout = v; return this; }
        public Builder workerThreads(int v) { workerThreads = v; return this; }
        public Builder subscribeTimeout(Duration v) { subscribeTimeout = v; return this; }
        public Builder reorderWindow(Duration v) { reorderWindow = v; return this; }
        /** Turns on open rooms for ids with this prefix (null: off, the default). */
        public Builder openRoomPrefix(String v) { openRoomPrefix = v; return this; }

        /** Offers these extensions (replacing the set). */
        public Builder extensions(Set<Extension> v) {
            extensions = v.isEmpty() ? EnumSet.noneOf(Extension.class) : EnumSet.copyOf(v);
            return this;
        }

        public EngineConfig build() {
            return new EngineConfig(this);
        }
    }
}
