package dev.parley.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.EngineConfig;
import dev.parley.protocol.ProtocolLimits;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jline.terminal.Attributes;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two people chatting through the terminal client against the reference server in dev mode: each
 * runs {@link TerminalChatExample#run} on a JLine terminal whose keyboard and screen are pipes.
 */
@Timeout(90)
class TerminalChatExampleTest {
    private static final long WAIT_SECONDS = 20;
    private static final String CTRL_D = "\u0004";

    private DevModeServer server;

    @BeforeEach
    void startServer() throws Exception {
        // Pages of 3 messages, so a short conversation already has older messages to scroll to.
        server = DevModeServer.start(EngineConfig.builder()
                .limits(ProtocolLimits.builder().defaultPageSize(3).build()).build());
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    @Test
    void twoUsersChatAndSeeHistoryTypingAndPresence() throws Exception {
        try (User bob = User.start(server, "bob", Terminal.TYPE_DUMB)) {
            bob.sees("connected as bob");
            bob.sees("no conversations yet");
            try (User alice = User.start(server, "alice", Terminal.TYPE_DUMB)) {
                alice.sees("connected as alice");
                alice.types("/new bob\n");
                alice.sees("now in @bob (2 participants)");
                alice.sees("no messages yet");
                for (String word : new String[] {"one", "two", "three", "four", "five"}) {
                    alice.types(word + "\n");
                    alice.sees("alice: " + word);
                }

                // Bob hears of the new conversation, lists it and joins it: the latest page shows.
                bob.sees("new conversation @alice from alice");
                bob.types("/list\n");
                bob.sees(" 1  @alice");
                bob.types("/join 1\n");
                bob.sees("now in @alice");
                bob.sees("alice: five");
                bob.sees("(/history shows older messages)");
                assertThat(bob.screen()).contains("alice: three").doesNotContain("alice: two");
                bob.types("/history\n");
                bob.sees("--- 2 earlier message(s) ---");
                bob.sees("alice: one");
                bob.sees("(start of the conversation)");
                bob.types("/who\n");
                bob.sees("alice  online");

                // Typing shows before the message does.
                alice.types("hel");
                bob.sees("alice is typing...");
                alice.types("lo bob\n");
                bob.sees("alice: hello bob");
                bob.types("hi alice\n");
                alice.sees("bob: hi alice");

                // Presence: Bob leaves, and comes back.
                bob.types("/quit\n");
                assertThat(bob.exitStatus()).isZero();
                alice.sees("bob went offline");
                try (User bobAgain = User.start(server, "bob", Terminal.TYPE_DUMB)) {
                    bobAgain.sees(" 1  @alice");
                    bobAgain.types("/join 1\n");
                    alice.sees("bob is online");
                    bobAgain.types(CTRL_D);
                    assertThat(bobAgain.exitStatus()).isZero();
                }

                alice.types("/nonsense\n");
                alice.sees("unknown command /nonsense");
                alice.types("/quit\n");
                assertThat(alice.exitStatus()).isZero();
                // Not a terminal with colours: plain text only.
                assertThat(alice.screen()).doesNotContain("\u001b[");
                assertThat(bob.screen()).doesNotContain("\u001b[");
            }
        }
    }

    @Test
    void coloursOnATerminalThatHasThem() throws Exception {
        try (User carol = User.start(server, "carol", "xterm-256color")) {
            carol.sees("connected as carol");
            carol.types("/new dave\n");
            carol.sees("dave");
            carol.types("/quit\n");
            assertThat(carol.exitStatus()).isZero();
            // Notices in yellow (33), errors (here: no user dave) in red (31).
            assertThat(carol.screen()).contains("\u001b[33mconnected as carol")
                    .containsPattern("\u001b\\[[0-9;]*31[0-9;]*m[^\u001b]*dave");
        }
    }

    @Test
    void aRefusedTokenEndsTheClientWithAMessage() throws Exception {
        try (User nobody = User.start("nobody", server.uri().toString(), Terminal.TYPE_DUMB,
                Map.of("PARLEY_TOKEN", "not-a-token-this-server-issued"))) {
            nobody.sees("cannot sign in: ");
            nobody.sees("INVALID_TOKEN");
            assertThat(nobody.exitStatus()).isEqualTo(1);
        }
    }

    /** One person at a terminal: keys go in through a pipe, the screen is captured. */
    private static final class User implements AutoCloseable {
        private final PipedOutputStream keyboard;
        private final ByteArrayOutputStream screen = new ByteArrayOutputStream();
        private final Terminal terminal;
        private final CompletableFuture<Integer> exit = new CompletableFuture<>();

        private User(PipedOutputStream keyboard, PipedInputStream keys, String type) throws IOException {
            this.keyboard = keyboard;
            OutputStream out = new OutputStream() {
                @Override
                public void write(int b) {
                    synchronized (screen) {
                        screen.write(b);
                    }
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    synchronized (screen) {
                        screen.write(b, off, len);
                    }
                }
            };
            // Ctrl+D is end-of-file as on a terminal (a bare stream has no control characters).
            Attributes attributes = new Attributes();
            attributes.setControlChar(Attributes.ControlChar.VEOF, 4);
            this.terminal = TerminalBuilder.builder().system(false).streams(keys, out).type(type)
                    .attributes(attributes).encoding(StandardCharsets.UTF_8).build();
        }

        static User start(DevModeServer server, String name, String terminalType) throws IOException {
            return start(name, server.uri().toString(), terminalType, Map.of());
        }

        static User start(String name, String url, String terminalType, Map<String, String> env) throws IOException {
            PipedOutputStream keyboard = new PipedOutputStream();
            User user = new User(keyboard, new PipedInputStream(keyboard, 64 * 1024), terminalType);
            Thread t = new Thread(() -> {
                try {
                    user.exit.complete(TerminalChatExample.run(new String[] {name, url}, env, user.terminal));
                } catch (Throwable e) {
                    user.exit.completeExceptionally(e);
                }
            }, "terminal-" + name);
            t.setDaemon(true);
            t.start();
            return user;
        }

        void types(String keys) throws IOException {
            keyboard.write(keys.getBytes(StandardCharsets.UTF_8));
            keyboard.flush();
        }

        String screen() {
            synchronized (screen) {
                return screen.toString(StandardCharsets.UTF_8);
            }
        }

        void sees(String text) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            while (!screen().contains(text)) {
                assertThat(System.nanoTime() < deadline)
                        .as("'%s' on the screen within %d s; the screen:%n%s", text, WAIT_SECONDS, screen()).isTrue();
                Thread.sleep(20);
            }
        }

        int exitStatus() throws Exception {
            return exit.get(WAIT_SECONDS, TimeUnit.SECONDS);
        }

        @Override
        public void close() throws IOException {
            if (!exit.isDone()) {
                types(CTRL_D);
            }
            keyboard.close();
            try {
                exit.get(WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (Exception e) {
                // already reported by the test, or the client failed: the screen tells which
            }
            terminal.close();
        }
    }
}
