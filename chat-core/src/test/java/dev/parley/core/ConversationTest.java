package dev.parley.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConversationTest extends EngineHarness {

    @Test
    void directConversationIsCreatedOnceAndAnnouncedToTheOtherUser() {
        Client alice = login("alice");
        Client bob = login("bob");
        JsonObject created = alice.call("create_conversation", "{\"type\":\"direct\",\"participant_ids\":[\"bob\"]}");
        JsonObject p = payload(created);
        assertThat(p.get("created").getAsBoolean()).isTrue();
        assertThat(p.get("name").getAsString()).isEqualTo("Bob");
        assertThat(p.get("conversation_name").getAsString()).isEqualTo("Bob");
        assertThat(p.get("conversation_type").getAsString()).isEqualTo("direct");
        assertThat(p.getAsJsonObject("conversation").get("id").getAsString()).isEqualTo(p.get("id").getAsString());
        JsonArray parts = p.getAsJsonArray("participants");
        assertThat(parts).hasSize(2);
        assertThat(parts.get(0).getAsJsonObject().get("user_id").getAsString()).isEqualTo("alice");
        assertThat(parts.get(0).getAsJsonObject().get("role").getAsString()).isEqualTo("admin");
        assertThat(parts.get(1).getAsJsonObject().get("role").getAsString()).isEqualTo("member");

        JsonObject event = bob.next("conversation_created");
        assertThat(payload(event).get("name").getAsString()).isEqualTo("Alice");
        assertThat(payload(event).get("created").getAsBoolean()).isTrue();

        JsonObject again = bob.call("create_conversation", "{\"participant_ids\":[\"alice\"]}");
        assertThat(payload(again).get("id").getAsString()).isEqualTo(p.get("id").getAsString());
        assertThat(payload(again).get("created").getAsBoolean()).isFalse();
        alice.transport.expectNothing(Duration.ofMillis(200));
    }

    @Test
    void legacyFieldNamesAreAccepted() {
        Client alice = login("alice");
        login("bob");
        login("carol");
        JsonObject r = alice.call("create_conversation", "{\"participantIds\":[\"bob\",\"carol\"],\"isGroup\":true}");
        assertThat(payload(r).get("type").getAsString()).isEqualTo("group");
        assertThat(payload(r).get("participant_count").getAsInt()).isEqualTo(3);
    }

    @Test
    void createRulesGiveTheirErrors() {
        Client alice = login("alice");
        login("bob");
        login("carol");
        alice.callError("create_conversation", "{\"type\":\"direct\",\"participant_ids\":[\"bob\",\"carol\"]}",
                "INVALID_DATA");
        alice.callError("create_conversation", "{\"participant_ids\":[\"alice\"]}", "INVALID_DATA");
        alice.callError("create_conversation", "{\"participant_ids\":[]}", "MISSING_REQUIRED_FIELDS");
        alice.callError("create_conversation", "{\"type\":\"channel\",\"participant_ids\":[\"bob\"]}", "INVALID_DATA");
        JsonObject nf = alice.callError("create_conversation", "{\"type\":\"group\",\"participant_ids\":[\"bob\",\"ghost\"]}",
                "NOT_FOUND");
        assertThat(nf.getAsJsonObject("details").get("resource").getAsString()).isEqualTo("user");
        assertThat(nf.getAsJsonObject("details").getAsJsonArray("ids").get(0).getAsString()).isEqualTo("ghost");
        alice.callError("create_conversation",
                "{\"type\":\"group\",\"participant_ids\":[\"bob\"],\"name\":\"" + "x".repeat(101) + "\"}",
                "PAYLOAD_TOO_LARGE");
    }

    @Test
    void groupTypeIsInferredFromNameOrCount() {
        Client alice = login("alice");
        login("bob");
        login("carol");
        assertThat(payload(alice.call("create_conversation", "{\"participant_ids\":[\"bob\"],\"name\":\"Duo\"}"))
                .get("type").getAsString()).isEqualTo("group");
        assertThat(payload(alice.call("create_conversation", "{\"participant_ids\":[\"bob\",\"carol\"]}"))
                .get("type").getAsString()).isEqualTo("group");
    }

    @Test
    void nonParticipantCannotJoinAndCannotTellUnknownFromForbidden() {
        Client alice = login("alice");
        login("bob");
        Client eve = login("eve");
        String id = createConversation(alice, "direct", "bob");
        JsonObject denied = eve.callError("join_conversation", "{\"conversationId\":\"" + id + "\"}", "ACCESS_DENIED");
        JsonObject unknown = eve.callError("join_conversation", "{\"conversationId\":\"no-such-id\"}", "ACCESS_DENIED");
        assertThat(denied.get("error").getAsString()).isEqualTo(unknown.get("error").getAsString());
        eve.callError("load_messages", "{\"conversationId\":\"" + id + "\"}", "ACCESS_DENIED");
        eve.callError("send_message", "{\"conversationId\":\"" + id + "\",\"content\":\"hi\"}", "ACCESS_DENIED");
        eve.callError("typing_start", "{\"conversationId\":\"" + id + "\"}", "ACCESS_DENIED");
        eve.callError("join_conversation", "{}", "MISSING_REQUIRED_FIELDS");
    }

    @Test
    void joinAnswersWithConversationOnlineAndTypingUsers() {
        Client alice = login("alice");
        Client bob = login("bob");
        String id = createConversation(alice, "direct", "bob");
        alice.call("typing_start", "{\"conversationId\":\"" + id + "\"}");
        JsonObject joined = bob.call("join_conversation", "{\"conversationId\":\"" + id + "\"}");
        assertThat(joined.get("type").getAsString()).isEqualTo("conversation_joined");
        JsonObject p = payload(joined);
        assertThat(p.get("conversationId").getAsString()).isEqualTo(id);
        assertThat(p.getAsJsonObject("conversation").get("conversation_name").getAsString()).isEqualTo("Alice");
        assertThat(p.getAsJsonArray("onlineUserIds").toString()).isEqualTo("[\"alice\"]");
        assertThat(p.getAsJsonArray("typingUserIds").toString()).isEqualTo("[\"alice\"]");
        assertThat(bob.call("join_conversation", "{\"conversationId\":\"" + id + "\"}").get("type").getAsString())
                .isEqualTo("conversation_joined");
    }

    @Test
    void leaveIsAlwaysAnsweredAndStopsEvents() {
        Client alice = login("alice");
        Client bob = login("bob");
        String id = createConversation(alice, "direct", "bob");
        bob.next("conversation_created");
        bob.call("join_conversation", "{\"conversationId\":\"" + id + "\"}");
        assertThat(payload(bob.call("leave_conversation", "{\"conversationId\":\"" + id + "\"}"))
                .get("conversationId").getAsString()).isEqualTo(id);
        assertThat(bob.call("leave_conversation", "{\"conversationId\":\"unknown\"}").get("type").getAsString())
                .isEqualTo("conversation_left");
        alice.call("send_message", "{\"conversationId\":\"" + id + "\",\"content\":\"hi\"}");
        bob.transport.expectNothing(Duration.ofMillis(300));
    }

    @Test
    void conversationListShowsLatestMessageAndUnreadCountNewestFirst() {
        Client alice = login("alice");
        Client bob = login("bob");
        login("carol");
        String first = createConversation(alice, "direct", "bob");
        String second = createConversation(alice, "direct", "carol");
        clock.advance(Duration.ofSeconds(1));
        alice.call("send_message", "{\"conversationId\":\"" + first + "\",\"content\":\"one\"}");
        alice.call("send_message", "{\"conversationId\":\"" + first + "\",\"content\":\"two\"}");
        JsonArray list = payload(bob.call("load_conversations", "{}")).getAsJsonArray("conversations");
        assertThat(list).hasSize(1);
        JsonObject c = list.get(0).getAsJsonObject();
        assertThat(c.get("conversation_id").getAsString()).isEqualTo(first);
        assertThat(c.get("latest_message_content").getAsString()).isEqualTo("two");
        assertThat(c.get("latest_message_sender_id").getAsString()).isEqualTo("alice");
        assertThat(c.get("unread_count").getAsInt()).isEqualTo(2);
        JsonArray mine = payload(alice.call("load_conversations", "{}")).getAsJsonArray("conversations");
        assertThat(mine.get(0).getAsJsonObject().get("id").getAsString()).isEqualTo(first);
        assertThat(mine.get(1).getAsJsonObject().get("id").getAsString()).isEqualTo(second);
        assertThat(mine.get(0).getAsJsonObject().get("unread_count").getAsInt()).isZero();

        bob.call("load_messages", "{\"conversationId\":\"" + first + "\"}");
        JsonArray after = payload(bob.call("load_conversations", "{}")).getAsJsonArray("conversations");
        assertThat(after.get(0).getAsJsonObject().get("unread_count").getAsInt()).isZero();
    }

    @Test
    void roomLimitIsConflict() {
        useConfig(EngineConfig.builder().maxRoomsPerConnection(1).build());
        Client alice = login("alice");
        login("bob");
        login("carol");
        String firstId = createConversation(alice, "direct", "bob");
        JsonObject r = payload(alice.call("create_conversation", "{\"participant_ids\":[\"carol\"]}"));
        Client fresh = login("alice");
        fresh.call("join_conversation", "{\"conversationId\":\"" + r.get("id").getAsString() + "\"}");
        JsonObject err = fresh.callError("join_conversation", "{\"conversationId\":\"" + firstId + "\"}", "CONFLICT");
        assertThat(err.getAsJsonObject("details").get("reason").getAsString()).isEqualTo("room_limit");
    }
}
