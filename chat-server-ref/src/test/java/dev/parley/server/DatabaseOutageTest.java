package dev.parley.server;

import static dev.parley.server.WsClient.payload;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.parley.core.spi.ChatStore;
import dev.parley.core.testkit.TcpProxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The reference server on PostgreSQL behind a proxy the test breaks: requests that need the database
 * fail with {@code SERVER_ERROR} within the configured {@code DATABASE_TIMEOUT_SECONDS}, {@code /health}
 * answers 503, nothing unstored is acknowledged, and once the database is back the same server
 * (not restarted) stores again. The embedded database cannot be cut, so this needs PostgreSQL:
 * skipped when it is unreachable, failing when CI=true.
 */
class DatabaseOutageTest {
    private static final Duration DB_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration OUTAGE = Duration.ofSeconds(8);
    private static final Duration GENEROUS = Duration.ofSeconds(30);

    private String schema;
    private TcpProxy proxy;
    private TestServer server;

    @BeforeEach
    void startServerThroughAProxy() throws Exception {
        ClusterServerTest.requireReachable("PostgreSQL", 5432);
        schema = ClusterServerTest.createSchema();
        proxy = new TcpProxy(5432);
        server = TestServer.start((ChatStore) null, b -> b
                .databaseUrl("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/test?currentSchema=" + schema)
                .databaseUser("postgres").databaseTimeout(DB_TIMEOUT));
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (schema != null) {
            ClusterServerTest.dropSchema(schema);
        }
    }

    /** How the database goes away, and how it comes back. */
    enum Failure {
        /** Connections dropped and new ones refused, as when the database host is down. */
        REFUSED {
            @Override
            void breakIt(TcpProxy p) {
                p.stop();
            }

            @Override
            void repair(TcpProxy p) throws Exception {
                p.start();
            }
        },
        /** Connections stay open and nothing answers, as with a network partition. */
        SILENT {
            @Override
            void breakIt(TcpProxy p) {
                p.swallowUpstream(true);
                p.swallowDownstream(true);
            }

            @Override
            void repair(TcpProxy p) {
                // The swallowed bytes are gone, so the stalled connections cannot resume; a real
                // partition ends the same way once TCP gives up on them.
                p.cutAll();
                p.swallowUpstream(false);
                p.swallowDownstream(false);
            }
        };

        abstract void breakIt(TcpProxy p) throws Exception;

        abstract void repair(TcpProxy p) throws Exception;
    }

    @Test
    void aRefusedDatabaseFailsSendsPromptlyAndTheServerRecoversByItself() throws Exception {
        survives(Failure.REFUSED, "aRefusedDatabaseFailsSendsPromptlyAndTheServerRecoversByItself");
    }

    @Test
    void aSilentDatabaseFailsSendsWithinTheTimeoutAndTheServerRecoversByItself() throws Exception {
        survives(Failure.SILENT, "aSilentDatabaseFailsSendsWithinTheTimeoutAndTheServerRecoversByItself");
    }

    private void survives(Failure failure, String testName) throws Exception {
        WsClient alice = server.login("alice");
        WsClient bob = server.login("bob");
        String conv = directConversation(alice, "bob");
        bob.request("join_conversation", obj("conversationId", conv));
        List<String> acknowledged = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            acknowledged.add(sendAcknowledged(alice, conv, "before " + i));
        }
        assertThat(server.get("/health").statusCode()).isEqualTo(200);

        failure.breakIt(proxy);
        long down = System.nanoTime();
        AtomicLong unhealthyAfterMillis = new AtomicLong(-1);
        Thread healthWatch = new Thread(() -> {
            try {
                while (unhealthyAfterMillis.get() < 0 && System.nanoTime() - down < GENEROUS.toNanos()) {
                    if (server.get("/health").statusCode() == 503) {
                        unhealthyAfterMillis.set(millisSince(down));
                    }
                    Thread.sleep(50);
                }
            } catch (Exception e) {
                // the assertion below reports it
            }
        }, "health-watch");
        healthWatch.start();
        List<Long> errorMillis = new ArrayList<>();
        int i = 0;
        while (System.nanoTime() - down < OUTAGE.toNanos()) {
            long t = System.nanoTime();
            JsonObject answer = alice.request("send_message", obj("conversationId", conv, "content", "during " + i++));
            errorMillis.add(millisSince(t));
            assertThat(answer.get("type").getAsString()).as("a send while the database is down").isEqualTo("error");
            assertThat(payload(answer).get("code").getAsString()).isEqualTo("SERVER_ERROR");
        }
        healthWatch.join(GENEROUS.toMillis());
        assertThat(unhealthyAfterMillis.get()).as("/health answers 503 while the database is down").isNotNegative();
        assertThat(errorMillis).as("every failing send is answered within the timeout plus slack for a loaded machine")
                .allSatisfy(ms -> assertThat(ms).isLessThan(DB_TIMEOUT.toMillis() * 4 + 2_000));
        assertThat(alice.pending("message_sent")).isEmpty();
        long outageMillis = millisSince(down);

