package dev.parley.client;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Where the client writes its diagnostics. The client never logs tokens or message bodies; debug
 * lines name frame types, request ids and state changes. Plug in your platform's logger (Android's
 * {@code Log}, SLF4J) with a lambda pair, or keep the {@code java.util.logging} default.
 */
public interface ChatLogger {
    /** Detail of what the client does; only called when debug logging is switched on. */
    void debug(String message);

    /** Something went wrong that the client handled (a dropped connection, a failing listener). */
    void warn(String message, Throwable error);

    /** Logs to {@code java.util.logging} under {@code dev.parley.client}. */
    static ChatLogger javaUtilLogging() {
        Logger logger = Logger.getLogger("dev.parley.client");
        return new ChatLogger() {
            @Override
            public void debug(String message) {
                logger.log(Level.INFO, message);
            }

            @Override
            public void warn(String message, Throwable error) {
                logger.log(Level.WARNING, message, error);
            }
        };
    }
}
