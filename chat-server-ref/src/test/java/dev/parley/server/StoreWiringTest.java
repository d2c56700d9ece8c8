package dev.parley.server;

import static dev.parley.server.WsClient.payload;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.parley.core.spi.ChatStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server opens the durable store its configuration names: the embedded default, or PostgreSQL
 * (in a throw-away schema of the test database; skipped when it is unreachable, failing when CI=true).
 */
class StoreWiringTest {

    private static TestServer startWithout(UnaryOperator<ServerConfig.Builder> customize) throws Exception {
        return TestServer.start((ChatStore) null, customize);
    }

    /** Alice writes to Bob; returns the conversation id. */
    private static String converse(TestServer server, String alice, String bob, String text) throws Exception {
        try (WsClient a = server.login(alice); WsClient b = server.login(bob)) {
            assertThat(b.isOpen()).as("%s has signed in once, so the store knows the user", bob).isTrue();
            String conv = a.createConversation(null, null, bob);
            JsonObject send = new JsonObject();
            send.addProperty("conversationId", conv);
            send.addProperty("content", text);
            assertThat(a.request("send_message", send).get("type").getAsString()).isEqualTo("message_sent");
            return conv;
        }
    }

    private static JsonArray history(TestServer server, String user, String conv) throws Exception {
        try (WsClient c = server.login(user)) {
            JsonObject load = new JsonObject();
            load.addProperty("conversationId", conv);
            return payload(c.request("load_messages", load)).getAsJsonArray("messages");
        }
    }

    @Test
    void theEmbeddedDefaultKeepsMessagesAcrossRestarts(@TempDir Path dataDir) throws Exception {
        String conv;
        try (TestServer first = startWithout(b -> b.dataDir(dataDir))) {
            conv = converse(first, "alice", "bob", "still here after a restart");
        }
        try (TestServer second = startWithout(b -> b.dataDir(dataDir))) {
            JsonArray messages = history(second, "bob", conv);
            assertThat(messages).hasSize(1);
            assertThat(messages.get(0).getAsJsonObject().get("encrypted_content").getAsString())
                    .isEqualTo("still here after a restart");
            assertThat(second.get("/health").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void databaseUrlSelectsPostgresql() throws Exception {
        boolean reachable;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", 5432), 1000);
            reachable = true;
        } catch (IOException e) {
            reachable = false;
        }
        if (!reachable && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("PostgreSQL is not reachable on 127.0.0.1:5432 and CI=true");
        }
        assumeTrue(reachable, "PostgreSQL is not reachable on 127.0.0.1:5432: skipping");
        String schema = "parley_server_test_" + UUID.randomUUID().toString().replace("-", "");
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/test", "postgres", null);
             Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA " + schema);
        }
        try {
            String conv;
            try (TestServer first = startWithout(b -> b.databaseUrl(
                    "jdbc:postgresql://127.0.0.1:5432/test?currentSchema=" + schema).databaseUser("postgres"))) {
                conv = converse(first, "alice", "bob", "stored in PostgreSQL");
            }
            try (TestServer second = startWithout(b -> b.databaseUrl(
                    "postgres://postgres@127.0.0.1:5432/test?currentSchema=" + schema))) {
                JsonArray messages = history(second, "bob", conv);
                assertThat(messages).hasSize(1);
                assertThat(messages.get(0).getAsJsonObject().get("encrypted_content").getAsString())
                        .isEqualTo("stored in PostgreSQL");
            }
        } finally {
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/test", "postgres", null);
                 Statement st = c.createStatement()) {
                st.execute("DROP SCHEMA " + schema + " CASCADE");
            }
        }
    }
}
