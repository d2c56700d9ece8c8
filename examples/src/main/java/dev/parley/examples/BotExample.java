package dev.parley.examples;

import dev.parley.client.ConnectionState;
import java.net.URI;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A bot user: it connects to a Parley server like any client, joins every conversation it is part of
 * (and every new one it is added to), answers {@code !time} with the current UTC time and
 * echoes everything else.
 *
 * <p>Built on the Java client SDK ({@code chat-client}), which reconnects after drops.
 *
 * <p>Run against a server: {@code mvn -q -pl examples -am process-classes -Dexample=BotExample
 * -Dexec.args="ws://127.0.0.1:8080/ <bot-token>"} (or set {@code PARLEY_URL} and {@code PARLEY_BOT_TOKEN}).
 * The bot runs until it is stopped (Ctrl+C) or the server refuses it for good.
 */
public final class BotExample {
    static final String DEFAULT_URL = "ws://127.0.0.1:8080/";
    static final String GREETING = "Hi, I am a bot. Send !time for the time; anything else I echo.";
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);

    private BotExample() {
    }

    public static void main(String[] args) throws InterruptedException {
        String url = args.length > 0 ? args[0] : env("PARLEY_URL", DEFAULT_URL);
        String token = args.length > 1 ? args[1] : env("PARLEY_BOT_TOKEN", null);
        if (token == null) {
            System.err.println("usage: BotExample <ws-url> <bot-token>  (or PARLEY_URL and PARLEY_BOT_TOKEN)");
            System.exit(2);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        ParleyBot bot = new ParleyBot(URI.create(url), token, BotExample::answer, state -> {
            // The SDK reconnects after drops by itself; it ends only on a close that forbids reconnecting.
            if (state.phase() == ConnectionState.Phase.DISCONNECTED || state.phase() == ConnectionState.Phase.CLOSED) {
                stopped.countDown();
            }
        });
        try {
            String userId;
            try {
                userId = bot.start().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                System.err.println("the bot could not start: " + (e.getCause() != null ? e.getCause().getMessage() : e));
                bot.close();
                System.exit(1);
                return;
            }
            System.out.println("bot online as " + userId + " at " + url);
            stopped.await();
        } finally {
            bot.close();
            System.out.println("bot stopped");
        }
    }

    /** What the bot says to a message, if anything. */
    static Optional<String> answer(String content) {
        String text = content.strip();
        if (text.isEmpty()) {
            return Optional.empty();
        }
        if (text.equalsIgnoreCase("!time")) {
            return Optional.of("The time is " + TIME.format(Instant.now()));
        }
        return Optional.of("echo: " + text);
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value != null && !value.isEmpty() ? value : fallback;
    }
}
