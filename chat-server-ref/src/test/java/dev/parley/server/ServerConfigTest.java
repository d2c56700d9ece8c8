package dev.parley.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.protocol.Extension;
import dev.parley.core.memory.InMemoryChatStore;
import dev.parley.core.spi.ChatStore;
import dev.parley.store.jdbi.JdbiChatStore;
import java.nio.file.Path;
import java.lang.reflect.Proxy;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServerConfigTest {

    @Test
    void readsTheDocumentedVariables() {
        ServerConfig c = ServerConfig.fromEnvironment(Map.ofEntries(
                Map.entry("WEBSOCKET_PORT", "9090"),
                Map.entry("WEBSOCKET_HOST", "0.0.0.0"),
                Map.entry("JWT_SECRET", "s".repeat(40)),
                Map.entry("JWT_AUDIENCE", "authenticated"),
                Map.entry("DATABASE_URL", "jdbc:postgresql://db:5432/chat"),
                Map.entry("DATABASE_USER", "chat"),
                Map.entry("DATABASE_PASSWORD", "pw"),
                Map.entry("DATABASE_TIMEOUT_SECONDS", "3"),
                Map.entry("ALLOWED_ORIGINS", "https://a.example, https://b.example ,"),
                Map.entry("DATA_DIR", "/var/lib/parley"),
                Map.entry("MAX_CONNECTIONS_PER_IP", "7"))).build();
        assertThat(c.port()).isEqualTo(9090);
        assertThat(c.host()).isEqualTo("0.0.0.0");
        assertThat(c.devMode()).isFalse();
        assertThat(c.jwtAudience()).isEqualTo("authenticated");
        assertThat(c.allowedOrigins()).containsExactly("https://a.example", "https://b.example");
        assertThat(c.dataDir()).isEqualTo(Path.of("/var/lib/parley"));
        assertThat(c.maxConnectionsPerIp()).isEqualTo(7);
        assertThat(c.databaseUser()).isEqualTo("chat");
        assertThat(c.databaseTimeout()).isEqualTo(java.time.Duration.ofSeconds(3));
        assertThat(ServerConfig.fromEnvironment(Map.of()).build().databaseTimeout()).isEqualTo(java.time.Duration.ofSeconds(10));
    }

    @Test
    void theTransportIsJavaWebSocketUnlessNioIsAskedFor() {
        assertThat(ServerConfig.fromEnvironment(Map.of()).build().transport()).isEqualTo(ServerConfig.Transport.JAVA_WEBSOCKET);
        assertThat(ServerConfig.fromEnvironment(Map.of("TRANSPORT", "nio")).build().transport()).isEqualTo(ServerConfig.Transport.NIO);
        assertThat(ServerConfig.fromEnvironment(Map.of("TRANSPORT", " Java-WebSocket ")).build().transport())
                .isEqualTo(ServerConfig.Transport.JAVA_WEBSOCKET);
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(Map.of("TRANSPORT", "netty")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("java-websocket or nio");
        assertThat(ServerConfig.fromEnvironment(Map.of("TRANSPORT", "nio", "TLS_KEYSTORE", "/etc/keys.p12")).build()
                .tlsKeystore()).isEqualTo(Path.of("/etc/keys.p12"));
    }

    @Test
    void theEmbeddedDatabaseSyncsEveryCommitUnlessCheckpointIsAskedFor() {
        assertThat(ServerConfig.fromEnvironment(Map.of()).build().embeddedSync()).isEqualTo(JdbiChatStore.Sync.COMMIT);
        assertThat(ServerConfig.fromEnvironment(Map.of("EMBEDDED_SYNC", " Checkpoint ")).build().embeddedSync())
                .isEqualTo(JdbiChatStore.Sync.CHECKPOINT);
        assertThat(ServerConfig.fromEnvironment(Map.of("EMBEDDED_SYNC", "commit")).build().embeddedSync())
                .isEqualTo(JdbiChatStore.Sync.COMMIT);
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(Map.of("EMBEDDED_SYNC", "never")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("commit or checkpoint");
    }

    @Test
    void noJwtSettingsMeansDevModeWithDefaults() {
        ServerConfig c = ServerConfig.fromEnvironment(Map.of()).build();
        assertThat(c.devMode()).isTrue();
        assertThat(c.port()).isEqualTo(8080);
        assertThat(c.allowedOrigins()).isNull();
        assertThat(c.dataDir()).isEqualTo(Path.of("data"));
        assertThat(c.maxConnectionsPerIp()).isEqualTo(100);
    }

    @Test
    void supabaseUrlDerivesJwksAndIssuerAndTheSecretAliasIsRead() {
        ServerConfig c = ServerConfig.fromEnvironment(Map.of("SUPABASE_URL", "https://abc.supabase.co/",
                "SUPABASE_JWT_SECRET", "t".repeat(40))).build();
        assertThat(c.effectiveJwksUrl()).isEqualTo("https://abc.supabase.co/auth/v1/.well-known/jwks.json");
        assertThat(c.effectiveIssuer()).isEqualTo("https://abc.supabase.co/auth/v1");
        assertThat(c.jwtSecret()).isEqualTo("t".repeat(40));
        ServerConfig explicit = ServerConfig.fromEnvironment(Map.of("SUPABASE_URL", "https://abc.supabase.co",
                "JWT_JWKS_URL", "https://keys.example/jwks", "JWT_ISSUER", "me")).build();
        assertThat(explicit.effectiveJwksUrl()).isEqualTo("https://keys.example/jwks");
        assertThat(explicit.effectiveIssuer()).isEqualTo("me");
    }

    @Test
    void extensionsAreReadByWireName() {
        ServerConfig some = ServerConfig.fromEnvironment(Map.of("EXTENSIONS", "reactions, Edits")).build();
        assertThat(some.engineConfig().extensions()).containsExactlyInAnyOrder(Extension.REACTIONS, Extension.EDITS);
        assertThat(ServerConfig.fromEnvironment(Map.of("EXTENSIONS", "all")).build().engineConfig().extensions())
                .containsExactlyInAnyOrder(Extension.values());
        assertThat(ServerConfig.fromEnvironment(Map.of("EXTENSIONS", "none")).build().engineConfig().extensions()).isEmpty();
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(Map.of("EXTENSIONS", "reactions,teleport")))
                .hasMessageContaining("teleport");
    }

    @Test
    void badNumbersAreReportedByName() {
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(Map.of("WEBSOCKET_PORT", "eighty")))
                .hasMessageContaining("WEBSOCKET_PORT");
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(Map.of("MAX_CONNECTIONS_PER_IP", "0")).build())
                .hasMessageContaining("MAX_CONNECTIONS_PER_IP");
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(Map.of("DATABASE_TIMEOUT_SECONDS", "0")).build())
                .hasMessageContaining("DATABASE_TIMEOUT_SECONDS");
    }

    @Test
    void unsetExtensionsOfferEverythingTheStoreSupportsAndNoneOffersNothing() {
        ServerConfig unset = ServerConfig.fromEnvironment(Map.of()).build();
        assertThat(unset.extensions()).isNull();
        assertThat(ChatServer.offeredExtensions(unset, new InMemoryChatStore())).containsExactlyInAnyOrder(Extension.values());
        ChatStore full = new InMemoryChatStore();
        // A store that supports reactions only: the in-memory store, narrowed.
        ChatStore reactionsOnly = (ChatStore) Proxy.newProxyInstance(ChatStore.class.getClassLoader(),
                new Class<?>[] {ChatStore.class}, (proxy, method, args) -> method.getName().equals("supportedExtensions")
                        ? Set.of(Extension.REACTIONS) : method.invoke(full, args));
        assertThat(ChatServer.offeredExtensions(unset, reactionsOnly))
                .as("calls and e2ee need no store support; the rest only what the store supports")
                .containsExactlyInAnyOrder(Extension.REACTIONS, Extension.CALLS, Extension.E2EE);
        ServerConfig none = ServerConfig.fromEnvironment(Map.of("EXTENSIONS", "none")).build();
        assertThat(ChatServer.offeredExtensions(none, new InMemoryChatStore())).isEmpty();
    }

    @Test
    void redisUrlWithoutASharedDatabaseIsRefused(@TempDir Path dataDir) {
        ServerConfig c = ServerConfig.fromEnvironment(Map.of("REDIS_URL", "redis://127.0.0.1:6379",
                "JWT_SECRET", "s".repeat(40), "DATA_DIR", dataDir.toString())).build();
        assertThatThrownBy(() -> ChatServer.start(c))
                .isInstanceOf(ChatServer.ConfigurationException.class)
                .hasMessageContaining("REDIS_URL")
                .hasMessageContaining("DATABASE_URL");
        assertThat(dataDir.resolve("db")).as("nothing was opened").doesNotExist();
    }

    @Test
    void redisSettingsAreRead() {
        ServerConfig c = ServerConfig.fromEnvironment(Map.of("REDIS_URL", "redis://cache:6379/2",
                "REDIS_KEY_PREFIX", "chat-eu", "REDIS_PRESENCE_TTL_SECONDS", "5")).build();
        assertThat(c.redisUrl()).isEqualTo("redis://cache:6379/2");
        assertThat(c.redisKeyPrefix()).isEqualTo("chat-eu");
        assertThat(c.redisPresenceTtl()).isEqualTo(java.time.Duration.ofSeconds(5));
        assertThat(ServerConfig.fromEnvironment(Map.of()).build().redisUrl()).isNull();
        assertThat(ServerConfig.fromEnvironment(Map.of()).build().redisPresenceTtl()).as("the module's default").isNull();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ServerConfig.fromEnvironment(
                Map.of("REDIS_PRESENCE_TTL_SECONDS", "0")).build()).hasMessageContaining("REDIS_PRESENCE_TTL_SECONDS");
    }

    @Test
    void postgresUrlsAsProvidersPrintThemBecomeJdbcUrls() {
        ServerConfig c = ServerConfig.builder().databaseUrl("postgres://chat:p%40ss@db.example:6543/chat?sslmode=require").build();
        Stores.Database db = Stores.database(c);
        assertThat(db.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example:6543/chat?sslmode=require");
        assertThat(db.user()).isEqualTo("chat");
        assertThat(db.password()).isEqualTo("p@ss");
        assertThat(Stores.describe(c)).doesNotContain("p%40ss").doesNotContain("sslmode");
        ServerConfig jdbc = ServerConfig.builder().databaseUrl("jdbc:postgresql://127.0.0.1:5432/test")
                .databaseUser("postgres").build();
        assertThat(Stores.database(jdbc)).isEqualTo(new Stores.Database("jdbc:postgresql://127.0.0.1:5432/test", "postgres", null));
        assertThat(List.of(Stores.embeddedDir(ServerConfig.builder().build()))).containsExactly(Path.of("data", "db"));
    }

    @Test
    void engineLimitsCanBeRaisedForLoadTests() {
        ServerConfig c = ServerConfig.fromEnvironment(Map.of("RATE_MESSAGES_PER_SECOND", "1000",
                "RATE_FRAMES_PER_SECOND", "3000", "MAX_CONNECTIONS_PER_USER", "50", "MAX_GROUP_SIZE", "600")).build();
        assertThat(c.engineConfig().messageRate().permits()).isEqualTo(1000);
        assertThat(c.engineConfig().messageRate().burst()).isEqualTo(2000);
        assertThat(c.engineConfig().frameRate().permits()).isEqualTo(3000);
        assertThat(c.engineConfig().maxConnectionsPerUser()).isEqualTo(50);
        assertThat(c.engineConfig().limits().maxGroupSize()).isEqualTo(600);
        assertThat(c.engineConfig().openRoomPrefix()).isNull();
        assertThat(ServerConfig.fromEnvironment(Map.of("OPEN_ROOM_PREFIX", "room-")).build()
                .engineConfig().openRoomPrefix()).isEqualTo("room-");
        // a prefix that a UUID could start with would open private conversations
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ServerConfig.fromEnvironment(
                Map.of("OPEN_ROOM_PREFIX", "ab-")).build()).isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ServerConfig.fromEnvironment(
                Map.of("RATE_MESSAGES_PER_SECOND", "0")).build()).isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ServerConfig.fromEnvironment(
                Map.of("MAX_GROUP_SIZE", "many")).build()).isInstanceOf(IllegalArgumentException.class);
    }
}
