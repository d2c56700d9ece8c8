package dev.parley.client;

import java.net.URI;
import java.util.List;

/** The settings of one client, as the builder collected them. */
record ClientConfig(
        URI serverUri,
        TokenProvider tokenProvider,
        long requestTimeoutMillis,
        long connectTimeoutMillis,
        ReconnectPolicy reconnect,
        boolean debug,
        ChatLogger logger,
        List<String> extensions,
        long pingAfterIdleMillis,
        long deadAfterMillis,
        long tokenRefreshLeadMillis,
        long typingAutoStopMillis) {

    /** {@code typing_start} at most this often while typing continues (protocol 3.8). */
    static final long TYPING_RESTART_MILLIS = 2000;
    /** Attempts of one send on a live connection that gets no answer before it is given up. */
    static final int MAX_SEND_ATTEMPTS_WITHOUT_ANSWER = 3;
    /** Pages {@code load_more_messages} may fetch to close the gap left by a reconnect. */
    static final int MAX_GAP_PAGES = 20;
}
