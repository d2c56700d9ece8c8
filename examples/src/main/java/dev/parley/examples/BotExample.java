package dev.parley.examples;

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
 * <p>Run against a server: {@code mvn -q -pl examples -am process-classes -Dexample=BotExample
 * -Dexec.args="ws://127.0.0.1:8080/ <bot-token>"} (or set {@code PARLEY_URL} and {@code PARLEY_BOT_TOKEN}).
 * The bot runs until the connection closes.
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
        CountDownLatch closed = new CountDownLatch(1);
        ParleyBot bot = new ParleyBot(URI.create(url), token, BotExample::answer, closed::countDown);
        if (!bot.connectBlocking(10, TimeUnit.SECONDS)) {
            System.err.println("cannot connect to " + url);
            System.exit(1);
        }
        String userId;
        try {
            userId = bot.ready().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            System.err.println("the bot could not log in: " + (e.getCause() != null ? e.getCause().getMessage() : e));
            bot.close();
            System.exit(1);
            return;
        }
        System.out.println("bot online as " + userId + " at " + url);
        closed.await();
        System.out.println("connection closed");
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
