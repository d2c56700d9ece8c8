package dev.parley.loadtest;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A connection on {@link java.net.http.WebSocket}, for wss:// URLs (the JDK client does the TLS).
 * Connections share the run's few {@link HttpClient}s, whose selector threads and executor serve all
 * of them. The JDK allows one outstanding text send per socket, so frames queue here and are
 * written one after the other.
 */
final class JdkLink implements ClientConnection.Link, WebSocket.Listener {
    private final ClientConnection connection;
    private volatile WebSocket socket;
    private final ArrayDeque<String> outbound = new ArrayDeque<>();
    private boolean writing; // guarded by outbound
    private StringBuilder partial;

    private JdkLink(ClientConnection connection) {
        this.connection = connection;
    }

    static void connect(HttpClient client, URI uri, Duration timeout, ClientConnection connection) {
        try {
            client.newWebSocketBuilder()
                    .connectTimeout(timeout)
                    .buildAsync(uri, new JdkLink(connection))
                    .whenComplete((ws, failure) -> {
                        if (failure != null) {
                            connection.linkGone("CONNECT_FAILED", false);
                        }
                    });
        } catch (RuntimeException e) {
            connection.linkGone("CONNECT_FAILED", false);
        }
    }

    @Override
    public boolean sendText(String text) {
        WebSocket ws = socket;
        synchronized (outbound) {
            if (writing) {
                if (outbound.size() >= ClientConnection.MAX_QUEUED_FRAMES) {
                    connection.metrics.error("SEND_QUEUE_FULL");
                    return false;
                }
                outbound.add(text);
                return true;
            }
            writing = true;
        }
        write(ws, text);
        return true;
    }

    private void write(WebSocket ws, String first) {
        String text = first;
        while (text != null) {
            CompletableFuture<WebSocket> done;
            try {
                done = ws.sendText(text, true);
            } catch (RuntimeException e) {
                done = CompletableFuture.failedFuture(e);
            }
            if (!done.isDone()) {
                done.whenComplete((w, failure) -> {
                    if (failure != null) {
                        connection.linkSendFailed();
                    }
                    write(ws, nextQueued());
                });
                return;
            }
            if (done.isCompletedExceptionally()) {
                connection.linkSendFailed();
            }
            text = nextQueued();
        }
    }

    private String nextQueued() {
        synchronized (outbound) {
            String next = outbound.poll();
            if (next == null) {
                writing = false;
            }
            return next;
        }
    }

    @Override
    public void close() {
        try {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").whenComplete((w, failure) -> {
                if (failure != null) {
                    connection.abort();
                }
            });
        } catch (RuntimeException e) {
            connection.abort();
        }
    }

    @Override
    public void abort() {
        socket.abort();
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        socket = webSocket;
        webSocket.request(Long.MAX_VALUE);
        connection.linkOpened(this);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        if (!last) {
            if (partial == null) {
                partial = new StringBuilder(data.length() * 2);
            }
            partial.append(data);
            return null;
        }
        String text;
        if (partial != null) {
            text = partial.append(data).toString();
            partial = null;
        } else {
            text = data.toString();
        }
        connection.linkText(text);
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        if (last) {
            connection.metrics.error("UNEXPECTED_BINARY_FRAME");
        }
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        connection.linkGone("CLOSED_" + statusCode, false);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        connection.linkGone("CONNECTION_ERROR", false);
    }
}
