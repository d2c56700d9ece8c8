package dev.parley.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The bot's main, as its documented command runs it, against the reference server in dev mode. */
@Timeout(30)
class BotExampleMainTest {

    @Test
    void mainAnswersUntilStopped() throws Exception {
        DevModeServer server = DevModeServer.start();
        String botToken = server.token("bot");
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            Thread main = new Thread(() -> {
                try {
                    BotExample.main(new String[] {server.uri().toString(), botToken});
                } catch (InterruptedException e) {
                    // how this test stops the bot, as Ctrl+C would
                }
            }, "bot-main");
            main.start();
            while (!captured.toString(StandardCharsets.UTF_8).contains("bot online as bot")) {
                assertThat(main.isAlive()).as("main still running").isTrue();
                Thread.sleep(20);
            }

            BotExampleTest.UserClient alice = BotExampleTest.UserClient.connect(server.uri(), server.token("alice"));
            String conversationId = alice.createDirectConversation("bot");
            assertThat(alice.nextMessageFrom("bot")).isEqualTo(BotExample.GREETING);
            alice.say(conversationId, "ping from alice");
            assertThat(alice.nextMessageFrom("bot")).isEqualTo("echo: ping from alice");
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
