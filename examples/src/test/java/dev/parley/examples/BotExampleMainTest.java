package dev.parley.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.ChatEngine;
import dev.parley.core.memory.InMemoryChatStore;
import dev.parley.core.spi.Principal;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The bot's main, as its documented command runs it, against a real engine on a loopback WebSocket. */
@Timeout(30)
class BotExampleMainTest {

    @Test
    void mainServesUntilTheServerGoesAway() throws Exception {
        LoopbackChatServer server = LoopbackChatServer.start(ChatEngine.builder()
                .store(new InMemoryChatStore())
                .authenticator(new DemoAuthenticator(Map.of(
                        "bot-token", Principal.of("u-bot", "timebot", null),
                        "alice-token", Principal.of("u-alice", "alice", null))))
                .build());
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.out;
        boolean serverClosed = false;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            CompletableFuture<Void> main = CompletableFuture.runAsync(() -> {
                try {
                    BotExample.main(new String[] {server.uri().toString(), "bot-token"});
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            while (!captured.toString(StandardCharsets.UTF_8).contains("bot online as u-bot")) {
                assertThat(main).isNotDone();
                Thread.sleep(20);
            }

            BotExampleTest.UserClient alice = BotExampleTest.UserClient.connect(server.uri(), "alice-token");
            String conversationId = alice.createDirectConversation("u-bot");
            assertThat(alice.nextMessageFrom("u-bot")).isEqualTo(BotExample.GREETING);
            alice.say(conversationId, "ping from alice");
            assertThat(alice.nextMessageFrom("u-bot")).isEqualTo("echo: ping from alice");
            alice.closeBlocking();

            server.close();
            serverClosed = true;
            main.get(10, TimeUnit.SECONDS);
        } finally {
            System.setOut(original);
            if (!serverClosed) {
                server.close();
            }
        }
        assertThat(captured.toString(StandardCharsets.UTF_8)).contains("connection closed");
    }
}
