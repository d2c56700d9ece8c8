package dev.parley.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import dev.parley.protocol.ProtocolLimits;
import org.junit.jupiter.api.Test;

class OpenRoomTest extends EngineHarness {

    private void openRooms(int maxGroupSize) {
        useConfig(EngineConfig.builder().openRoomPrefix("room-")
                .limits(ProtocolLimits.DEFAULTS.toBuilder().maxGroupSize(maxGroupSize).build()).build());
    }

    private static String join(String id) {
        return "{\"conversationId\":\"" + id + "\"}";
    }

    @Test
    void firstJoinerCreatesTheRoomAndLaterJoinersShareItsMessages() {
        openRooms(10);
        Client alice = login("alice");
        Client bob = login("bob");

        JsonObject created = alice.call("join_conversation", join("room-1"));
        assertThat(created.get("type").getAsString()).isEqualTo("conversation_joined");
        assertThat(payload(created).getAsJsonObject("conversation").get("id").getAsString()).isEqualTo("room-1");
        assertThat(payload(created).getAsJsonObject("conversation").get("name").getAsString()).isEqualTo("room-1");
        assertThat(payload(bob.call("join_conversation", join("room-1"))).getAsJsonObject("conversation")
                .get("participant_count").getAsInt()).isEqualTo(2);

        bob.call("send_message", "{\"conversationId\":\"room-1\",\"content\":\"hello\"}");
        assertThat(payload(alice.next("message_received")).getAsJsonObject("message").get("encrypted_content").getAsString())
                .isEqualTo("hello");
        assertThat(store.participantIds("room-1")).containsExactly("alice", "bob");
    }

    @Test
    void otherIdsStayClosedAndJoiningGivesNoRightToOtherRooms() {
        openRooms(10);
        Client alice = login("alice");
        login("bob");
        Client eve = login("eve");
        String direct = createConversation(alice, "direct", "bob");

        eve.callError("join_conversation", join(direct), "ACCESS_DENIED");
        eve.callError("join_conversation", join("lobby-1"), "ACCESS_DENIED");
        alice.call("join_conversation", join("room-2"));
        eve.callError("send_message", "{\"conversationId\":\"room-2\",\"content\":\"hi\"}", "ACCESS_DENIED");
        eve.callError("load_messages", join("room-2"), "ACCESS_DENIED");
        assertThat(store.isParticipant("room-2", "eve")).isFalse();
    }

    @Test
    void invalidOrTooLongOpenRoomIdsAreInvalidData() {
        openRooms(10);
        Client alice = login("alice");

        alice.callError("join_conversation", join("room-" + "x".repeat(60)), "INVALID_DATA");
        alice.callError("join_conversation", join("room-with space"), "INVALID_DATA");
        assertThat(store.conversationIdsOf("alice")).isEmpty();
    }

    @Test
    void aFullRoomAnswersConflict() {
        openRooms(2);
        login("alice").call("join_conversation", join("room-1"));
        login("bob").call("join_conversation", join("room-1"));

        JsonObject full = login("carol").callError("join_conversation", join("room-1"), "CONFLICT");
        assertThat(full.getAsJsonObject("details").get("reason").getAsString()).isEqualTo("group_full");
    }

    @Test
    void offByDefault() {
        assertThat(EngineConfig.DEFAULTS.openRoomPrefix()).isNull();
        login("alice").callError("join_conversation", join("room-1"), "ACCESS_DENIED");
        assertThat(store.conversationIdsOf("alice")).isEmpty();
    }

    @Test
    void aPrefixThatCouldMatchAUuidIsRefused() {
        assertThatThrownBy(() -> EngineConfig.builder().openRoomPrefix("0a-").build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EngineConfig.builder().openRoomPrefix("").build())
                .isInstanceOf(IllegalArgumentException.class);
    }
}
