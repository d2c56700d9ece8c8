package dev.parley.client;

import dev.parley.protocol.model.AuthUser;
import java.time.Instant;
import java.util.Set;

/**
 * An immutable snapshot of the connection.
 *
 * <p>Phases: {@code DISCONNECTED} -> {@code CONNECTING} -> {@code CONNECTED} (socket open) ->
 * {@code AUTHENTICATED}; on an unexpected drop -> {@code RECONNECTING} (waiting for the next attempt)
 * -> {@code CONNECTING} ... ; {@link ChatClient#disconnect()} or a close that forbids reconnecting
 * -> {@code DISCONNECTED}; {@link ChatClient#close()} -> {@code CLOSED}.
 *
 * @param phase              where the connection stands
 * @param user               the authenticated user, or {@code null} before the first authentication
 * @param extensions         extensions the server enabled for this connection
 * @param tokenExpiresAt     expiry of the current token, or {@code null}
 * @param error              the last problem (a close reason, an auth failure), or {@code null}
 * @param reconnectAttempts  consecutive failed attempts since the last stable connection
 */
public record ConnectionState(
        Phase phase,
        AuthUser user,
        Set<String> extensions,
        Instant tokenExpiresAt,
        String error,
        int reconnectAttempts) {

    public ConnectionState {
        extensions = extensions == null ? Set.of() : Set.copyOf(extensions);
    }

    /** The connection's phase. */
    public enum Phase { DISCONNECTED, CONNECTING, CONNECTED, AUTHENTICATED, RECONNECTING, CLOSED }

    /** The socket is open (authenticated or not). */
    public boolean connected() {
        return phase == Phase.CONNECTED || phase == Phase.AUTHENTICATED;
    }

    public boolean authenticated() {
        return phase == Phase.AUTHENTICATED;
    }
}
