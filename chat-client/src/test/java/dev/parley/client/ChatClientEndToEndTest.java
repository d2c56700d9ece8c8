package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.MessageType;
import dev.parley.protocol.model.Conversation;
import dev.parley.protocol.model.ConversationType;
import dev.parley.protocol.model.Message;
import dev.parley.protocol.payload.ConversationPayloads.ConversationJoined;
import dev.parley.protocol.payload.MessagePayloads.MessagesLoaded;
import dev.parley.protocol.payload.SystemPayloads.Empty;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import org.junit.jupiter.api.Test;

/** Every call of the client against the real engine over a loopback WebSocket. */
class ChatClientEndToEndTest extends EndToEndBase {

    @Test
    void connectAuthenticatesAndReportsTheUser() {
        Recorder rec = new Recorder();
        ChatClient alice = connected("alice", rec);
        ConnectionState state = alice.connectionState();
        assertThat(state.authenticated()).isTrue();
        assertThat(state.connected()).isTrue();
        assertThat(state.user().id()).isEqualTo("alice");
        assertThat(state.error()).isNull();
        await("listeners saw the authentication", () -> rec.phases.contains(ConnectionState.Phase.AUTHENTICATED));
        assertThat(rec.phases).containsSubsequence(ConnectionState.Phase.CONNECTING, ConnectionState.Phase.CONNECTED,
                ConnectionState.Phase.AUTHENTICATED);
    }

    @Test
    void authenticateWithAnExplicitTokenWithoutProvider() {
        ChatClient c = client("ignored", server.uri(), null, b -> b.tokenProvider(null));
        c.connect().join();
        assertThat(c.connectionState().phase()).isEqualTo(ConnectionState.Phase.CONNECTED);
        var success = c.authenticate(token("carol")).join();
        assertThat(success.user().id()).isEqualTo("carol");
        assertThat(c.connectionState().authenticated()).isTrue();
    }

    @Test
    void twoClientsCreateJoinExchangeAndPageMessages() {
        ChatClient alice = connected("alice", null);
        Recorder bobRec = new Recorder();
        ChatClient bob = connected("bob", bobRec);

        Conversation direct = alice.createDirectConversation("bob").join();
        assertThat(direct.type()).isEqualTo(ConversationType.DIRECT);
        assertThat(alice.conversations()).extracting(Conversation::id).contains(direct.id());
        await("bob hears of the new conversation", () -> bob.conversations().stream()
                .anyMatch(c -> c.id().equals(direct.id())));

        List<Conversation> bobs = bob.loadConversations().join();
        assertThat(bobs).extracting(Conversation::id).containsExactly(direct.id());
        ConversationJoined joined = bob.joinConversation(direct.id()).join();
        assertThat(joined.conversationId()).isEqualTo(direct.id());
        assertThat(joined.onlineUserIds()).contains("alice");

        SendResult first = alice.sendMessage(direct.id(), "Hi Bob!").join();
        assertThat(first.success()).isTrue();
        assertThat(first.error()).isNull();
        assertThat(first.data().encryptedContent()).isEqualTo("Hi Bob!");
        assertThat(first.data().clientMessageId()).isEqualTo(first.clientMessageId());
        SendResult reply = bob.sendMessage(direct.id(), "Hello!", "text", first.data().id()).join();
        assertThat(reply.data().replyToId()).isEqualTo(first.data().id());

        await("both hold both messages", () -> alice.messages(direct.id()).size() == 2
                && bob.messages(direct.id()).size() == 2);
        assertThat(alice.messages(direct.id())).extracting(Message::encryptedContent).containsExactly("Hi Bob!", "Hello!");
        assertThat(bob.messages(direct.id())).extracting(Message::id)
                .containsExactlyElementsOf(alice.messages(direct.id()).stream().map(Message::id).toList());
        await("bob's listener got alice's message once", () -> bobRec.received.stream()
                .filter(m -> m.id().equals(first.data().id())).count() == 1);
        await("the conversation list shows the latest message", () -> direct.id().equals(alice.conversations().get(0).id())
                && "Hello!".equals(alice.conversations().get(0).latestMessageContent()));

        List<java.util.concurrent.CompletableFuture<SendResult>> bulk = new java.util.ArrayList<>();
        for (int i = 0; i < 60; i++) {
            bulk.add(alice.sendMessage(direct.id(), "bulk " + i));
        }
        assertThat(bulk).allSatisfy(f -> assertThat(f.join().success()).isTrue());
        ChatClient carolView = connected("bob", null); // a second device of bob with nothing held
        MessagesLoaded newest = carolView.loadMessages(direct.id()).join();
        assertThat(newest.messages()).hasSize(50);
        assertThat(newest.hasMore()).isTrue();
        MessagesLoaded older = carolView.loadMoreMessages(direct.id()).join();
        assertThat(older.messages()).hasSize(12);
        assertThat(older.hasMore()).isFalse();
        assertHeldExactlyOnceInOrder(carolView.messages(direct.id()), stored(direct.id(), "bob"));
    }

