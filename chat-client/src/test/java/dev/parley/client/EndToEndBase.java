package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.EngineConfig;
import dev.parley.core.memory.InMemoryChatStore;
import dev.parley.core.spi.MessageRecord;
import dev.parley.core.testkit.TestAuthenticator;
import dev.parley.protocol.model.Message;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** Clients against the real engine over a real loopback WebSocket. */
abstract class EndToEndBase {
    static final Duration WAIT = Duration.ofSeconds(20);

    final InMemoryChatStore store = new InMemoryChatStore();
    EngineConfig config;
    TestServer server;
    private final List<ChatClient> clients = new ArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeEach
    void startServer() throws Exception {
        config = engineConfig().build();
        server = startServer(0);
    }

    /** Starts the server on {@code port} (0: an ephemeral one), on the test's store. */
    TestServer startServer(int port) throws Exception {
        return EngineServer.start(store, config, port);
    }

    /** A valid token of this user for the server under test. */
    String token(String userId) {
        return TestAuthenticator.token(userId);
    }

    /** A valid token of this user that expires at this second. */
    String token(String userId, java.time.Instant expiresAt) {
        return TestAuthenticator.token(userId, expiresAt);
    }

    /** The engine's settings; rate limits are raised so that tests can send in bursts. */
    EngineConfig.Builder engineConfig() {
        return EngineConfig.DEFAULTS.toBuilder()
                .messageRate(EngineConfig.RateLimit.perSecond(1000, 1000))
                .frameRate(EngineConfig.RateLimit.perSecond(1000, 1000));
    }

    @AfterEach
    void stopEverything() throws Exception {
        clients.forEach(ChatClient::close);
        for (AutoCloseable c : closeables) {
            c.close();
        }
        if (server != null) {
            server.close();
        }
    }

    <T extends AutoCloseable> T closeLater(T c) {
        closeables.add(c);
        return c;
    }

    /** A client of {@code userId} with fast reconnects, configured further by {@code tweak}. */
    ChatClient client(String userId, URI uri, Recorder recorder, Consumer<ChatClient.Builder> tweak) {
        ChatClient.Builder b = ChatClient.builder()
                .serverUri(uri)
                .tokenProvider(TokenProvider.fixed(token(userId)))
                .reconnectPolicy(ReconnectPolicy.withDelays(Duration.ofMillis(50), Duration.ofMillis(400)))
                .requestTimeout(Duration.ofSeconds(10))
                .connectTimeout(Duration.ofSeconds(2))
                .debug(true)
                .logger(printing(userId));
        if (recorder != null) {
            b.listener(recorder);
        }
        tweak.accept(b);
        ChatClient c = b.build();
        clients.add(c);
        return c;
    }

    /** Logs into the test's output file, to explain a failure. */
    static ChatLogger printing(String userId) {
        return new ChatLogger() {
            @Override
            public void debug(String message) {
                System.out.println(java.time.LocalTime.now() + " " + userId + " [" + Thread.currentThread().getName()
                        + "] " + message);
            }

            @Override
            public void warn(String message, Throwable error) {
                debug("WARN " + message + (error == null ? "" : " " + error));
            }
        };
    }

    ChatClient connected(String userId, Recorder recorder) {
        ChatClient c = client(userId, server.uri(), recorder, b -> { });
        c.connect().join();
        return c;
    }

    static void await(String what, BooleanSupplier condition) {
        await(what, condition, () -> "");
    }

    static void await(String what, BooleanSupplier condition, java.util.function.Supplier<String> state) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what + " " + state.get());
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** What the store durably holds for the conversation, in seq order. */
    List<MessageRecord> stored(String conversationId, String viewerId) {
        List<MessageRecord> all = new ArrayList<>();
        Long before = null;
        while (true) {
            var page = server.store().loadMessages(conversationId, viewerId, before, 100, false, false);
            all.addAll(0, page.messages());
            if (!page.hasMore() || page.messages().isEmpty()) {
                return all;
            }
            before = page.messages().get(0).seq();
        }
    }

    static void assertHeldExactlyOnceInOrder(List<Message> held, List<MessageRecord> stored) {
        assertThat(held).extracting(Message::id).doesNotHaveDuplicates()
                .containsExactlyElementsOf(stored.stream().map(MessageRecord::id).toList());
        for (int i = 1; i < held.size(); i++) {
            assertThat(held.get(i).seq()).isGreaterThan(held.get(i - 1).seq());
        }
    }

    /** Records what listeners see, and on which threads. */
    static final class Recorder implements ChatListener {
        final List<ConnectionState.Phase> phases = new CopyOnWriteArrayList<>();
        final List<ConnectionState> states = new CopyOnWriteArrayList<>();
        final List<OutgoingMessage> outgoing = new CopyOnWriteArrayList<>();
        final List<Message> received = new CopyOnWriteArrayList<>();
        final List<String> threads = new CopyOnWriteArrayList<>();

        @Override
        public void onConnectionStateChanged(ConnectionState state) {
            threads.add(Thread.currentThread().getName());
            states.add(state);
            if (phases.isEmpty() || phases.get(phases.size() - 1) != state.phase()) {
                phases.add(state.phase());
            }
        }

        @Override
        public void onOutgoingMessageChanged(OutgoingMessage message) {
            threads.add(Thread.currentThread().getName());
            outgoing.add(message);
        }

        @Override
        public void onMessageReceived(Message message) {
            threads.add(Thread.currentThread().getName());
            received.add(message);
        }

        @Override
        public void onMessagesChanged(String conversationId, List<Message> messages) {
            threads.add(Thread.currentThread().getName());
        }

        long sentCount(String clientMessageId) {
            return outgoing.stream().filter(o -> o.clientMessageId().equals(clientMessageId)
                    && o.state() == OutgoingMessage.State.SENT).count();
        }
    }
}
