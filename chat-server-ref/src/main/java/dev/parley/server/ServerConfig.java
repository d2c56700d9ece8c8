package dev.parley.server;

import dev.parley.core.EngineConfig;
import dev.parley.core.spi.ChatStore;
import dev.parley.protocol.Extension;
import dev.parley.store.jdbi.JdbiChatStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Everything the reference server is configured with. {@link #fromEnvironment(Map)} reads the
 * environment variables documented in {@code docs/configuration.md}; the command line's flags
 * override single values through the {@link Builder}.
 */
public final class ServerConfig {
    public static final int DEFAULT_PORT = 8080;

    private final String host;
    private final int port;
    private final String jwtSecret;
    private final String jwksUrl;
    private final String jwtIssuer;
    private final String jwtAudience;
    private final String supabaseUrl;
    private final String databaseUrl;
    private final String databaseUser;
    private final String databasePassword;
    private final Duration databaseTimeout;
    private final String redisUrl;
    private final String redisKeyPrefix;
    private final Duration redisPresenceTtl;
    private final List<String> allowedOrigins;
    private final Path dataDir;
    private final JdbiChatStore.Sync embeddedSync;
    private final Path tlsKeystore;
    private final String tlsKeystorePassword;
    private final int maxConnectionsPerIp;
    private final Transport transport;
    private final Set<Extension> extensions;
    private final String pushWebhookUrl;
    private final String pushWebhookSecret;
    private final EngineConfig engineConfig;
    private final ChatStore store;
    private final Duration healthCheckInterval;
    private final Duration shutdownTimeout;

    private ServerConfig(Builder b) {
        if (b.port < 0 || b.port > 65535) {
            throw new IllegalArgumentException("port must be within 0..65535");
        }
        if (b.maxConnectionsPerIp < 1) {
            throw new IllegalArgumentException("MAX_CONNECTIONS_PER_IP must be at least 1");
        }
        this.host = blankToNull(b.host);
        this.port = b.port;
        this.jwtSecret = blankToNull(b.jwtSecret);
        this.jwksUrl = blankToNull(b.jwksUrl);
        this.jwtIssuer = blankToNull(b.jwtIssuer);
        this.jwtAudience = blankToNull(b.jwtAudience);
        this.supabaseUrl = stripTrailingSlash(blankToNull(b.supabaseUrl));
        this.databaseUrl = blankToNull(b.databaseUrl);
        this.databaseUser = blankToNull(b.databaseUser);
        this.databasePassword = b.databasePassword;
        if (b.databaseTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("DATABASE_TIMEOUT_SECONDS must be at least 1");
        }
        this.databaseTimeout = b.databaseTimeout;
        this.redisUrl = blankToNull(b.redisUrl);
        this.redisKeyPrefix = blankToNull(b.redisKeyPrefix);
        if (b.redisPresenceTtl != null && b.redisPresenceTtl.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("REDIS_PRESENCE_TTL_SECONDS must be at least 1");
        }
        this.redisPresenceTtl = b.redisPresenceTtl;
        this.allowedOrigins = b.allowedOrigins == null ? null : List.copyOf(b.allowedOrigins);
        this.dataDir = Objects.requireNonNull(b.dataDir, "dataDir");
        this.embeddedSync = Objects.requireNonNull(b.embeddedSync, "embeddedSync");
        this.tlsKeystore = b.tlsKeystore;
        this.tlsKeystorePassword = b.tlsKeystorePassword;
        this.maxConnectionsPerIp = b.maxConnectionsPerIp;
        this.transport = Objects.requireNonNull(b.transport, "transport");
        this.extensions = b.extensions == null ? null : Set.copyOf(b.extensions);
        this.pushWebhookUrl = blankToNull(b.pushWebhookUrl);
        this.pushWebhookSecret = blankToNull(b.pushWebhookSecret);
        if (pushWebhookUrl != null && pushWebhookSecret == null) {
            throw new IllegalArgumentException("PUSH_WEBHOOK_URL needs PUSH_WEBHOOK_SECRET to sign its requests");
        }
        this.engineConfig = Objects.requireNonNull(b.engineConfig, "engineConfig");
        this.store = b.store;
        this.healthCheckInterval = Objects.requireNonNull(b.healthCheckInterval);
        this.shutdownTimeout = Objects.requireNonNull(b.shutdownTimeout);
    }

    /** Reads the documented environment variables; unset ones keep their defaults. */
    public static Builder fromEnvironment(Map<String, String> env) {
        Builder b = builder();
        b.host(env.get("WEBSOCKET_HOST"));
        String port = blankToNull(env.get("WEBSOCKET_PORT"));
        if (port != null) {
            b.port(parseInt("WEBSOCKET_PORT", port));
        }
        String secret = blankToNull(env.get("JWT_SECRET"));
        b.jwtSecret(secret != null ? secret : env.get("SUPABASE_JWT_SECRET"));
        b.jwksUrl(env.get("JWT_JWKS_URL"));
        b.jwtIssuer(env.get("JWT_ISSUER"));
        b.jwtAudience(env.get("JWT_AUDIENCE"));
        b.supabaseUrl(env.get("SUPABASE_URL"));
        b.databaseUrl(env.get("DATABASE_URL"));
        b.databaseUser(env.get("DATABASE_USER"));
        b.databasePassword(env.get("DATABASE_PASSWORD"));
        String databaseTimeout = blankToNull(env.get("DATABASE_TIMEOUT_SECONDS"));
        if (databaseTimeout != null) {
            b.databaseTimeout(Duration.ofSeconds(parseInt("DATABASE_TIMEOUT_SECONDS", databaseTimeout)));
        }
        b.redisUrl(env.get("REDIS_URL"));
        b.redisKeyPrefix(env.get("REDIS_KEY_PREFIX"));
        String presenceTtl = blankToNull(env.get("REDIS_PRESENCE_TTL_SECONDS"));
        if (presenceTtl != null) {
            b.redisPresenceTtl(Duration.ofSeconds(parseInt("REDIS_PRESENCE_TTL_SECONDS", presenceTtl)));
        }
        String origins = blankToNull(env.get("ALLOWED_ORIGINS"));
        if (origins != null) {
            b.allowedOrigins(parseList(origins));
        }
        String dataDir = blankToNull(env.get("DATA_DIR"));
        if (dataDir != null) {
            b.dataDir(Path.of(dataDir));
        }
        String embeddedSync = blankToNull(env.get("EMBEDDED_SYNC"));
        if (embeddedSync != null) {
            b.embeddedSync(parseEmbeddedSync(embeddedSync));
        }
        String keystore = blankToNull(env.get("TLS_KEYSTORE"));
        if (keystore != null) {
            b.tlsKeystore(Path.of(keystore));
        }
        b.tlsKeystorePassword(env.get("TLS_KEYSTORE_PASSWORD"));
        String perIp = blankToNull(env.get("MAX_CONNECTIONS_PER_IP"));
        if (perIp != null) {
            b.maxConnectionsPerIp(parseInt("MAX_CONNECTIONS_PER_IP", perIp));
        }
        String transport = blankToNull(env.get("TRANSPORT"));
        if (transport != null) {
            b.transport(Transport.parse(transport));
        }
        String messageRate = blankToNull(env.get("RATE_MESSAGES_PER_SECOND"));
        if (messageRate != null) {
            b.messagesPerSecond(parseInt("RATE_MESSAGES_PER_SECOND", messageRate));
        }
        String frameRate = blankToNull(env.get("RATE_FRAMES_PER_SECOND"));
        if (frameRate != null) {
            b.framesPerSecond(parseInt("RATE_FRAMES_PER_SECOND", frameRate));
        }
        String perUser = blankToNull(env.get("MAX_CONNECTIONS_PER_USER"));
        if (perUser != null) {
            b.maxConnectionsPerUser(parseInt("MAX_CONNECTIONS_PER_USER", perUser));
        }
        String groupSize = blankToNull(env.get("MAX_GROUP_SIZE"));
        if (groupSize != null) {
            b.maxGroupSize(parseInt("MAX_GROUP_SIZE", groupSize));
        }
        b.openRoomPrefix(blankToNull(env.get("OPEN_ROOM_PREFIX")));
        b.pushWebhookUrl(env.get("PUSH_WEBHOOK_URL"));
        b.pushWebhookSecret(env.get("PUSH_WEBHOOK_SECRET"));
        String extensions = blankToNull(env.get("EXTENSIONS"));
        if (extensions != null) {
            b.extensions(parseExtensions(extensions));
        }
        return b;
    }

    public static Builder builder() {
        return new Builder();
    }

    static List<String> parseList(String commaList) {
        return Arrays.stream(commaList.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /** {@code all}, {@code none}, or a comma list of extension names as on the wire ({@code reactions,edits}). */
    static Set<Extension> parseExtensions(String text) {
        String t = text.trim();
        if (t.equalsIgnoreCase("all")) {
            return EnumSet.allOf(Extension.class);
        }
        if (t.equalsIgnoreCase("none")) {
            return EnumSet.noneOf(Extension.class);
        }
        EnumSet<Extension> set = EnumSet.noneOf(Extension.class);
        for (String name : parseList(t)) {
            set.add(Extension.fromWire(name.toLowerCase(java.util.Locale.ROOT)).orElseThrow(() ->
                    new IllegalArgumentException("EXTENSIONS: unknown extension '" + name + "'")));
        }
        return set;
    }

    static int parseInt(String name, String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, got '" + value + "'");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    private static String stripTrailingSlash(String s) {
        return s != null && s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    /** No secret, no JWKS URL and no Supabase URL: the server runs in dev mode. */
    public boolean devMode() {
        return jwtSecret == null && effectiveJwksUrl() == null;
    }

    /** {@code JWT_JWKS_URL}, else derived from {@code SUPABASE_URL}, else {@code null}. */
    public String effectiveJwksUrl() {
        if (jwksUrl != null) {
            return jwksUrl;
        }
        return supabaseUrl == null ? null : supabaseUrl + "/auth/v1/.well-known/jwks.json";
    }

    /** {@code JWT_ISSUER}, else derived from {@code SUPABASE_URL}, else {@code null} (any issuer). */
    public String effectiveIssuer() {
        if (jwtIssuer != null) {
            return jwtIssuer;
        }
        return supabaseUrl == null ? null : supabaseUrl + "/auth/v1";
    }

    /** Bind address, or {@code null} for the default (every interface; loopback in dev mode). */
    public String host() { return host; }
    public int port() { return port; }
    public String jwtSecret() { return jwtSecret; }
    public String jwksUrl() { return jwksUrl; }
    public String jwtIssuer() { return jwtIssuer; }
    public String jwtAudience() { return jwtAudience; }
    public String supabaseUrl() { return supabaseUrl; }
    public String databaseUrl() { return databaseUrl; }
    public String databaseUser() { return databaseUser; }
    public String databasePassword() { return databasePassword; }
    /** How long a PostgreSQL call may wait for a connection or for the database to answer before it fails. */
    public Duration databaseTimeout() { return databaseTimeout; }
    /** Cluster mode's Redis, or {@code null} for a single node. */
    public String redisUrl() { return redisUrl; }
    /** Prefix of the cluster's Redis keys and channels, or {@code null} for the default. */
    public String redisKeyPrefix() { return redisKeyPrefix; }
    /**
     * How long a crashed node's users stay online for the other nodes (its heartbeat's lifetime), or
     * {@code null} for the default of {@code chat-cluster-redis} (30 s).
     */
    public Duration redisPresenceTtl() { return redisPresenceTtl; }
    /** The allowed {@code Origin} values, or {@code null} when unset. */
    public List<String> allowedOrigins() { return allowedOrigins; }
    public Path dataDir() { return dataDir; }
    /** When the embedded database syncs its log to disk ({@code EMBEDDED_SYNC}): at every commit unless told otherwise. */
    public JdbiChatStore.Sync embeddedSync() { return embeddedSync; }
    public Path tlsKeystore() { return tlsKeystore; }
    public String tlsKeystorePassword() { return tlsKeystorePassword; }
    public int maxConnectionsPerIp() { return maxConnectionsPerIp; }
    /** Which transport serves the port ({@code TRANSPORT}). */
    public Transport transport() { return transport; }
    /** Extensions the server offers ({@code EXTENSIONS}), or {@code null} for all the engine and the store support. */
    public Set<Extension> extensions() { return extensions; }
    /** Where push notifications for offline users are posted, or {@code null} to log them. */
    public String pushWebhookUrl() { return pushWebhookUrl; }
    public String pushWebhookSecret() { return pushWebhookSecret; }
    /** The engine's configuration, with {@link #extensions()} applied when set (the server fills in the default). */
    public EngineConfig engineConfig() {
        return extensions == null ? engineConfig : engineConfig.toBuilder().extensions(extensions).build();
    }
    /** A store supplied by an embedder or test, or {@code null} to open one from the database settings. */
    public ChatStore store() { return store; }
    public Duration healthCheckInterval() { return healthCheckInterval; }
    public Duration shutdownTimeout() { return shutdownTimeout; }

    /**
     * The code that moves bytes between sockets and the engine. Both speak the same protocol through
     * the same handshake, limits and close codes; they differ in threads and speed (BENCHMARKS.md).
     */
    /** {@code EMBEDDED_SYNC} and {@code --embedded-sync}: {@code commit} or {@code checkpoint}. */
    public static JdbiChatStore.Sync parseEmbeddedSync(String name) {
        return switch (name.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "commit" -> JdbiChatStore.Sync.COMMIT;
            case "checkpoint" -> JdbiChatStore.Sync.CHECKPOINT;
            default -> throw new IllegalArgumentException("EMBEDDED_SYNC must be commit or checkpoint, not " + name);
        };
    }

    public enum Transport {
        /** Java-WebSocket's server: a selector thread and decoder threads. The default. */
        JAVA_WEBSOCKET("java-websocket"),
        /** Parley's selector loops, one per core, on Java-WebSocket's framing. */
        NIO("nio");

        private final String configName;

        Transport(String configName) {
            this.configName = configName;
        }

        /** The name {@code TRANSPORT} and {@code --transport} take. */
        public String configName() {
            return configName;
        }

        /** {@code java-websocket} or {@code nio}. */
        public static Transport parse(String name) {
            for (Transport t : values()) {
                if (t.configName.equalsIgnoreCase(name.trim())) {
                    return t;
                }
            }
            throw new IllegalArgumentException("TRANSPORT must be java-websocket or nio, not " + name);
        }
    }

    public static final class Builder {
        private String host;
        private int port = DEFAULT_PORT;
        private String jwtSecret;
        private String jwksUrl;
        private String jwtIssuer;
        private String jwtAudience;
        private String supabaseUrl;
        private String databaseUrl;
        private String databaseUser;
        private String databasePassword;
        private Duration databaseTimeout = Duration.ofSeconds(10);
        private String redisUrl;
        private String redisKeyPrefix;
        private Duration redisPresenceTtl;
        private List<String> allowedOrigins;
        private Path dataDir = Path.of("data");
        private JdbiChatStore.Sync embeddedSync = JdbiChatStore.Sync.COMMIT;
        private Path tlsKeystore;
        private String tlsKeystorePassword;
        private int maxConnectionsPerIp = 100;
        private Transport transport = Transport.JAVA_WEBSOCKET;
        private Set<Extension> extensions;
        private String pushWebhookUrl;
        private String pushWebhookSecret;
        private EngineConfig engineConfig = EngineConfig.DEFAULTS;
        private ChatStore store;
        private Duration healthCheckInterval = Duration.ofSeconds(5);
        private Duration shutdownTimeout = Duration.ofSeconds(10);

        private Builder() {
        }

        public Builder host(String v) { host = v; return this; }
        /** 0 picks a free port. */
        public Builder port(int v) { port = v; return this; }
        public Builder jwtSecret(String v) { jwtSecret = v; return this; }
        public Builder jwksUrl(String v) { jwksUrl = v; return this; }
        public Builder jwtIssuer(String v) { jwtIssuer = v; return this; }
        public Builder jwtAudience(String v) { jwtAudience = v; return this; }
        public Builder supabaseUrl(String v) { supabaseUrl = v; return this; }
        public Builder databaseUrl(String v) { databaseUrl = v; return this; }
        public Builder databaseUser(String v) { databaseUser = v; return this; }
        public Builder databasePassword(String v) { databasePassword = v; return this; }
        public Builder databaseTimeout(Duration v) { databaseTimeout = Objects.requireNonNull(v); return this; }
        public Builder redisUrl(String v) { redisUrl = v; return this; }
        public Builder redisKeyPrefix(String v) { redisKeyPrefix = v; return this; }
        /** At least one second; {@code null} keeps the default. */
        public Builder redisPresenceTtl(Duration v) { redisPresenceTtl = v; return this; }
        public Builder allowedOrigins(List<String> v) { allowedOrigins = v; return this; }
        public Builder dataDir(Path v) { dataDir = v; return this; }
        public Builder embeddedSync(JdbiChatStore.Sync v) { embeddedSync = v; return this; }
        public Builder tlsKeystore(Path v) { tlsKeystore = v; return this; }
        public Builder tlsKeystorePassword(String v) { tlsKeystorePassword = v; return this; }
        public Builder maxConnectionsPerIp(int v) { maxConnectionsPerIp = v; return this; }
        public Builder transport(Transport v) { transport = v; return this; }
        public Builder extensions(Set<Extension> v) { extensions = v; return this; }
        public Builder pushWebhookUrl(String v) { pushWebhookUrl = v; return this; }
        public Builder pushWebhookSecret(String v) { pushWebhookSecret = v; return this; }
        public Builder engineConfig(EngineConfig v) { engineConfig = v; return this; }

        /** Messages (and edits, deletes, reactions) per user per second; the burst is twice that. */
        public Builder messagesPerSecond(int v) {
            engineConfig = engineConfig.toBuilder().messageRate(EngineConfig.RateLimit.perSecond(v, 2 * v)).build();
            return this;
        }

        /** Frames per connection per second (typing, ping and file chunks apart); the burst is twice that. */
        public Builder framesPerSecond(int v) {
            engineConfig = engineConfig.toBuilder().frameRate(EngineConfig.RateLimit.perSecond(v, 2 * v)).build();
            return this;
        }

        public Builder maxConnectionsPerUser(int v) {
            engineConfig = engineConfig.toBuilder().maxConnectionsPerUser(v).build();
            return this;
        }

        /** Participants of a group, creator included. */
        public Builder maxGroupSize(int v) {
            engineConfig = engineConfig.toBuilder()
                    .limits(engineConfig.limits().toBuilder().maxGroupSize(v).build()).build();
            return this;
        }
        /** Open rooms for conversation ids with this prefix (null: off); see {@link EngineConfig#openRoomPrefix()}. */
        public Builder openRoomPrefix(String v) {
            engineConfig = engineConfig.toBuilder().openRoomPrefix(v).build();
            return this;
        }

        public Builder store(ChatStore v) { store = v; return this; }
        public Builder healthCheckInterval(Duration v) { healthCheckInterval = v; return this; }
        public Builder shutdownTimeout(Duration v) { shutdownTimeout = v; return this; }

        public ServerConfig build() {
            return new ServerConfig(this);
        }
    }
}
