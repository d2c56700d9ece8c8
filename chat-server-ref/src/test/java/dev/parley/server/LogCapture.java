package dev.parley.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * Records, as text, every log event of the named loggers while open, at the given levels (restored
 * at close): message, arguments, MDC and exceptions with their causes and stack frames, so a test
 * can look for anything that must not reach the logs.
 */
final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    private final List<String> lines = new ArrayList<>();
    private final Map<Logger, Level> previousLevels = new HashMap<>();

    /** Captures the loggers named (with their children) at the levels given, as {@code name, level, name, level...}. */
    static LogCapture of(Object... namesAndLevels) {
        LogCapture capture = new LogCapture();
        capture.setContext((ch.qos.logback.classic.LoggerContext) LoggerFactory.getILoggerFactory());
        capture.start();
        for (int i = 0; i < namesAndLevels.length; i += 2) {
            Logger logger = (Logger) LoggerFactory.getLogger((String) namesAndLevels[i]);
            capture.previousLevels.put(logger, logger.getLevel());
            logger.setLevel((Level) namesAndLevels[i + 1]);
            logger.addAppender(capture);
        }
        return capture;
    }

    @Override
    protected void append(ILoggingEvent e) {
        StringBuilder line = new StringBuilder()
                .append(e.getLevel()).append(' ').append(e.getLoggerName()).append(" - ").append(e.getFormattedMessage());
        if (e.getArgumentArray() != null) {
            for (Object arg : e.getArgumentArray()) {
                line.append(" | ").append(arg);
            }
        }
        e.getMDCPropertyMap().forEach((k, v) -> line.append(" | ").append(k).append('=').append(v));
        for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
            line.append(" | ").append(t.getClassName()).append(": ").append(t.getMessage());
            for (StackTraceElementProxy frame : t.getStackTraceElementProxyArray()) {
                line.append(' ').append(frame.getSTEAsString());
            }
        }
        synchronized (lines) {
            lines.add(line.toString());
        }
    }

    List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    /** The captured lines at WARN or above. */
    List<String> warnings() {
        return lines().stream().filter(l -> l.startsWith("WARN") || l.startsWith("ERROR")).toList();
    }

    @Override
    public void close() {
        previousLevels.forEach((logger, level) -> {
            logger.detachAppender(this);
            logger.setLevel(level);
        });
        stop();
    }
}
