package dev.parley.server;

import static dev.parley.server.WsClient.payload;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every base message type of the protocol, between real WebSocket clients and the server over loopback. */
class BaseMessagesTest {
    private TestServer server;
    private final List<WsClient> clients = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start();
    }

    @AfterEach
    void stop() throws Exception {
        for (WsClient c : clients) {
            c.close();
        }
        server.close();
    }

    private WsClient login(String user) throws InterruptedException {
        WsClient c = server.login(user);
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

    private static String type(JsonObject frame) {
        return frame.get("type").getAsString();
    }

    @Test
    void twoUsersChatInADirectConversation() throws Exception {
        WsClient alice = login("alice");
        WsClient bob = WsClient.connect(server.ws("/?token=" + TestServer.token("bob")));
        clients.add(bob);
        JsonObject bobAuth = bob.next("auth_success");
        assertThat(payload(bobAuth).getAsJsonObject("user").get("id").getAsString()).isEqualTo("bob");

        JsonObject none = alice.request("load_conversations", new JsonObject());
        assertThat(type(none)).isEqualTo("conversations_loaded");
        assertThat(payload(none).getAsJsonArray("conversations")).isEmpty();

        JsonObject created = alice.request("create_conversation", WsClient.conversationRequest("direct", null, "bob"));
        assertThat(type(created)).isEqualTo("conversation_created");
        assertThat(payload(created).get("created").getAsBoolean()).isTrue();
        String conv = payload(created).get("id").getAsString();
        JsonObject bobSees = bob.next("conversation_created");
        assertThat(payload(bobSees).get("id").getAsString()).isEqualTo(conv);
        assertThat(payload(bobSees).get("conversation_name").getAsString()).isEqualTo("alice");

        JsonObject joined = bob.request("join_conversation", obj("conversationId", conv));
        assertThat(type(joined)).isEqualTo("conversation_joined");
        assertThat(payload(joined).getAsJsonArray("onlineUserIds").toString()).contains("alice");

        JsonObject empty = bob.request("load_messages", obj("conversationId", conv));
        assertThat(type(empty)).isEqualTo("messages_loaded");
        assertThat(payload(empty).getAsJsonArray("messages")).isEmpty();
        assertThat(payload(empty).get("hasMore").getAsBoolean()).isFalse();

        JsonObject typing = alice.request("typing_start", obj("conversationId", conv));
        assertThat(type(typing)).isEqualTo("typing_start");
        JsonObject typingUpdate = bob.next("typing_update");
        assertThat(payload(typingUpdate).get("userId").getAsString()).isEqualTo("alice");
        assertThat(payload(typingUpdate).get("isTyping").getAsBoolean()).isTrue();

        JsonObject sent = alice.request("send_message", obj("conversationId", conv, "content", "Hi Bob! \"quoted\" \u00e9\ud83d\ude00"));
        assertThat(type(sent)).isEqualTo("message_sent");
        JsonObject m1 = payload(sent).getAsJsonObject("message");
        assertThat(m1.get("encrypted_content").getAsString()).isEqualTo("Hi Bob! \"quoted\" \u00e9\ud83d\ude00");
        assertThat(m1.get("seq").getAsLong()).isEqualTo(1);
        assertThat(payload(alice.next("message_received")).getAsJsonObject("message").get("id")).isEqualTo(m1.get("id"));
        assertThat(payload(bob.next("message_received")).getAsJsonObject("message").get("id")).isEqualTo(m1.get("id"));
        assertThat(payload(bob.next("typing_update")).get("isTyping").getAsBoolean()).isFalse();

        JsonObject reply = obj("conversationId", conv, "content", "Hello!");
        reply.addProperty("replyToId", m1.get("id").getAsString());
        JsonObject m2 = payload(bob.request("send_message", reply)).getAsJsonObject("message");
        assertThat(m2.getAsJsonObject("reply_to").get("id")).isEqualTo(m1.get("id"));
        alice.next("message_received");
        bob.next("message_received");
        alice.request("send_message", obj("conversationId", conv, "content", "Lunch at 12?"));
        bob.next("message_received");

        JsonObject page = obj("conversationId", conv);
        page.addProperty("limit", 2);
        JsonObject newest = bob.request("load_messages", page);
        JsonArray newestMessages = payload(newest).getAsJsonArray("messages");
        assertThat(newestMessages).hasSize(2);
        assertThat(payload(newest).get("hasMore").getAsBoolean()).isTrue();
        JsonObject more = obj("conversationId", conv, "beforeMessageId",
                newestMessages.get(0).getAsJsonObject().get("id").getAsString());
        more.addProperty("limit", 2);
        JsonObject older = bob.request("load_more_messages", more);
        assertThat(type(older)).isEqualTo("messages_loaded");
        assertThat(payload(older).getAsJsonArray("messages")).hasSize(1);
        assertThat(payload(older).get("hasMore").getAsBoolean()).isFalse();

        assertThat(type(alice.request("typing_stop", obj("conversationId", conv)))).isEqualTo("typing_stop");
        JsonObject pong = alice.request("ping", new JsonObject());
        assertThat(type(pong)).isEqualTo("pong");

        JsonObject list = alice.request("load_conversations", new JsonObject());
        JsonObject c = payload(list).getAsJsonArray("conversations").get(0).getAsJsonObject();
        assertThat(c.get("conversation_id").getAsString()).isEqualTo(conv);
        assertThat(c.get("latest_message_content").getAsString()).isEqualTo("Lunch at 12?");

        assertThat(type(bob.request("leave_conversation", obj("conversationId", conv)))).isEqualTo("conversation_left");
        bob.request("join_conversation", obj("conversationId", conv));

        alice.close();
        JsonObject offline = bob.next("user_offline");
        assertThat(payload(offline).get("userId").getAsString()).isEqualTo("alice");
        assertThat(payload(offline).get("conversationId").getAsString()).isEqualTo(conv);
        login("alice");
        assertThat(payload(bob.next("user_online")).get("userId").getAsString()).isEqualTo("alice");
    }

    @Test
    void threeUsersShareAGroup() throws Exception {
        WsClient alice = login("alice");
        WsClient bob = login("bob");
        WsClient carol = login("carol");
        JsonObject created = alice.request("create_conversation",
                WsClient.conversationRequest("group", "Trio", "bob", "carol"));
        String conv = payload(created).get("id").getAsString();
        assertThat(payload(created).get("participant_count").getAsInt()).isEqualTo(3);
        assertThat(payload(bob.next("conversation_created")).get("name").getAsString()).isEqualTo("Trio");
        assertThat(payload(carol.next("conversation_created")).get("name").getAsString()).isEqualTo("Trio");
        bob.request("join_conversation", obj("conversationId", conv));
        carol.request("join_conversation", obj("conversationId", conv));

        bob.request("typing_start", obj("conversationId", conv));
        assertThat(payload(alice.next("typing_update")).get("userId").getAsString()).isEqualTo("bob");
        assertThat(payload(carol.next("typing_update")).get("userId").getAsString()).isEqualTo("bob");

        JsonObject sent = carol.request("send_message", obj("conversationId", conv, "content", "hello both"));
        String id = payload(sent).getAsJsonObject("message").get("id").getAsString();
        for (WsClient c : List.of(alice, bob, carol)) {
            assertThat(payload(c.next("message_received")).getAsJsonObject("message").get("id").getAsString()).isEqualTo(id);
        }
        assertThat(bob.pending("typing_update")).isEmpty();

        carol.close();
        assertThat(payload(alice.next("user_offline")).get("userId").getAsString()).isEqualTo("carol");
        assertThat(payload(bob.next("user_offline")).get("userId").getAsString()).isEqualTo("carol");
    }

    @Test
    void badFramesGetProtocolErrorsAndTheConnectionStays() throws Exception {
        WsClient alice = login("alice");
        alice.raw().send("{not json");
        JsonObject invalid = alice.next("error");
        assertThat(payload(invalid).get("code").getAsString()).isEqualTo("INVALID_MESSAGE");

        alice.raw().send(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        assertThat(payload(alice.next("error")).get("code").getAsString()).isEqualTo("INVALID_MESSAGE");

        JsonObject unknown = alice.request("create_group", new JsonObject());
        assertThat(payload(unknown).get("code").getAsString()).isEqualTo("UNKNOWN_MESSAGE_TYPE");

        JsonObject denied = alice.request("join_conversation", obj("conversationId", "no-such-conversation"));
        assertThat(payload(denied).get("code").getAsString()).isEqualTo("ACCESS_DENIED");
        assertThat(alice.isOpen()).isTrue();
    }

    @Test
    void requestsBeforeAuthAreUnauthorized() throws Exception {
        WsClient anon = WsClient.connect(server.ws("/"));
        clients.add(anon);
        JsonObject answer = anon.request("load_conversations", new JsonObject());
        assertThat(type(answer)).isEqualTo("error");
        assertThat(payload(answer).get("code").getAsString()).isEqualTo("UNAUTHORIZED");
        assertThat(type(anon.request("ping", new JsonObject()))).isEqualTo("pong");
    }
}
