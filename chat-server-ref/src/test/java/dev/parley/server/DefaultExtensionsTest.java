package dev.parley.server;

import static dev.parley.server.WsClient.payload;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Without EXTENSIONS the server offers every extension its store supports; legacy clients still see none of them. */
class DefaultExtensionsTest {
    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static JsonObject obj(String... kv) {
        JsonObject o = new JsonObject();
        for (int i = 0; i < kv.length; i += 2) {
            o.addProperty(kv[i], kv[i + 1]);
        }
        return o;
    }

    private WsClient loginWith(String user, List<String> extensions) throws InterruptedException {
        WsClient c = WsClient.connect(server.ws("/ws"));
        JsonObject p = obj("token", TestServer.token(user));
        JsonArray wanted = new JsonArray();
        extensions.forEach(wanted::add);
        p.add("extensions", wanted);
        JsonObject ok = c.request("auth", p);
        assertThat(ok.get("type").getAsString()).isEqualTo("auth_success");
        assertThat(payload(ok).getAsJsonArray("extensions").toString())
                .as("everything asked for is offered by default")
                .contains(extensions.stream().map(e -> "\"" + e + "\"").toList());
        return c;
    }

    @Test
    void everyExtensionIsOfferedAndLegacyClientsSeeNoExtensionEvents() throws Exception {
        server = TestServer.start();
        assertThat(server.server.engine().config().extensions()).isNotEmpty();
        assertThat(server.dataDir.resolve("files")).as("the files extension stores blobs under DATA_DIR").isDirectory();

        WsClient alice = loginWith("alice", List.of("reactions", "edits", "threads", "receipts", "search", "resume",
                "presence", "keys", "files", "calls", "e2ee"));
        WsClient legacyBob = server.login("bob");
        String conv = alice.createConversation(null, null, "bob");
        alice.request("join_conversation", obj("conversationId", conv));
        legacyBob.request("join_conversation", obj("conversationId", conv));

        String m = payload(alice.request("send_message", obj("conversationId", conv, "content", "hello")))
                .getAsJsonObject("message").get("id").getAsString();
        legacyBob.next("message_received");
        alice.next("message_received");
        JsonObject reacted = alice.request("add_reaction", obj("conversationId", conv, "messageId", m, "emoji", "+1"));
        assertThat(reacted.get("type").getAsString()).isNotEqualTo("error");

        alice.request("send_message", obj("conversationId", conv, "content", "after the reaction"));
        assertThat(payload(legacyBob.next("message_received")).getAsJsonObject("message").get("encrypted_content")
                .getAsString()).isEqualTo("after the reaction");
        assertThat(legacyBob.pending("reaction_updated")).as("a legacy client never sees extension events").isEmpty();
        legacyBob.close();
        alice.close();
    }

    @Test
    void noneKeepsTheLegacyProtocolOnly() throws Exception {
        server = TestServer.start(b -> b.extensions(ServerConfig.parseExtensions("none")));
        assertThat(server.server.engine().config().extensions()).isEmpty();
        try (WsClient c = WsClient.connect(server.ws("/ws"))) {
            JsonObject p = obj("token", TestServer.token("alice"));
            JsonArray wanted = new JsonArray();
            wanted.add("reactions");
            p.add("extensions", wanted);
            JsonObject ok = c.request("auth", p);
            assertThat(ok.get("type").getAsString()).isEqualTo("auth_success");
            JsonArray granted = payload(ok).getAsJsonArray("extensions");
            assertThat(granted == null || granted.isEmpty()).as("nothing granted: %s", ok).isTrue();
        }
    }
}
