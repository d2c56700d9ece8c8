package dev.parley.server;

import dev.parley.cluster.redis.RedisBroker;
import dev.parley.cluster.redis.RedisConnections;
import dev.parley.cluster.redis.RedisSettings;
import dev.parley.core.ChatEngine;
import dev.parley.core.EngineConfig;
import dev.parley.core.memory.FileSystemBlobStore;
import dev.parley.protocol.Extension;
import dev.parley.core.spi.ChatStore;
import dev.parley.core.spi.PushNotifier;
import dev.parley.server.auth.JwtAuthenticator;
import dev.parley.server.push.LoggingPushNotifier;
import dev.parley.server.push.WebhookPushNotifier;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.MalformedURLException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.java_websocket.server.DefaultSSLWebSocketServerFactory;
import org.java_websocket.server.DefaultWebSocketServerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reference server: one port serving the WebSocket protocol on {@code /} and {@code /ws} and
 * plain HTTP ({@code /health}, {@code /stats}, {@code /metrics}), backed by a {@link ChatEngine},
 * JWT authentication and the configured store. {@link #close()} shuts down gracefully.
 */
public final class ChatServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ChatServer.class);
    private static final String DEV_HOST = "127.0.0.1";
    /** Extensions the engine serves without the store's help (it checks the others against the store). */
    private static final Set<Extension> ENGINE_ONLY_EXTENSIONS = Set.of(Extension.CALLS, Extension.E2EE);

    private final ServerConfig config;
    private final boolean devMode;
    private final ChatStore store;
    private final RedisConnections redis;
    private final JwtAuthenticator authenticator;
    private final ChatEngine engine;
    private final HealthMonitor health;
    private final SessionBridge bridge;
    private final Endpoint endpoint;
    private final boolean tls;
    private final AtomicBoolean closed = new AtomicBoolean();

    private ChatServer(ServerConfig config, boolean devMode, ChatStore store, RedisConnections redis,
                       JwtAuthenticator authenticator, ChatEngine engine, HealthMonitor health,
                       SessionBridge bridge, Endpoint endpoint, boolean tls) {
        this.config = config;
        this.devMode = devMode;
        this.store = store;
        this.redis = redis;
        this.authenticator = authenticator;
        this.engine = engine;
        this.health = health;
        this.bridge = bridge;
        this.endpoint = endpoint;
        this.tls = tls;
    }

    /** For tests: the transport serving the port. */
    Endpoint endpoint() {
        return endpoint;
    }

    /**
     * Starts a server and returns once its port is bound.
     *
     * @throws ConfigurationException when the configuration cannot be served (say, {@code REDIS_URL} without {@code DATABASE_URL})
     * @throws Exception              when the store, the keystore or the port cannot be opened
     */
    public static ChatServer start(ServerConfig config) throws Exception {
        return start(config, engine -> { });
    }

    /**
     * Starts a server whose engine {@code engineSetup} completes: an application embedding Parley adds
     * its own message types ({@link ChatEngine.Builder#handler}), its own token check
     * ({@link ChatEngine.Builder#authenticator}, replacing the JWT one) or push notifier, and gets the
     * same port, limits, HTTP routes and health checks as the reference server. It runs after the
     * server has set the builder up from {@code config}, so what it sets wins. (An authenticator of
     * its own leaves the JWT settings unused; without any the server still starts in development
     * mode, loopback only, and its {@code /dev/token} route mints JWTs that authenticator may refuse.)
     */
    public static ChatServer start(ServerConfig config, Consumer<ChatEngine.Builder> engineSetup) throws Exception {
        if (config.redisUrl() != null && config.databaseUrl() == null && config.store() == null) {
            throw new ConfigurationException("REDIS_URL (cluster mode) needs DATABASE_URL: "
                    + "the nodes must share one PostgreSQL database, an embedded database cannot be shared");
        }
        SSLContext sslContext = config.tlsKeystore() == null ? null
                : sslContext(config.tlsKeystore(), config.tlsKeystorePassword());
        boolean devMode = config.devMode();
        String secret = config.jwtSecret();
        if (devMode) {
            secret = DevSecret.loadOrCreate(config.dataDir());
        }
        JwtAuthenticator authenticator = authenticator(config, secret);
        String host = config.host();
        if (devMode) {
            if (host != null && !isLoopback(host)) {
                log.warn("dev mode binds to {} only, ignoring WEBSOCKET_HOST={}", DEV_HOST, host);
            }
            host = DEV_HOST;
        }
        InetSocketAddress bind = host == null ? new InetSocketAddress(config.port()) : new InetSocketAddress(host, config.port());

        ChatStore store = null;
        RedisConnections redis = null;
        ChatEngine engine = null;
        HealthMonitor health = null;
        SessionBridge bridge = null;
        Endpoint endpoint = null;
        try {
            store = Stores.open(config);
            EngineConfig engineConfig = config.engineConfig().toBuilder().extensions(offeredExtensions(config, store)).build();
            ChatEngine.Builder eb = ChatEngine.builder().store(store).authenticator(authenticator).config(engineConfig);
            PushNotifier notifier = pushNotifier(config, devMode);
            if (notifier != null) {
                eb.pushNotifier(notifier);
            }
            if (engineConfig.extensions().contains(Extension.FILES)) {
                eb.blobStore(new FileSystemBlobStore(config.dataDir().resolve("files")));
            }
            if (config.redisUrl() != null) {
                RedisSettings.Builder settings = RedisSettings.builder(config.redisUrl());
                if (config.redisKeyPrefix() != null) {
                    settings.keyPrefix(config.redisKeyPrefix());
                }
                if (config.redisPresenceTtl() != null) {
                    settings.presenceTtl(config.redisPresenceTtl());
                }
                redis = RedisConnections.connect(settings.build());
                eb.broker(redis.broker()).presence(redis.presence()).callStore(redis.calls()).typingStore(redis.typing());
            }
            engineSetup.accept(eb);
            engine = eb.build();
            engine.start();
            health = new HealthMonitor(store, config.healthCheckInterval());
            OriginPolicy origins = OriginPolicy.of(config.allowedOrigins(), devMode);
            bridge = new SessionBridge(engine,
                    new HttpRoutes(engine, health, devMode ? devTokens(config, secret) : null, brokerCounters(redis)),
                    origins, new AddressLimiter(config.maxConnectionsPerIp()));
            endpoint = endpoint(config, bind, bridge, sslContext);
            endpoint.start();
            endpoint.awaitStarted(15_000);
        } catch (Exception | Error e) {
            stopQuietly(endpoint, 5_000);
            closeQuietly(health);
            closeQuietly(engine);
            closeQuietly(redis);
            if (store != null && config.store() == null) {
                closeQuietly(store);
            }
            authenticator.close();
            throw e;
        }
        ChatServer server = new ChatServer(config, devMode, store, redis, authenticator, engine, health, bridge, endpoint,
                sslContext != null);
        server.logStarted(secret);
        return server;
    }

    private static Endpoint endpoint(ServerConfig config, InetSocketAddress bind, SessionBridge bridge, SSLContext sslContext) {
        int maxFrameBytes = config.engineConfig().limits().maxFrameBytes();
        if (config.transport() == ServerConfig.Transport.NIO) {
            return new NioEndpoint(bind, maxFrameBytes, bridge, sslContext);
        }
        return new WebSocketEndpoint(bind, maxFrameBytes, bridge, sslContext == null
                ? new DefaultWebSocketServerFactory() : new DefaultSSLWebSocketServerFactory(sslContext),
                Endpoint.HANDSHAKE_TIMEOUT);
    }

    /** What {@code /metrics} shows of the Redis broker's faults; nothing on a single node. */
    private static Supplier<Map<String, Long>> brokerCounters(RedisConnections redis) {
        if (redis == null) {
            return Map::of;
        }
        RedisBroker broker = redis.broker();
        return () -> Map.of("failedPublishes", broker.failedPublishes(),
                "failedSubscribes", broker.failedSubscribes());
    }

    /** The web demo's dev sign-in: tokens like the {@code token} command's, valid for an hour. */
    private static java.util.function.UnaryOperator<String> devTokens(ServerConfig config, String secret) {
        return user -> dev.parley.server.auth.TokenMinter.hs256(secret).subject(user).username(user)
                .issuer(config.effectiveIssuer()).audience(config.jwtAudience())
                .ttl(java.time.Duration.ofHours(1)).mint();
    }

    /**
     * {@code EXTENSIONS} when set; otherwise every extension the engine implements and the store
     * supports, so a new deployment gets the full feature set (clients still opt in per connection).
     */
    static Set<Extension> offeredExtensions(ServerConfig config, ChatStore store) {
        if (config.extensions() != null) {
            return config.extensions();
        }
        EnumSet<Extension> offered = EnumSet.noneOf(Extension.class);
        for (Extension e : Extension.values()) {
            if (ENGINE_ONLY_EXTENSIONS.contains(e) || store.supportedExtensions().contains(e)) {
                offered.add(e);
            }
        }
        return offered;
    }

    private static JwtAuthenticator authenticator(ServerConfig config, String secret) throws ConfigurationException {
        JwtAuthenticator.Builder b = JwtAuthenticator.builder()
                .issuer(config.effectiveIssuer())
                .audience(config.jwtAudience());
        try {
            if (secret != null) {
                b.secret(secret);
            }
            if (config.effectiveJwksUrl() != null) {
                b.jwksUrl(URI.create(config.effectiveJwksUrl()).toURL());
            }
        } catch (IllegalArgumentException | MalformedURLException e) {
            throw new ConfigurationException("JWT configuration: " + e.getMessage());
        }
        return b.build();
    }

    /**
     * The webhook when configured; else, in dev mode, the log (to show what would be sent); else
     * none: a production server without a webhook has nowhere to send notifications, and looking up
     * who is offline for every stored message would only cost the send path.
     */
    static PushNotifier pushNotifier(ServerConfig config, boolean devMode) throws ConfigurationException {
        if (config.pushWebhookUrl() == null) {
            return devMode ? new LoggingPushNotifier() : null;
        }
        try {
            return new WebhookPushNotifier(URI.create(config.pushWebhookUrl()), config.pushWebhookSecret(), Duration.ofSeconds(5));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("push webhook: " + e.getMessage());
        }
    }

    private static SSLContext sslContext(Path keystore, String password) throws IOException, GeneralSecurityException {
        if (!Files.isReadable(keystore)) {
            throw new ConfigurationException("TLS_KEYSTORE " + keystore + " is not readable");
        }
        char[] pw = password == null ? new char[0] : password.toCharArray();
        KeyStore ks = KeyStore.getInstance(keystore.toFile(), pw);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, pw);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    private static boolean isLoopback(String host) {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1") || host.equals("[::1]");
    }

    private void logStarted(String secret) {
        String scheme = tls ? "wss" : "ws";
        String shownHost = endpoint.getAddress().getAddress().isAnyLocalAddress() ? "0.0.0.0"
                : endpoint.getAddress().getAddress().getHostAddress();
        log.info("Parley server listening on {}://{}:{}/ (also /ws); transport: {}; store: {}", scheme, shownHost, port(),
                config.transport().configName(), Stores.describe(config));
        if (devMode) {
            log.warn("DEV MODE: no JWT_SECRET, JWT_JWKS_URL or SUPABASE_URL configured. Listening on {} only, "
                    + "with a random HS256 secret stored in {}. Do not use dev mode in production.",
                    DEV_HOST, DevSecret.fileIn(config.dataDir()).toAbsolutePath());
            log.warn("Get a token:  java -jar chat-server.jar token --user alice   "
                    + "then connect to {}://{}:{}/ws?token=<token> or send {}",
                    scheme, DEV_HOST, port(), "{\"type\":\"auth\",\"payload\":{\"token\":\"<token>\"}}");
        } else {
            log.info("JWT auth: {}{}{}{}", secret != null ? "HS256 secret" : "",
                    secret != null && config.effectiveJwksUrl() != null ? " + " : "",
                    config.effectiveJwksUrl() != null ? "JWKS " + config.effectiveJwksUrl() : "",
                    config.effectiveIssuer() != null ? ", issuer " + config.effectiveIssuer() : "");
        }
        if (redis != null) {
            log.info("cluster mode: node {} sharing broker, presence, calls and typing through Redis (key prefix {}, presence TTL {} s)",
                    redis.settings().nodeId(), redis.settings().keyPrefix(), redis.settings().presenceTtl().toSeconds());
        }
        log.info("push notifications: {}", config.pushWebhookUrl() != null ? "posted to " + config.pushWebhookUrl()
                : devMode ? "logged (dev mode)" : "off (PUSH_WEBHOOK_URL unset)");
        log.info("protocol extensions offered: {}", engine.config().extensions().isEmpty() ? "none"
                : engine.config().extensions().stream().map(e -> e.wireName()).sorted().toList());
        if (config.allowedOrigins() == null && !devMode) {
            log.info("ALLOWED_ORIGINS unset: browsers may connect from the same origin only");
        }
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return endpoint.getPort();
    }

    public boolean devMode() {
        return devMode;
    }

    public ChatEngine engine() {
        return engine;
    }

    /**
     * Graceful shutdown: refuses new upgrades, closes every session with 1001 through the engine,
     * lets the close frames go out, stops the listener, then closes the store.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        log.info("shutting down: closing sessions with 1001");
        bridge.drain();
        closeQuietly(engine);
        stopQuietly(endpoint, config.shutdownTimeout().toMillis());
        closeQuietly(health);
        closeQuietly(redis);
        authenticator.close();
        if (config.store() == null) {
            closeQuietly(store);
        }
        log.info("shut down");
    }

    private static void stopQuietly(Endpoint endpoint, long timeoutMillis) {
        if (endpoint == null) {
            return;
        }
        try {
            endpoint.stop((int) timeoutMillis, "going_away");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            log.warn("error while closing {}: {}", c.getClass().getSimpleName(), e.toString());
        }
    }

    /** The configuration asks for something this server cannot do. */
    public static final class ConfigurationException extends IOException {
        public ConfigurationException(String message) {
            super(message);
        }
    }
}
