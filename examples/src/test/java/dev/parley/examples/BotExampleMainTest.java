package dev.parley.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.ChatEngine;
import dev.parley.core.memory.InMemoryChatStore;
import dev.parley.core.spi.Principal;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The bot's main, as its documented command runs it, against a real engine on a loopback WebSocket. */
@Timeout(30)
class BotExampleMainTest {

    @Test
    void mainAnswersUntilStopped() throws Exception {
        LoopbackChatServer server = LoopbackChatServer.start(ChatEngine.builder()
                .store(new InMemoryChatStore())
                .authenticator(new DemoAuthenticator(Map.of(
                        "bot-token", Principal.of("u-bot", "timebot", null),
                        "alice-token", Principal.of("u-alice", "alice", null))))
                .build());
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            Thread main = new Thread(() -> {
                try {
                    BotExample.main(new String[] {server.uri().toString(), "bot-token"});
                } catch (InterruptedException e) {
                    // how this test stops the bot, as Ctrl+C would
                }
            }, "bot-main");
            main.start();
            while (!captured.toString(StandardCharsets.UTF_8).contains("bot online as u-bot")) {
                assertThat(main.isAlive()).as("main still running").isTrue();
                Thread.sleep(20);
            }

            BotExampleTest.UserClient alice = BotExampleTest.UserClient.connect(server.uri(), "alice-token");
            String conversationId = alice.createDirectConversation("u-bot");
            assertThat(alice.nextMessageFrom("u-bot")).isEqualTo(BotExample.GREETING);
            alice.say(conversationId, "ping from alice");
            assertThat(alice.nextMessageFrom("u-bot")).isEqualTo("echo: ping from alice");
            alice.closeBlocking();

            main.interrupt();
            main.join(10_000);
            assertThat(main.isAlive()).isFalse();
        } finally {
            System.setOut(original);
            server.close();
        }
        assertThat(captured.toString(StandardCharsets.UTF_8)).contains("bot stopped");
    }
}
