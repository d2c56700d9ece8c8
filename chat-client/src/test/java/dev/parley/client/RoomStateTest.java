package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.model.Conversation;
import dev.parley.protocol.model.ConversationType;
import dev.parley.protocol.model.Message;
import dev.parley.protocol.payload.ConversationPayloads.ConversationJoined;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RoomStateTest {
    private final List<String> notifications = new ArrayList<>();
    private final ClientStateView view = new ClientStateView(Runnable::run, ChatLogger.javaUtilLogging(),
            new ConnectionState(ConnectionState.Phase.DISCONNECTED, null, Set.of(), null, null, 0));
    private final RoomState rooms = new RoomState(view);

    @BeforeEach
    void listen() {
        view.addListener(new ChatListener() {
            @Override
            public void onTypingChanged(String conversationId, Set<String> userIds) {
                notifications.add("typing " + conversationId + " " + userIds);
            }

            @Override
            public void onOnlineUsersChanged(Set<String> userIds) {
                notifications.add("online " + userIds);
            }
        });
        rooms.self("me");
    }

    static Conversation conversation(String id, Instant created) {
        return Conversation.builder().id(id).type(ConversationType.GROUP).createdAt(created).build();
    }

    private static ConversationJoined joined(String id, List<String> online, List<String> typing) {
        return new ConversationJoined(id, null, online, typing);
    }

    @Test
    void joiningListsTheOthersOnlineAndTypingButNeverSelf() {
        rooms.joined("c-1", joined("c-1", List.of("me", "ann", "bo"), List.of("ann")));
        assertThat(view.online()).containsExactlyInAnyOrder("ann", "bo");
        assertThat(view.typing("c-1")).containsExactly("ann");
        assertThat(rooms.joinedRooms()).containsExactly("c-1");
    }

    @Test
    void typingUpdatesNotifyOnlyOnChange() {
        rooms.typing("c-1", "ann", true);
        rooms.typing("c-1", "ann", true);
        rooms.typing("c-1", "me", true);
        rooms.typing("c-1", "ann", false);
        rooms.typing("c-1", "ann", false);
        assertThat(notifications).containsExactly("typing c-1 [ann]", "typing c-1 []");
    }

    @Test
    void offlineRemovesTheUserFromEveryRoomAndStopsTheirTyping() {
        rooms.joined("c-1", joined("c-1", List.of("ann"), List.of("ann")));
        rooms.joined("c-2", joined("c-2", List.of("ann", "bo"), List.of()));
        rooms.offline("ann");
        assertThat(view.online()).containsExactly("bo");
        assertThat(view.typing("c-1")).isEmpty();
    }

    @Test
    void onlineEventsCountOnlyForJoinedRooms() {
        rooms.online("c-9", "ann");
        assertThat(view.online()).isEmpty();
        rooms.joined("c-1", joined("c-1", List.of(), List.of()));
        rooms.online("c-1", "ann");
        rooms.online("c-1", "me");
        assertThat(view.online()).containsExactly("ann");
    }

    @Test
    void aLostConnectionClearsPresenceAndTypingButKeepsTheRoomsToRejoin() {
        rooms.joined("c-1", joined("c-1", List.of("ann"), List.of("ann")));
        rooms.connectionLost();
        assertThat(view.online()).isEmpty();
        assertThat(view.typing("c-1")).isEmpty();
        assertThat(rooms.joinedRooms()).containsExactly("c-1");
    }

    @Test
    void forgettingARoomStopsRejoiningIt() {
        rooms.created(conversation("c-1", Instant.EPOCH));
        rooms.joined("c-2", joined("c-2", List.of("ann"), List.of()));
        rooms.forget("c-2");
        assertThat(rooms.joinedRooms()).containsExactly("c-1");
        assertThat(view.online()).isEmpty();
    }

    @Test
    void aNewMessageMovesItsConversationToTheTopAndEndsItsSendersTyping() {
        Instant t0 = Instant.parse("2025-01-01T00:00:00Z");
        rooms.replaceAll(List.of(conversation("old", t0), conversation("new", t0.plusSeconds(60))));
        assertThat(view.conversations()).extracting(Conversation::id).containsExactly("new", "old");
        rooms.typing("old", "ann", true);

        Message m = new Message("m-1", "old", "ann", null, "text", "hello", null, null, null,
                t0.plusSeconds(120), 1, null, null, null, null, null, null, null);
        rooms.messagesArrived("old", List.of(m));
        assertThat(view.conversations()).extracting(Conversation::id).containsExactly("old", "new");
        Conversation updated = view.conversations().get(0);
        assertThat(updated.latestMessageId()).isEqualTo("m-1");
        assertThat(updated.latestMessageContent()).isEqualTo("hello");
        assertThat(updated.latestSeq()).isEqualTo(1);
        assertThat(view.typing("old")).isEmpty();
    }
}
