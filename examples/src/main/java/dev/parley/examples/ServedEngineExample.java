package dev.parley.examples;

import dev.parley.server.ChatServer;
import dev.parley.server.ServerConfig;
import java.security.SecureRandom;
import java.util.concurrent.CountDownLatch;

/**
 * Serves an engine with the application's own {@code roll_dice} message type (see
 * {@link EmbeddedEngineExample}) on the reference server's port, with the server's configuration,
 * limits, HTTP routes and health checks. Configured from the environment as the server jar is;
 * without JWT settings it runs in development mode (loopback only, tokens from {@code /dev/token/<user>}).
 *
 * <p>Run: {@code mvn -q -pl examples -am process-classes -Dexample=ServedEngineExample}
 */
public final class ServedEngineExample {
    private ServedEngineExample() {
    }

    public static void main(String[] args) throws Exception {
        ChatServer server = start(ServerConfig.fromEnvironment(System.getenv()).build());
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "served-engine-shutdown"));
        System.out.println("serving roll_dice on port " + server.port() + " (path /ws); Ctrl+C stops");
        new CountDownLatch(1).await();
    }

    /** The reference server on {@code config}, its engine completed with the {@code roll_dice} handler. */
    static ChatServer start(ServerConfig config) throws Exception {
        return ChatServer.start(config, engine -> engine.handler("roll_dice",
                EmbeddedEngineExample.rollDice(new SecureRandom())));
    }
}