    @Test
    void groupsLeavingAndPing() {
        ChatClient alice = connected("alice", null);
        connected("bob", null);
        connected("carol", null);
        Conversation group = alice.createGroupConversation("Team", List.of("bob", "carol")).join();
        assertThat(group.type()).isEqualTo(ConversationType.GROUP);
        assertThat(group.name()).isEqualTo("Team");
        assertThat(group.participants()).hasSize(3);

        alice.leaveConversation(group.id()).join();
        alice.joinConversation(group.id()).join();
        assertThat(alice.ping().join()).isGreaterThanOrEqualTo(Duration.ZERO);
        assertThat(alice.request(MessageType.PING, Empty.INSTANCE).join().size()).isZero();
    }

    @Test
    void serverRefusalsCarryTheProtocolCode() {
        ChatClient alice = connected("alice", null);
        assertThatThrownBy(() -> alice.joinConversation("no-such-conversation").join())
                .isInstanceOf(CompletionException.class).cause()
                .isInstanceOfSatisfying(ChatException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ChatException.Kind.REJECTED);
                    assertThat(e.code()).isEqualTo(ErrorCode.ACCESS_DENIED);
                });
        assertThatThrownBy(() -> alice.createDirectConversation("nobody").join()).cause()
                .isInstanceOfSatisfying(ChatException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
                    assertThat(e.details()).containsEntry("resource", "user");
                });

        Recorder rec = new Recorder();
        alice.addListener(rec);
        SendResult refused = alice.sendMessage("no-such-conversation", "hi").join();
        assertThat(refused.success()).isFalse();
        assertThat(refused.data()).isNull();
        assertThat(refused.code()).isEqualTo(ErrorCode.ACCESS_DENIED);
        assertThat(refused.error()).isNotBlank();
        await("the failure is visible", () -> rec.outgoing.stream()
                .anyMatch(o -> o.state() == OutgoingMessage.State.FAILED));
        assertThat(alice.outgoingMessages()).isEmpty();
    }

    @Test
    void requestsFailFastWhenNotConnected() {
        ChatClient idle = client("alice", server.uri(), null, b -> { });
        assertThatThrownBy(() -> idle.loadConversations().join()).cause()
                .isInstanceOfSatisfying(ChatException.class,
                        e -> assertThat(e.kind()).isEqualTo(ChatException.Kind.NOT_CONNECTED));
    }

    @Test
    void concurrentSendsFromManyThreadsAreEachStoredOnceAndHeldInOrder() throws Exception {
        ChatClient alice = connected("alice", null);
        ChatClient bob = connected("bob", null);
        String conv = alice.createDirectConversation("bob").join().id();
        bob.joinConversation(conv).join();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<SendResult>> results = new java.util.ArrayList<>();
            for (int i = 0; i < 80; i++) {
                String text = "msg " + i;
                ChatClient sender = i % 2 == 0 ? alice : bob;
                results.add(pool.submit(() -> sender.sendMessage(conv, text).join()));
            }
            for (var r : results) {
                assertThat(r.get().success()).isTrue();
            }
        } finally {
            pool.shutdown();
        }
        var stored = stored(conv, "alice");
        assertThat(stored).hasSize(80);
        await("both hold all", () -> alice.messages(conv).size() == 80 && bob.messages(conv).size() == 80);
        assertHeldExactlyOnceInOrder(alice.messages(conv), stored);
        assertHeldExactlyOnceInOrder(bob.messages(conv), stored);
    }

    @Test
    void typingIsSeenByTheOtherUserAndStopsByItself() {
        ChatClient alice = connected("alice", null);
        ChatClient bob = connected("bob", null);
        String conv = alice.createDirectConversation("bob").join().id();
        bob.joinConversation(conv).join();

        alice.setTyping(conv);
        await("bob sees alice typing", () -> bob.typingUsers(conv).contains("alice"));
        assertThat(alice.typingUsers(conv)).isEmpty(); // one's own typing is never listed
        await("the automatic stop reaches bob", () -> bob.typingUsers(conv).isEmpty());

        alice.startTyping(conv).join();
        await("explicit start", () -> bob.typingUsers(conv).contains("alice"));
        alice.stopTyping(conv).join();
        await("explicit stop", () -> bob.typingUsers(conv).isEmpty());

        alice.setTyping(conv);
        await("typing again", () -> bob.typingUsers(conv).contains("alice"));
        alice.sendMessage(conv, "done typing").join();
        await("sending ends typing", () -> bob.typingUsers(conv).isEmpty());
    }

    @Test
    void presenceFollowsConnections() {
        ChatClient alice = connected("alice", null);
        ChatClient bob = connected("bob", null);
        String conv = alice.createDirectConversation("bob").join().id();
        bob.joinConversation(conv).join();
        assertThat(bob.onlineUsers()).containsExactly("alice");

        alice.disconnect();
        await("bob sees alice go offline", () -> bob.onlineUsers().isEmpty());
        alice.connect().join();
        await("alice is re-joined and online again", () -> bob.onlineUsers().contains("alice"));
        await("alice sees bob online", () -> alice.onlineUsers().contains("bob"));
    }

    @Test
    void messagesSentBeforeConnectingAreDeliveredOnConnect() {
        ChatClient alice = connected("alice", null);
        connected("bob", null);
        String conv = alice.createDirectConversation("bob").join().id();
        alice.disconnect();

        var queued = alice.sendMessage(conv, "written offline");
        await("the send is pending", () -> alice.outgoingMessages().size() == 1);
        assertThat(alice.outgoingMessages().get(0).state()).isEqualTo(OutgoingMessage.State.PENDING);
        alice.connect().join();
        SendResult r = queued.join();
        assertThat(r.success()).isTrue();
        assertThat(stored(conv, "alice")).extracting(m -> m.content()).containsExactly("written offline");
    }

    @Test
    void callbacksAndResultsRunOnTheListenerExecutorNeverOnTheSocketThread() {
        ExecutorService main = Executors.newSingleThreadExecutor(r -> new Thread(r, "app-main"));
        try {
            Recorder rec = new Recorder();
            ChatClient alice = client("alice", server.uri(), rec, b -> b.listenerExecutor(main));
            connected("bob", null);
            String thread = alice.connect().thenApply(v -> Thread.currentThread().getName()).join();
            assertThat(thread).isEqualTo("app-main");
            String conv = alice.createDirectConversation("bob").join().id();
            alice.sendMessage(conv, "hi").join();
            await("callbacks arrived", () -> rec.sentCount(rec.outgoing.get(0).clientMessageId()) == 1);
            assertThat(rec.threads).isNotEmpty().allMatch("app-main"::equals);
        } finally {
            main.shutdown();
        }
    }

    @Test
    void closeFailsQueuedSendsAndRefusesNewCalls() {
        ChatClient alice = client("alice", server.uri(), null, b -> { });
        var queued = alice.sendMessage("c-1", "never sent");
        alice.close();
        assertThat(queued.join().success()).isFalse();
        assertThat(alice.connectionState().phase()).isEqualTo(ConnectionState.Phase.CLOSED);
        assertThatThrownBy(() -> alice.connect().join()).cause().isInstanceOfSatisfying(ChatException.class,
                e -> assertThat(e.kind()).isEqualTo(ChatException.Kind.CLOSED));
    }
}
