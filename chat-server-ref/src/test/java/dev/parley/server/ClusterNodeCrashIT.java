package dev.parley.server;

import static dev.parley.server.WsClient.payload;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.parley.core.spi.ChatStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster node dies mid-conversation ({@code kill -9}): node 1 is the packaged jar in a child
 * process, node 2 a {@link ChatServer} in this JVM, both on one PostgreSQL schema and one Redis key
 * prefix, with a short {@code REDIS_PRESENCE_TTL_SECONDS}. Users on both nodes chat, type and see
 * each other online; after the child is killed, the users left on node 2 are told that node 1's
 * users went offline within the presence TTL, except a user who is still connected to node 2.
 * Skipped when PostgreSQL or Redis is unreachable, failing when CI=true.
 */
class ClusterNodeCrashIT {
    private static final String POSTGRES = "jdbc:postgresql://127.0.0.1:5432/test";
    private static final String REDIS = "redis://127.0.0.1:6379";
    private static final Duration PRESENCE_TTL = Duration.ofSeconds(3);
    /** The heartbeat expires at most one TTL after the kill; the survivors sweep every second; the rest is a loaded machine's slack. */
    private static final Duration OFFLINE_WITHIN = PRESENCE_TTL.plusSeconds(1).plusSeconds(4);

    @TempDir
    Path work;
    private String schema;
    private String prefix;
    private ServerProcess node1;
    private TestServer node2;
    private final List<WsClient> clients = new ArrayList<>();

    @BeforeEach
    void startTwoNodes() throws Exception {
        ServerProcess.jar();
        ClusterServerTest.requireReachable("PostgreSQL", 5432);
        ClusterServerTest.requireReachable("Redis", 6379);
        schema = ClusterServerTest.createSchema();
        prefix = "parley-crash-it-" + UUID.randomUUID();
        String databaseUrl = POSTGRES + "?currentSchema=" + schema;

        node1 = ServerProcess.startServer("cluster-node1", work, Map.of("REDIS_URL", REDIS, "REDIS_KEY_PREFIX", prefix,
                "REDIS_PRESENCE_TTL_SECONDS", String.valueOf(PRESENCE_TTL.toSeconds()),
                "DATABASE_URL", databaseUrl, "DATABASE_USER", "postgres",
                "JWT_SECRET", TestServer.SECRET, "JWT_AUDIENCE", TestServer.AUDIENCE,
                "LOG_FILE", work.resolve("node1.log").toString()), ServerProcess.freePort());
        assertThat(node1.awaitHealth().statusCode()).as(node1.output()).isEqualTo(200);
        assertThat(node1.output()).contains("presence TTL " + PRESENCE_TTL.toSeconds() + " s");

        node2 = TestServer.start((ChatStore) null, b -> b.databaseUrl(databaseUrl).databaseUser("postgres")
                .redisUrl(REDIS).redisKeyPrefix(prefix).redisPresenceTtl(PRESENCE_TTL));
    }

    @AfterEach
    void stopEverything() throws Exception {
        clients.forEach(WsClient::close);
        if (node1 != null) {
            node1.close();
        }
        if (node2 != null) {
            node2.close();
        }
        if (prefix != null) {
            ClusterServerTest.deleteRedisKeys(prefix);
        }
        if (schema != null) {
            ClusterServerTest.dropSchema(schema);
        }
    }

    @Test
    void whenANodeIsKilledItsUsersGoOfflineOnTheOtherNodeWithinThePresenceTtl() throws Exception {
        WsClient alice = onNode1("alice");
        WsClient carolOn1 = onNode1("carol");
        WsClient bob = onNode2("bob");
        WsClient carolOn2 = onNode2("carol");

        String conv = alice.createConversation("group", "crash test", "bob", "carol");
        for (WsClient c : List.of(alice, carolOn1, bob, carolOn2)) {
            assertThat(c.request("join_conversation", obj("conversationId", conv)).get("type").getAsString())
                    .isEqualTo("conversation_joined");
        }
        JsonObject joined = payload(bob.request("join_conversation", obj("conversationId", conv)));
        assertThat(joined.getAsJsonArray("onlineUserIds").toString()).as("node 1's users, seen from node 2")
                .contains("alice").contains("carol");

        alice.request("send_message", obj("conversationId", conv, "content", "from node 1"));
        assertThat(payload(bob.next("message_received")).getAsJsonObject("message").get("encrypted_content")
                .getAsString()).isEqualTo("from node 1");
        alice.next("message_received");
        bob.request("send_message", obj("conversationId", conv, "content", "from node 2"));
        assertThat(payload(alice.next("message_received")).getAsJsonObject("message").get("encrypted_content")
                .getAsString()).isEqualTo("from node 2");
        alice.request("typing_start", obj("conversationId", conv));
        JsonObject typing = payload(bob.next("typing_update"));
        assertThat(typing.get("userId").getAsString()).isEqualTo("alice");
        assertThat(typing.get("isTyping").getAsBoolean()).isTrue();
        bob.request("ping", new JsonObject());
        assertThat(bob.pending("user_offline")).isEmpty();

        long killedAt = System.nanoTime();
        node1.kill();

        JsonObject offline = payload(bob.next("user_offline"));
        Duration took = Duration.ofNanos(System.nanoTime() - killedAt);
        assertThat(offline.get("userId").getAsString()).as("carol is still connected to node 2").isEqualTo("alice");
        assertThat(took).as("user_offline for alice came after %s", took).isLessThanOrEqualTo(OFFLINE_WITHIN);
        assertThat(payload(carolOn2.next("user_offline")).get("userId").getAsString()).isEqualTo("alice");

        JsonObject rejoined = payload(bob.request("join_conversation", obj("conversationId", conv)));
        assertThat(rejoined.getAsJsonArray("onlineUserIds").toString()).contains("carol").doesNotContain("alice");
        assertThat(bob.pending("user_offline")).as("carol is never announced offline while on node 2").isEmpty();

        carolOn2.close();
        assertThat(payload(bob.next("user_offline")).get("userId").getAsString())
                .as("carol goes offline when her last connection, on node 2, closes").isEqualTo("carol");
        JsonObject history = payload(bob.request("load_messages", obj("conversationId", conv)));
        assertThat(history.getAsJsonArray("messages")).as("what node 1 stored survives it").hasSize(2);
    }

    private WsClient onNode1(String user) throws InterruptedException {
        WsClient c = WsClient.connect(node1.ws("/ws?token=" + TestServer.token(user)));
        clients.add(c);
        assertThat(c.next("auth_success")).isNotNull();
        return c;
    }

    private WsClient onNode2(String user) throws InterruptedException {
        WsClient c = node2.login(user);
        clients.add(c);
        return c;
    }

    private static JsonObject obj(String... kv) {
        JsonObject o = new JsonObject();
        for (int i = 0; i < kv.length; i += 2) {
            o.addProperty(kv[i], kv[i + 1]);
        }
        return o;
    }
}
