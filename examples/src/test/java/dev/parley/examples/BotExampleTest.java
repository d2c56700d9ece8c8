package dev.parley.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.parley.client.ChatException;
import dev.parley.protocol.ErrorCode;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.handshake.ServerHandshake;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The bot against the reference server (in-process, dev mode, real WebSocket on loopback), with a user talking to it. */
@Timeout(30)
class BotExampleTest {
    private DevModeServer server;
    private ParleyBot bot;
    private UserClient alice;

    @BeforeEach
    void startServerAndBot() throws Exception {
        server = DevModeServer.start();
        bot = new ParleyBot(server.uri(), server.token("bot"), BotExample::answer, state -> { });
        assertThat(bot.start().orTimeout(10, TimeUnit.SECONDS).join()).isEqualTo("bot");
    }

    @AfterEach
    void stop() throws Exception {
        if (alice != null) {
            alice.closeBlocking();
        }
        bot.close();
        server.close();
    }

    @Test
    void botGreetsEchoesAndTellsTheTime() throws Exception {
        alice = UserClient.connect(server.uri(), server.token("alice"));
        String conversationId = alice.createDirectConversation("bot");

        // The bot joins the new conversation and introduces itself.
        assertThat(alice.nextMessageFrom("bot")).isEqualTo(BotExample.GREETING);

        alice.say(conversationId, "hello");
        assertThat(alice.nextMessageFrom("bot")).isEqualTo("echo: hello");

        alice.say(conversationId, "!time");
        String time = alice.nextMessageFrom("bot");
        assertThat(time).startsWith("The time is ").endsWith(" UTC");
        LocalDateTime told = LocalDateTime.parse(time.substring("The time is ".length(), time.length() - " UTC".length()),
                DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss"));
        // The bot tells UTC wall-clock time, so it is close to this test's UTC time.
        assertThat(Duration.between(told, LocalDateTime.now(ZoneOffset.UTC)).abs()).isLessThan(Duration.ofMinutes(5));
    }

    @Test
    void botJoinsConversationsThatExistedBeforeItConnected() throws Exception {
        alice = UserClient.connect(server.uri(), server.token("alice"));
        String conversationId = alice.createDirectConversation("bot");
        assertThat(alice.nextMessageFrom("bot")).isEqualTo(BotExample.GREETING);

        // A restarted bot finds the conversation through load_conversations.
        bot.close();
        bot = new ParleyBot(server.uri(), server.token("bot"), BotExample::answer, state -> { });
        bot.start().orTimeout(10, TimeUnit.SECONDS).join();
        alice.say(conversationId, "are you back?");
        assertThat(alice.nextMessageFrom("bot")).isEqualTo("echo: are you back?");
    }

    @Test
    void aRefusedTokenFailsTheBotsStart() {
        try (ParleyBot impostor = new ParleyBot(server.uri(), "not-a-token-this-server-issued", BotExample::answer, state -> { })) {
            assertThat(impostor.start()).failsWithin(Duration.ofSeconds(10))
                    .withThrowableOfType(ExecutionException.class)
                    .havingCause().isInstanceOfSatisfying(ChatException.class,
                            refused -> assertThat(refused.code()).isEqualTo(ErrorCode.INVALID_TOKEN));
        }
    }

    @Test
    void blankMessagesGetNoAnswerAndTimeIsCaseInsensitive() {
        assertThat(BotExample.answer("   ")).isEmpty();
        assertThat(BotExample.answer(" !TIME ")).get().asString().startsWith("The time is ");
        assertThat(BotExample.answer("echo: x")).contains("echo: echo: x");
    }

    /** A user speaking the protocol's JSON over a plain WebSocket client. */
    static final class UserClient extends WebSocketClient {
        private final LinkedBlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();

        private UserClient(URI uri) {
            super(uri);
        }

        static UserClient connect(URI server, String token) throws InterruptedException {
            UserClient c = new UserClient(URI.create(server + "?token=" + token));
            assertThat(c.connectBlocking(10, TimeUnit.SECONDS)).isTrue();
            c.next("auth_success");
            return c;
        }

        String createDirectConversation(String otherUserId) throws InterruptedException {
            JsonObject payload = new JsonObject();
            JsonArray ids = new JsonArray();
            ids.add(otherUserId);
            payload.add("participant_ids", ids);
            payload.addProperty("type", "direct");
            request("create_conversation", payload);
            return next("conversation_created").getAsJsonObject("payload").get("id").getAsString();
        }

        void say(String conversationId, String text) {
            JsonObject payload = new JsonObject();
            payload.addProperty("conversationId", conversationId);
            payload.addProperty("content", text);
            request("send_message", payload);
        }

        /** The content of the next message this user receives from {@code senderId}. */
        String nextMessageFrom(String senderId) throws InterruptedException {
            while (true) {
                JsonObject message = next("message_received").getAsJsonObject("payload").getAsJsonObject("message");
                if (senderId.equals(message.get("sender_id").getAsString())) {
                    return message.get("encrypted_content").getAsString();
                }
            }
        }

        JsonObject next(String type) throws InterruptedException {
            while (true) {
                JsonObject frame = frames.poll(10, TimeUnit.SECONDS);
                assertThat(frame).as("a %s frame within 10 s", type).isNotNull();
                if (type.equals(frame.get("type").getAsString())) {
                    return frame;
                }
            }
        }

        void request(String type, JsonObject payload) {
            JsonObject frame = new JsonObject();
            frame.addProperty("type", type);
            frame.add("payload", payload);
            frame.addProperty("requestId", UUID.randomUUID().toString());
            send(frame.toString());
        }

        @Override
        public void onOpen(ServerHandshake handshake) {
        }

        @Override
        public void onMessage(String message) {
            frames.add(JsonParser.parseString(message).getAsJsonObject());
        }

        @Override
        public void onMessage(ByteBuffer bytes) {
        }

        @Override
        public void onClose(int code, String reason, boolean remote) {
        }

        @Override
        public void onError(Exception ex) {
        }
    }
}
