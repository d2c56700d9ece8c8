package dev.parley.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP proxy that tests can break: cut every connection at once, or silently swallow the
 * bytes flowing one way (a dead network that does not close).
 */
final class TcpProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final int targetPort;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    volatile boolean swallowUpstream;
    volatile boolean swallowDownstream;
    private final ByteArrayOutputStream delivered = new ByteArrayOutputStream();

    TcpProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "tcp-proxy-accept");
        t.setDaemon(true);
        t.start();
    }

    /** Every byte delivered from the server to the client so far, as ISO-8859-1 text (unmasked WebSocket frames). */
    String deliveredDownstream() {
        synchronized (delivered) {
            return delivered.toString(StandardCharsets.ISO_8859_1);
        }
    }

    int port() {
        return listener.getLocalPort();
    }

    /** Closes every proxied connection, as a network failure would. */
    void cutAll() {
        for (Socket s : sockets) {
            closeQuietly(s);
        }
        sockets.clear();
    }

    @Override
    public void close() {
        closeQuietly(listener);
        cutAll();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(server);
                pump(client, server, true);
                pump(server, client, false);
            } catch (IOException e) {
                // listener closed, or the target is down: the client sees a closed connection
            }
        }
    }

    private void pump(Socket from, Socket to, boolean upstream) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16384];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (upstream ? swallowUpstream : swallowDownstream) {
                        continue;
                    }
                    out.write(buf, 0, n);
                    out.flush();
                    if (!upstream) {
                        synchronized (delivered) {
                            delivered.write(buf, 0, n);
                        }
                    }
                }
            } catch (IOException e) {
                // one side closed
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, upstream ? "tcp-proxy-up" : "tcp-proxy-down");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // already closed
        }
    }
}
