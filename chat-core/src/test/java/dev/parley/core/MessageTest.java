package dev.parley.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MessageTest extends EngineHarness {

    private String conv;
    private Client alice;
    private Client bob;

    private void setUp() {
        alice = login("alice");
        bob = login("bob");
        conv = createConversation(alice, "direct", "bob");
        bob.next("conversation_created");
        bob.call("join_conversation", "{\"conversationId\":\"" + conv + "\"}");
    }

    @Test
    void sendIsAcknowledgedThenBroadcastToEveryJoinedConnectionIncludingTheSender() {
        setUp();
        Client bobPhone = login("bob");
        String id = alice.send("send_message", "{\"conversationId\":\"" + conv
                + "\",\"content\":\"Hi Bob!\",\"messageType\":\"text\",\"clientMessageId\":\"cm-1\"}");
        JsonObject sent = alice.transport.next();
        assertThat(sent.get("type").getAsString()).isEqualTo("message_sent");
        assertThat(sent.get("requestId").getAsString()).isEqualTo(id);
        JsonObject m = payload(sent).getAsJsonObject("message");
        assertThat(m.get("encrypted_content").getAsString()).isEqualTo("Hi Bob!");
        assertThat(m.get("seq").getAsLong()).isEqualTo(1);
        assertThat(m.get("sender_id").getAsString()).isEqualTo("alice");
        assertThat(m.getAsJsonObject("sender").get("display_name").getAsString()).isEqualTo("Alice");
        assertThat(m.get("client_message_id").getAsString()).isEqualTo("cm-1");
        assertThat(m.get("reply_to").isJsonNull()).isTrue();
        assertThat(payload(sent).has("duplicate")).isFalse();

        JsonObject own = alice.transport.next();
        assertThat(own.get("type").getAsString()).isEqualTo("message_received");
        assertThat(own.get("requestId").getAsString()).isNotEqualTo(id).isNotEmpty();
        JsonObject received = bob.next("message_received");
        assertThat(payload(received).getAsJsonObject("message").get("id").getAsString()).isEqualTo(m.get("id").getAsString());
        bobPhone.transport.expectNothing(Duration.ofMillis(200)); // not joined
    }

    @Test
    void repeatedClientMessageIdReturnsTheOriginalAndBroadcastsNothing() {
        setUp();
        JsonObject first = alice.call("send_message", "{\"conversationId\":\"" + conv + "\",\"content\":\"a\",\"clientMessageId\":\"k1\"}");
        bob.next("message_received");
        JsonObject again = alice.call("send_message", "{\"conversationId\":\"" + conv + "\",\"content\":\"b\",\"clientMessageId\":\"k1\"}");
        assertThat(payload(again).get("duplicate").getAsBoolean()).isTrue();
        assertThat(payload(again).getAsJsonObject("message").get("id").getAsString())
                .isEqualTo(payload(first).getAsJsonObject("message").get("id").getAsString());
        assertThat(payload(again).getAsJsonObject("message").get("encrypted_content").getAsString()).isEqualTo("a");
        bob.transport.expectNothing(Duration.ofMillis(200));
    }

    @Test
    void repliesCarryAPreviewAndUnknownRepliesAreNotFound() {
        setUp();
        String m1 = payload(alice.call("send_message", "{\"conversationId\":\"" + conv + "\",\"content\":\"Hi\"}"))
                .getAsJsonObject("message").get("id").getAsString();
        JsonObject reply = payload(bob.call("send_message",
                "{\"conversationId\":\"" + conv + "\",\"content\":\"Hello\",\"replyToId\":\"" + m1 + "\"}"))
                .getAsJsonObject("message");
        assertThat(reply.get("reply_to_id").getAsString()).isEqualTo(m1);
        assertThat(reply.getAsJsonObject("reply_to").get("encrypted_content").getAsString()).isEqualTo("Hi");
        JsonObject nf = bob.callError("send_message",
                "{\"conversationId\":\"" + conv + "\",\"content\":\"x\",\"replyToId\":\"nope\"}", "NOT_FOUND");
        assertThat(nf.getAsJsonObject("details").get("resource").getAsString()).isEqualTo("message");
    }

    @Test
    void sendValidationErrors() {
        setUp();
        alice.callError("send_message", "{\"content\":\"x\"}", "MISSING_REQUIRED_FIELDS");
        alice.callError("send_message", "{\"conversationId\":\"" + conv + "\"}", "MISSING_REQUIRED_FIELDS");
        alice.callError("send_message", "{\"conversationId\":\"" + conv + "\",\"content\":\"\"}", "MISSING_REQUIRED_FIELDS");
        alice.callError("send_message", "{\"conversationId\":\"" + conv + "\",\"content\":\"x\",\"messageType\":\"system\"}",
                "INVALID_DATA");
        alice.callError("send_message", "{\"conversationId\":\"" + conv + "\",\"content\":5}", "INVALID_DATA");
        JsonObject big = alice.callError("send_message",
                "{\"conversationId\":\"" + conv + "\",\"content\":\"" + "x".repeat(65537) + "\"}", "PAYLOAD_TOO_LARGE");
        assertThat(big.getAsJsonObject("details").get("maxBytes").getAsLong()).isEqualTo(65536);
        JsonObject unknownRecipient = alice.callError("send_message",
                "{\"conversationId\":\"" + conv + "\",\"encryptedContents\":{\"eve\":\"c\"}}", "INVALID_DATA");
        assertThat(unknownRecipient.getAsJsonObject("details").getAsJsonArray("unknownUserIds").get(0).getAsString())
                .isEqualTo("eve");
        bob.transport.expectNothing(Duration.ofMillis(200));
    }

    @Test
    void perRecipientBodiesReachOnlyTheirOwner() {
        setUp();
        login("carol");
        Client a = alice;
        String group = createConversation(a, "group", "bob", "carol");
        Client carol = login("carol");
        bob.call("join_conversation", "{\"conversationId\":\"" + group + "\"}");
        carol.call("join_conversation", "{\"conversationId\":\"" + group + "\"}");
        JsonObject sent = a.call("send_message", "{\"conversationId\":\"" + group
                + "\",\"encryptedContents\":{\"alice\":\"for-alice\",\"bob\":\"for-bob\"}}");
        assertThat(payload(sent).getAsJsonObject("message").get("encrypted_content").getAsString()).isEqualTo("for-alice");
        assertThat(payload(bob.next("message_received")).getAsJsonObject("message").get("encrypted_content").getAsString())
                .isEqualTo("for-bob");
        assertThat(payload(carol.next("message_received")).getAsJsonObject("message").get("encrypted_content").isJsonNull())
                .isTrue();
        JsonArray page = payload(bob.call("load_messages", "{\"conversationId\":\"" + group + "\"}")).getAsJsonArray("messages");
        assertThat(page.get(0).getAsJsonObject().get("encrypted_content").getAsString()).isEqualTo("for-bob");
    }

    @Test
    void pagesAreNewestFirstPageOldestFirstWithExactHasMore() {
        setUp();
        String[] ids = new String[5];
        for (int i = 0; i < 5; i++) {
            ids[i] = payload(alice.call("send_message", "{\"conversationId\":\"" + conv + "\",\"content\":\"m" + i + "\"}"))
                    .getAsJsonObject("message").get("id").getAsString();
        }
        JsonObject page = payload(bob.call("load_messages", "{\"conversationId\":\"" + conv + "\",\"limit\":2}"));
        assertThat(page.get("hasMore").getAsBoolean()).isTrue();
        JsonArray msgs = page.getAsJsonArray("messages");
        assertThat(msgs.get(0).getAsJsonObject().get("id").getAsString()).isEqualTo(ids[3]);
        assertThat(msgs.get(1).getAsJsonObject().get("id").getAsString()).isEqualTo(ids[4]);

        JsonObject more = payload(bob.call("load_more_messages",
                "{\"conversationId\":\"" + conv + "\",\"beforeMessageId\":\"" + ids[3] + "\",\"limit\":2}"));
        assertThat(more.getAsJsonArray("messages").get(0).getAsJsonObject().get("seq").getAsLong()).isEqualTo(2);
        assertThat(more.get("hasMore").getAsBoolean()).isTrue();
        JsonObject last = payload(bob.call("load_more_messages",
                "{\"conversationId\":\"" + conv + "\",\"beforeMessageId\":\"" + ids[1] + "\",\"limit\":2}"));
        assertThat(last.getAsJsonArray("messages")).hasSize(1);
        assertThat(last.get("hasMore").getAsBoolean()).isFalse();

        JsonObject all = payload(bob.call("load_messages", "{\"conversationId\":\"" + conv + "\",\"limit\":5}"));
        assertThat(all.get("hasMore").getAsBoolean()).isFalse();
        JsonObject clamped = payload(bob.call("load_messages", "{\"conversationId\":\"" + conv + "\",\"limit\":500}"));
        assertThat(clamped.getAsJsonArray("messages")).hasSize(5);
        bob.callError("load_messages", "{\"conversationId\":\"" + conv + "\",\"limit\":0}", "INVALID_DATA");
    }

    @Test
    void cursorMustBelongToTheSameConversation() {
        setUp();
        login("carol");
        String other = createConversation(alice, "direct", "carol");
        String foreign = payload(alice.call("send_message", "{\"conversationId\":\"" + other + "\",\"content\":\"x\"}"))
                .getAsJsonObject("message").get("id").getAsString();
        bob.callError("load_more_messages", "{\"conversationId\":\"" + conv + "\",\"beforeMessageId\":\"" + foreign + "\"}",
                "NOT_FOUND");
        bob.callError("load_more_messages", "{\"conversationId\":\"" + conv + "\"}", "MISSING_REQUIRED_FIELDS");
    }

    @Test
    void aServerMayRequireACopyForEveryParticipant() {
        useConfig(EngineConfig.builder().requireCopyForEveryParticipant(true).build());
        Client a = login("alice");
        login("bob");
        String c = createConversation(a, "direct", "bob");
        JsonObject err = a.callError("send_message", "{\"conversationId\":\"" + c + "\",\"encryptedContents\":{\"alice\":\"x\"}}",
                "INVALID_DATA");
        assertThat(err.getAsJsonObject("details").getAsJsonArray("missingUserIds").get(0).getAsString()).isEqualTo("bob");
        assertThat(a.call("send_message", "{\"conversationId\":\"" + c + "\",\"encryptedContents\":{\"alice\":\"x\",\"bob\":\"y\"}}")
                .get("type").getAsString()).isEqualTo("message_sent");
    }
}
