package dev.parley.server;

import dev.parley.server.auth.JwtAuthenticator;
import dev.parley.server.auth.TokenMinter;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code java -jar chat-server.jar [flags]} runs the server; {@code token} mints a development
 * token; {@code health} checks a running server. Every flag mirrors an environment variable and
 * wins over it. No logger is touched before the log level and file are known.
 */
@Command(name = "chat-server", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        sortOptions = false, usageHelpWidth = 100,
        description = {"Parley reference chat server: WebSocket protocol on / and /ws, plus GET /health, /stats and /metrics.",
                "Each flag overrides the environment variable named in its description."},
        subcommands = {Main.TokenCommand.class, Main.HealthCommand.class})
public final class Main implements Callable<Integer> {
    static {
        // The server's logging set-up has a name of its own, so that an application using this
        // module as a library keeps its logback.xml; -Dlogback.configurationFile still wins.
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "parley-server-logback.xml");
        }
    }

    static final Set<String> LOG_LEVELS = Set.of("trace", "debug", "info", "warn", "error", "off");

    @Option(names = "--port", paramLabel = "PORT", description = "WEBSOCKET_PORT: port to listen on (default 8080).")
    Integer port;
    @Option(names = "--host", paramLabel = "ADDRESS", description = "WEBSOCKET_HOST: bind address (default all interfaces; 127.0.0.1 in dev mode).")
    String host;
    @Option(names = "--jwt-secret", paramLabel = "SECRET", description = "JWT_SECRET (alias SUPABASE_JWT_SECRET): HS256 shared secret, at least 32 bytes.")
    String jwtSecret;
    @Option(names = "--jwks-url", paramLabel = "URL", description = "JWT_JWKS_URL: JWKS endpoint with RS256/ES256 keys.")
    String jwksUrl;
    @Option(names = "--jwt-issuer", paramLabel = "ISS", description = "JWT_ISSUER: required iss claim.")
    String jwtIssuer;
    @Option(names = "--jwt-audience", paramLabel = "AUD", description = "JWT_AUDIENCE: required aud claim.")
    String jwtAudience;
    @Option(names = "--supabase-url", paramLabel = "URL", description = "SUPABASE_URL: derives the JWKS URL and issuer.")
    String supabaseUrl;
    @Option(names = "--database-url", paramLabel = "JDBC_URL", description = "DATABASE_URL: PostgreSQL URL (default: embedded database in the data directory).")
    String databaseUrl;
    @Option(names = "--database-user", paramLabel = "USER", description = "DATABASE_USER.")
    String databaseUser;
    @Option(names = "--database-password", paramLabel = "PASSWORD", description = "DATABASE_PASSWORD (prefer the environment variable).")
    String databasePassword;
    @Option(names = "--database-timeout-seconds", paramLabel = "SECONDS", description = "DATABASE_TIMEOUT_SECONDS: how long a PostgreSQL call may wait before it fails (default 10).")
    Integer databaseTimeoutSeconds;
    @Option(names = "--redis-url", paramLabel = "URL", description = "REDIS_URL: cluster mode, sharing events, presence, calls and typing with the other nodes (needs DATABASE_URL).")
    String redisUrl;
    @Option(names = "--redis-key-prefix", paramLabel = "PREFIX", description = "REDIS_KEY_PREFIX: prefix of the cluster's Redis keys (default parley).")
    String redisKeyPrefix;
    @Option(names = "--redis-presence-ttl-seconds", paramLabel = "N", description = "REDIS_PRESENCE_TTL_SECONDS: how long a crashed node's users stay online for the other nodes (default 30).")
    Integer redisPresenceTtlSeconds;
    @Option(names = "--allowed-origins", paramLabel = "LIST", description = "ALLOWED_ORIGINS: comma-separated browser origins, or *.")
    String allowedOrigins;
    @Option(names = "--data-dir", paramLabel = "DIR", description = "DATA_DIR: embedded database and dev secret (default ./data).")
    Path dataDir;
    @Option(names = "--embedded-sync", paramLabel = "WHEN", description = "EMBEDDED_SYNC: commit (default; the embedded database's log is synced to disk at every commit) or checkpoint (at checkpoints only: faster, but a power loss may lose acknowledged messages).")
    String embeddedSync;
    @Option(names = "--tls-keystore", paramLabel = "FILE", description = "TLS_KEYSTORE: PKCS12 or JKS keystore; enables wss://.")
    Path tlsKeystore;
    @Option(names = "--tls-keystore-password", paramLabel = "PASSWORD", description = "TLS_KEYSTORE_PASSWORD (prefer the environment variable).")
    String tlsKeystorePassword;
    @Option(names = "--transport", paramLabel = "NAME", description = "TRANSPORT: java-websocket (default) or nio (Parley's selector loops; faster).")
    String transport;
    @Option(names = "--max-connections-per-ip", paramLabel = "N", description = "MAX_CONNECTIONS_PER_IP (default 100).")
    Integer maxConnectionsPerIp;
    @Option(names = "--rate-messages-per-second", paramLabel = "N", description = "RATE_MESSAGES_PER_SECOND: messages per user per second, burst twice that (default 10).")
    Integer messagesPerSecond;
    @Option(names = "--rate-frames-per-second", paramLabel = "N", description = "RATE_FRAMES_PER_SECOND: frames per connection per second, burst twice that (default 30).")
    Integer framesPerSecond;
    @Option(names = "--max-connections-per-user", paramLabel = "N", description = "MAX_CONNECTIONS_PER_USER (default 10).")
    Integer maxConnectionsPerUser;
    @Option(names = "--max-group-size", paramLabel = "N", description = "MAX_GROUP_SIZE: participants of a group, creator included (default 256).")
    Integer maxGroupSize;
    @Option(names = "--open-room-prefix", paramLabel = "PREFIX", description = "OPEN_ROOM_PREFIX: joining a conversation id with this prefix creates or enters that group, like a public channel (default: off).")
    String openRoomPrefix;
    @Option(names = "--extensions", paramLabel = "LIST", description = "EXTENSIONS: protocol extensions to offer: all, none, or names such as reactions,edits (default: every extension the store supports).")
    String extensions;
    @Option(names = "--push-webhook-url", paramLabel = "URL", description = "PUSH_WEBHOOK_URL: where notifications for offline users are posted (unset: logged in dev mode, else off).")
    String pushWebhookUrl;
    @Option(names = "--push-webhook-secret", paramLabel = "SECRET", description = "PUSH_WEBHOOK_SECRET: HMAC key signing webhook posts (prefer the environment variable).")
    String pushWebhookSecret;
    @Option(names = "--log-level", paramLabel = "LEVEL", description = "LOG_LEVEL: trace, debug, info (default), warn, error.")
    String logLevel;
    @Option(names = "--log-file", paramLabel = "FILE", description = "LOG_FILE (default logs/websocket.log).")
    String logFile;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with its error handling: configuration errors exit with 2, other failures with 1. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("error: " + e.getMessage());
            return e instanceof ChatServer.ConfigurationException || e instanceof IllegalArgumentException ? 2 : 1;
        });
        return cli;
    }

    @Override
    public Integer call() throws Exception {
        Map<String, String> env = System.getenv();
        configureLogging(logLevel != null ? logLevel : env.get("LOG_LEVEL"), logFile != null ? logFile : env.get("LOG_FILE"));
        ServerConfig.Builder b = ServerConfig.fromEnvironment(env);
        set(port, b::port);
        set(host, b::host);
        set(jwtSecret, b::jwtSecret);
        set(jwksUrl, b::jwksUrl);
        set(jwtIssuer, b::jwtIssuer);
        set(jwtAudience, b::jwtAudience);
        set(supabaseUrl, b::supabaseUrl);
        set(databaseUrl, b::databaseUrl);
        set(databaseUser, b::databaseUser);
        set(databasePassword, b::databasePassword);
        set(databaseTimeoutSeconds == null ? null : Duration.ofSeconds(databaseTimeoutSeconds), b::databaseTimeout);
        set(redisUrl, b::redisUrl);
        set(redisKeyPrefix, b::redisKeyPrefix);
        set(redisPresenceTtlSeconds == null ? null : Duration.ofSeconds(redisPresenceTtlSeconds), b::redisPresenceTtl);
        set(allowedOrigins == null ? null : ServerConfig.parseList(allowedOrigins), b::allowedOrigins);
        set(dataDir, b::dataDir);
        set(embeddedSync == null ? null : ServerConfig.parseEmbeddedSync(embeddedSync), b::embeddedSync);
        set(tlsKeystore, b::tlsKeystore);
        set(tlsKeystorePassword, b::tlsKeystorePassword);
        set(maxConnectionsPerIp, b::maxConnectionsPerIp);
        set(transport == null ? null : ServerConfig.Transport.parse(transport), b::transport);
        set(messagesPerSecond, b::messagesPerSecond);
        set(framesPerSecond, b::framesPerSecond);
        set(maxConnectionsPerUser, b::maxConnectionsPerUser);
        set(maxGroupSize, b::maxGroupSize);
        set(openRoomPrefix, b::openRoomPrefix);
        set(pushWebhookUrl, b::pushWebhookUrl);
        set(pushWebhookSecret, b::pushWebhookSecret);
        set(extensions == null ? null : ServerConfig.parseExtensions(extensions), b::extensions);
        ServerConfig config = b.build();

        Logger log = LoggerFactory.getLogger(Main.class);
        StoreCompilation.keepStoreOffC2();
        ChatServer server;
        try {
            server = ChatServer.start(config);
        } catch (ChatServer.ConfigurationException e) {
            log.error("{}", e.getMessage());
            return 2;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "parley-shutdown"));
        stopped.await();
        return 0;
    }

    private static <T> void set(T value, Consumer<T> setter) {
        if (value != null) {
            setter.accept(value);
        }
    }

    /** Hands level and file to parley-server-logback.xml (as system properties) before the first logger exists. */
    static void configureLogging(String level, String file) {
        if (level != null && !level.isBlank()) {
            String l = level.trim().toLowerCase(Locale.ROOT);
            if (!LOG_LEVELS.contains(l)) {
                throw new IllegalArgumentException("LOG_LEVEL must be one of " + LOG_LEVELS + ", got '" + level + "'");
            }
            System.setProperty("LOG_LEVEL", l.toUpperCase(Locale.ROOT));
        }
        if (file != null && !file.isBlank()) {
            System.setProperty("LOG_FILE", file.trim());
        }
    }

    /** Parses {@code 90s}, {@code 15m}, {@code 1h}, {@code 7d} or an ISO-8601 duration ({@code PT1H}). */
    static Duration parseDuration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.startsWith("p")) {
                return Duration.parse(t.toUpperCase(Locale.ROOT));
            }
            long n = Long.parseLong(t.substring(0, t.length() - 1));
            return switch (t.charAt(t.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                case 'd' -> Duration.ofDays(n);
                default -> throw new IllegalArgumentException("unknown unit");
            };
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a duration: '" + text + "' (use 90s, 15m, 1h, 7d or PT1H)");
        }
    }

    @Command(name = "token", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Prints an HS256 token for a user, signed with --secret, else JWT_SECRET, "
                    + "else the dev-mode secret in the data directory."})
    static final class TokenCommand implements Callable<Integer> {
        @Option(names = "--user", required = true, paramLabel = "ID", description = "User id (the sub claim).")
        String user;
        @Option(names = "--username", paramLabel = "NAME", description = "user_metadata.username (default: the user id).")
        String username;
        @Option(names = "--display-name", paramLabel = "NAME", description = "user_metadata.display_name.")
        String displayName;
        @Option(names = "--email", paramLabel = "EMAIL", description = "email claim.")
        String email;
        @Option(names = "--secret", paramLabel = "SECRET", description = "HS256 secret (default: JWT_SECRET, else <data dir>/dev-secret).")
        String secret;
        @Option(names = "--ttl", paramLabel = "DURATION", defaultValue = "1h", description = "Lifetime: 90s, 15m, 1h, 7d (default ${DEFAULT-VALUE}).")
        String ttl;
        @Option(names = "--issuer", paramLabel = "ISS", description = "iss claim (default: JWT_ISSUER).")
        String issuer;
        @Option(names = "--audience", paramLabel = "AUD", description = "aud claim (default: JWT_AUDIENCE).")
        String audience;
        @Option(names = "--data-dir", paramLabel = "DIR", description = "Where the dev secret is (default: DATA_DIR, else ./data).")
        Path dataDir;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            Map<String, String> env = System.getenv();
            String key = firstNonBlank(secret, env.get("JWT_SECRET"), env.get("SUPABASE_JWT_SECRET"));
            if (key == null) {
                Path dir = dataDir != null ? dataDir : Path.of(firstNonBlank(env.get("DATA_DIR"), "data"));
                key = DevSecret.readIfPresent(dir);
                if (key == null) {
                    spec.commandLine().getErr().println("error: no secret: pass --secret, set JWT_SECRET, "
                            + "or start the server once in dev mode to create " + DevSecret.fileIn(dir));
                    return 2;
                }
            }
            if (key.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < JwtAuthenticator.MIN_SECRET_BYTES) {
                spec.commandLine().getErr().println("error: the secret must be at least "
                        + JwtAuthenticator.MIN_SECRET_BYTES + " bytes");
                return 2;
            }
            Duration lifetime = parseDuration(ttl);
            String token = TokenMinter.hs256(key)
                    .subject(user)
                    .username(username != null ? username : user)
                    .displayName(displayName)
                    .email(email)
                    .issuer(firstNonBlank(issuer, env.get("JWT_ISSUER")))
                    .audience(firstNonBlank(audience, env.get("JWT_AUDIENCE")))
                    .ttl(lifetime)
                    .mint();
            PrintWriter out = spec.commandLine().getOut();
            out.println(token);
            out.flush();
            return 0;
        }
    }

    @Command(name = "health", mixinStandardHelpOptions = true,
            description = {"Checks a running server's /health (for container health checks); exit status 0 when healthy."})
    static final class HealthCommand implements Callable<Integer> {
        @Option(names = "--url", paramLabel = "URL", description = "Default: http://127.0.0.1:<WEBSOCKET_PORT or 8080>/health, "
                + "or https with TLS_KEYSTORE set (trusting that keystore's certificates)")
        String url;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            String port = firstNonBlank(System.getenv("WEBSOCKET_PORT"), String.valueOf(ServerConfig.DEFAULT_PORT));
            String keystore = firstNonBlank(System.getenv("TLS_KEYSTORE"));
            if (url == null && keystore != null) {
                // The server answers TLS only; the check trusts its own keystore's certificates.
                try {
                    String answer = LocalHealthCheck.get(Integer.parseInt(port.trim()), Path.of(keystore),
                            System.getenv("TLS_KEYSTORE_PASSWORD"));
                    spec.commandLine().getOut().println(answer);
                    spec.commandLine().getOut().flush();
                    return answer.startsWith("200 ") ? 0 : 1;
                } catch (IOException | GeneralSecurityException | NumberFormatException e) {
                    spec.commandLine().getErr().println("unhealthy: " + e);
                    return 1;
                }
            }
            String target = url != null ? url : "http://127.0.0.1:" + port.trim() + "/health";
            try {
                HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(3)).build()
                        .send(HttpRequest.newBuilder(URI.create(target)).timeout(Duration.ofSeconds(5)).GET().build(),
                                HttpResponse.BodyHandlers.ofString());
                spec.commandLine().getOut().println(response.statusCode() + " " + response.body());
                spec.commandLine().getOut().flush();
                return response.statusCode() == 200 ? 0 : 1;
            } catch (IOException | InterruptedException | IllegalArgumentException e) {
                spec.commandLine().getErr().println("unhealthy: " + e);
                return 1;
            }
        }
    }

    static String firstNonBlank(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v.trim();
            }
        }
        return null;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"Parley chat server " + (v == null ? "(development build)" : v)};
        }
    }
}