        failure.repair(proxy);
        long up = System.nanoTime();
        String firstAfter = null;
        int probes = 0;
        while (firstAfter == null) {
            assertThat(System.nanoTime() - up).as("sends work again without a restart").isLessThan(GENEROUS.toNanos());
            JsonObject answer = alice.request("send_message", obj("conversationId", conv, "content", "probe " + probes++));
            if ("message_sent".equals(answer.get("type").getAsString())) {
                firstAfter = payload(answer).getAsJsonObject("message").get("id").getAsString();
            } else {
                assertThat(payload(answer).get("code").getAsString()).isEqualTo("SERVER_ERROR");
                Thread.sleep(100);
            }
        }
        long recoverMillis = millisSince(up);
        acknowledged.add(firstAfter);
        while (server.get("/health").statusCode() != 200) {
            assertThat(System.nanoTime() - up).as("/health is 200 again").isLessThan(GENEROUS.toNanos());
            Thread.sleep(50);
        }
        long healthyAfterMillis = millisSince(up);
        for (int k = 0; k < 10; k++) {
            acknowledged.add(sendAcknowledged(alice, conv, "after " + k));
        }
        bob.await(f -> "message_received".equals(f.get("type").getAsString())
                && payload(f).getAsJsonObject("message").get("encrypted_content").getAsString().equals("after 9"),
                "the last message, delivered to bob");

        List<String> stored = storedMessageIds(conv);
        assertThat(stored).as("exactly the acknowledged messages are stored, each once")
                .containsExactlyInAnyOrderElementsOf(acknowledged);
        System.out.printf(Locale.ROOT, "DatabaseOutageTest: %s: database %s for %.1f s (timeout %d s): %d sends refused"
                        + " with SERVER_ERROR, each within %d to %d ms; /health 503 after %d ms; first send acknowledged"
                        + " %d ms after restore (%d probes), /health 200 after %d ms; %d acknowledged, %d stored,"
                        + " 0 lost, 0 duplicated%n",
                testName, failure.name().toLowerCase(Locale.ROOT), outageMillis / 1000.0, DB_TIMEOUT.toSeconds(),
                errorMillis.size(), errorMillis.stream().mapToLong(Long::longValue).min().orElse(0),
                errorMillis.stream().mapToLong(Long::longValue).max().orElse(0), unhealthyAfterMillis.get(), recoverMillis,
                probes, healthyAfterMillis, acknowledged.size(), stored.size());
        alice.close();
        bob.close();
    }

    private static String sendAcknowledged(WsClient client, String conv, String content) {
        JsonObject answer = client.request("send_message", obj("conversationId", conv, "content", content));
        assertThat(answer.get("type").getAsString()).as("answer to " + content + ": " + answer).isEqualTo("message_sent");
        return payload(answer).getAsJsonObject("message").get("id").getAsString();
    }

    private static String directConversation(WsClient creator, String other) {
        String conv = creator.createConversation("direct", null, other);
        creator.request("join_conversation", obj("conversationId", conv));
        return conv;
    }

    /** Reads the database directly, not through the proxy or the server. */
    private List<String> storedMessageIds(String conv) throws Exception {
        List<String> ids = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:5432/test?currentSchema=" + schema, "postgres", null);
             PreparedStatement st = c.prepareStatement("SELECT id FROM messages WHERE conversation_id = ?")) {
            st.setString(1, conv);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
        }
        return ids;
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    private static JsonObject obj(String... kv) {
        JsonObject o = new JsonObject();
        for (int i = 0; i < kv.length; i += 2) {
            o.addProperty(kv[i], kv[i + 1]);
        }
        return o;
    }
}
