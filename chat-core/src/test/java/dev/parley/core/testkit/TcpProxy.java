package dev.parley.core.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP forwarder on a fixed loopback port that tests can break the way networks break: drop every
 * open connection ({@link #cutAll}), refuse new ones as well until {@link #start} ({@link #stop}), or
 * silently swallow the bytes flowing one way (a dead network that does not close).
 */
public final class TcpProxy implements AutoCloseable {
    private final String targetHost;
    private final int targetPort;
    private final int port;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile ServerSocket server;
    private volatile boolean swallowUpstream;
    private volatile boolean swallowDownstream;
    private volatile boolean recordDownstream;
    private final ByteArrayOutputStream delivered = new ByteArrayOutputStream();
    private final Object holdLock = new Object();
    private boolean holdUpstream;

    /** A proxy to a port on the loopback address. */
    public TcpProxy(int targetPort) throws IOException {
        this(InetAddress.getLoopbackAddress().getHostAddress(), targetPort);
    }

    public TcpProxy(String targetHost, int targetPort) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        try (ServerSocket probe = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            this.port = probe.getLocalPort();
        }
        start();
    }

    /** The loopback port clients connect to; it stays the same across {@link #stop} and {@link #start}. */
    public int port() {
        return port;
    }

    /** Client-to-target bytes are read and dropped while set. */
    public void swallowUpstream(boolean swallow) {
        swallowUpstream = swallow;
    }

    /**
     * Client-to-target bytes wait while set and flow on, in order, once cleared: a server too busy
     * to read, whose clients time out while their commands still arrive later.
     */
    public void holdUpstream(boolean hold) {
        synchronized (holdLock) {
            holdUpstream = hold;
            holdLock.notifyAll();
        }
    }

    /** Target-to-client bytes are read and dropped while set. */
    public void swallowDownstream(boolean swallow) {
        swallowDownstream = swallow;
    }

    /** From now on, keeps a copy of every target-to-client byte delivered, for {@link #deliveredDownstream}. */
    public void recordDownstream() {
        recordDownstream = true;
    }

    /** What was delivered target-to-client while recording, as ISO-8859-1 text (unmasked WebSocket frames read as text). */
    public String deliveredDownstream() {
        synchronized (delivered) {
            return delivered.toString(StandardCharsets.ISO_8859_1);
        }
    }

    /** Starts accepting and forwarding again. */
    public synchronized void start() throws IOException {
        if (server != null) {
            return;
        }
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        server = s;
        Thread acceptor = new Thread(() -> acceptLoop(s), "tcp-proxy-accept-" + port);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Refuses new connections and drops the open ones, as an unreachable host would look. */
    public synchronized void stop() {
        holdUpstream(false);
        ServerSocket s = server;
        server = null;
        closeQuietly(s);
        cutAll();
    }

    /** Closes every open connection, as a network failure would; new connections are still accepted. */
    public void cutAll() {
        for (Socket socket : sockets) {
            closeQuietly(socket);
        }
        sockets.clear();
    }

    @Override
    public void close() {
        stop();
    }

    private void acceptLoop(ServerSocket s) {
        while (!s.isClosed()) {
            Socket client;
            try {
                client = s.accept();
            } catch (IOException e) {
                return;
            }
            try {
                Socket upstream = new Socket(targetHost, targetPort);
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(upstream);
                if (server != s) { // stopped meanwhile
                    closeQuietly(client);
                    closeQuietly(upstream);
                    return;
                }
                pump(client, upstream, true);
                pump(upstream, client, false);
            } catch (IOException e) {
                closeQuietly(client); // the target is down: the client sees a closed connection
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
                    if (upstream) {
                        awaitNoHold();
                    }
                    out.write(buf, 0, n);
                    out.flush();
                    if (!upstream && recordDownstream) {
                        synchronized (delivered) {
                            delivered.write(buf, 0, n);
                        }
                    }
                }
            } catch (IOException e) {
                // either side closed: drop both below
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                sockets.remove(from);
                sockets.remove(to);
            }
        }, upstream ? "tcp-proxy-up" : "tcp-proxy-down");
        t.setDaemon(true);
        t.start();
    }

    private void awaitNoHold() throws IOException {
        synchronized (holdLock) {
            while (holdUpstream) {
                try {
                    holdLock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while held", e);
                }
            }
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            // already closed
        }
    }
}
