package dev.parley.examples;

import dev.parley.client.ChatClient;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.reader.Widget;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStyle;

/**
 * A terminal chat client on the Java client SDK ({@code chat-client}) and JLine: a prompt with line
 * editing and input history (arrow keys), colours on a terminal that has them, and messages,
 * typing and presence printed above the line being typed. See {@link TerminalChat#HELP} for the
 * commands.
 *
 * <p>Run against the reference server in development mode: {@code mvn -q -pl examples -am
 * process-classes -Dexample=TerminalChatExample -Dexec.args="alice"}. Arguments: {@code user [url]},
 * else {@code PARLEY_USER}; the URL defaults to {@code PARLEY_URL}, else {@code ws://127.0.0.1:8080/ws}.
 * The token is {@code PARLEY_TOKEN} when set, else one the dev-mode server mints for the user.
 */
public final class TerminalChatExample {
    static final String DEFAULT_URL = "ws://127.0.0.1:8080/ws";
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(15);

    private TerminalChatExample() {
    }

    public static void main(String[] args) throws IOException {
        int status;
        try (Terminal terminal = TerminalBuilder.builder().name("parley").system(true).build()) {
            status = run(args, System.getenv(), terminal);
        }
        System.exit(status);
    }

    /** Runs the chat on this terminal until the user quits or the input ends; the exit status. */
    static int run(String[] args, Map<String, String> env, Terminal terminal) {
        String user = args.length > 0 ? args[0] : env.get("PARLEY_USER");
        String token = env.get("PARLEY_TOKEN");
        URI url = URI.create(args.length > 1 ? args[1] : env.getOrDefault("PARLEY_URL", DEFAULT_URL));
        if ((user == null || user.isBlank()) && (token == null || token.isBlank())) {
            terminal.writer().println("usage: TerminalChatExample <user> [ws-url]   (or PARLEY_USER, PARLEY_URL, PARLEY_TOKEN)");
            terminal.flush();
            return 2;
        }
        LineReader reader = LineReaderBuilder.builder().terminal(terminal).appName("parley").build();
        if (token == null || token.isBlank()) {
            try {
                token = DevTokens.fetch(url, user);
            } catch (IOException e) {
                reader.printAbove(new AttributedString("cannot get a token: " + e.getMessage(),
                        AttributedStyle.DEFAULT.foreground(AttributedStyle.RED)));
                return 1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
            }
        }
        try (ChatClient client = ChatClient.builder().serverUri(url).requestTimeout(COMMAND_TIMEOUT).build()) {
            // Only whole lines go to the screen, and printAbove keeps the line being typed intact below them.
            TerminalChat chat = new TerminalChat(client, reader::printAbove, COMMAND_TIMEOUT);
            client.addListener(chat);
            if (!chat.start(token)) {
                chat.close();
                return 1;
            }
            sendTypingOnKeystrokes(reader, chat);
            while (true) {
                String line;
                try {
                    line = reader.readLine(chat.prompt().toAnsi(terminal));
                } catch (UserInterruptException e) {
                    continue; // Ctrl+C drops the line being typed
                } catch (EndOfFileException e) {
                    break; // Ctrl+D, or the end of piped input
                }
                if (!chat.handle(line)) {
                    break;
                }
            }
            chat.close();
        }
        terminal.writer().println("bye");
        terminal.flush();
        return 0;
    }

    /** Every character typed into the input line also tells the others that this user is typing. */
    private static void sendTypingOnKeystrokes(LineReader reader, TerminalChat chat) {
        Widget selfInsert = reader.getWidgets().get(LineReader.SELF_INSERT);
        reader.getWidgets().put(LineReader.SELF_INSERT, () -> {
            chat.typed();
            return selfInsert.apply();
        });
    }
}
