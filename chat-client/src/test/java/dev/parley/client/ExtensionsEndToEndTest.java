package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.parley.core.EngineConfig;
import dev.parley.protocol.Extension;
import dev.parley.protocol.MessageType;
import dev.parley.protocol.model.Message;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Negotiated extensions: their requests through {@link ChatClient#request}, their events to listeners. */
class ExtensionsEndToEndTest extends EndToEndBase {

    @Override
    EngineConfig.Builder engineConfig() {
        return super.engineConfig().extensions(Set.of(Extension.EDITS, Extension.REACTIONS, Extension.RESUME));
    }

    private ChatClient withExtensions(String user, ChatListener listener) {
        ChatClient c = client(user, server.uri(), null,
                b -> b.extensions(List.of(Extension.EDITS, Extension.REACTIONS)).listener(listener));
        c.connect().join();
        return c;
    }

    private static JsonObject json(String text) {
        return JsonParser.parseString(text).getAsJsonObject();
    }

    @Test
    void editsAndDeletionsReachBothTheEditorAndTheOtherUser() {
        ChatClient alice = withExtensions("alice", new ChatListener() { });
        ChatClient bob = withExtensions("bob", new ChatListener() { });
        assertThat(alice.connectionState().extensions()).contains("edits", "reactions", "resume");
        String conv = alice.createDirectConversation("bob").join().id();
        bob.joinConversation(conv).join();
        Message m = alice.sendMessage(conv, "typo").join().data();
        await("bob has it", () -> bob.messages(conv).size() == 1);

        alice.request(MessageType.EDIT_MESSAGE, json("{\"conversationId\":\"" + conv + "\",\"messageId\":\""
                + m.id() + "\",\"content\":\"fixed\"}")).join();
        assertThat(alice.messages(conv)).singleElement().extracting(Message::encryptedContent).isEqualTo("fixed");
        await("bob sees the edit", () -> "fixed".equals(bob.messages(conv).get(0).encryptedContent()));

        alice.request(MessageType.DELETE_MESSAGE, json("{\"conversationId\":\"" + conv + "\",\"messageId\":\""
                + m.id() + "\"}")).join();
        assertThat(alice.messages(conv)).singleElement().satisfies(x -> {
            assertThat(x.isDeleted()).isTrue();
            assertThat(x.encryptedContent()).isNull();
        });
        await("bob sees the deletion", () -> bob.messages(conv).get(0).isDeleted());
    }

    @Test
    void extensionEventsGoToListeners() {
        List<String> bobEvents = new CopyOnWriteArrayList<>();
        ChatClient alice = withExtensions("alice", new ChatListener() { });
        ChatClient bob = withExtensions("bob", new ChatListener() {
            @Override
            public void onEvent(String type, JsonObject payload) {
                bobEvents.add(type + " " + payload.get("emoji").getAsString());
            }
        });
        String conv = alice.createDirectConversation("bob").join().id();
        bob.joinConversation(conv).join();
        Message m = alice.sendMessage(conv, "react to me").join().data();

        JsonObject answer = alice.request(MessageType.ADD_REACTION, json("{\"conversationId\":\"" + conv
                + "\",\"messageId\":\"" + m.id() + "\",\"emoji\":\"+1\"}")).join();
        assertThat(answer.getAsJsonArray("reactions")).hasSize(1);
        await("bob got the reaction event", () -> bobEvents.contains("reaction_updated +1"));
    }

    @Test
    void authCannotBypassTheClientsOwnAuthentication() {
        ChatClient alice = withExtensions("alice", new ChatListener() { });
        assertThatThrownBy(() -> alice.request(MessageType.AUTH, json("{\"token\":\"x\"}")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
