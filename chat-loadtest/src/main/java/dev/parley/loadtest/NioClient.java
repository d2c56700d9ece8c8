package dev.parley.loadtest;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.java_websocket.WebSocket;
import org.java_websocket.WebSocketAdapter;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.exceptions.InvalidHandshakeException;
import org.java_websocket.exceptions.WebsocketNotConnectedException;
import org.java_websocket.framing.CloseFrame;
import org.java_websocket.handshake.Handshakedata;
import org.java_websocket.handshake.HandshakeImpl1Client;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plain ws:// connections on Java-WebSocket's client engine ({@link WebSocketImpl} with {@link
 * Draft_6455}), all driven by one selector thread of this client: no thread per connection. The
 * engine frames and parses; this loop connects, reads into one buffer for all connections, and
 * writes each connection's queued frames. The connections' callbacks run on the loop thread.
 *
 * <p>The JDK's WebSocket client, which the tool used before for every URL, spends about a third more
 * CPU per delivery (BENCHMARKS.md, session 20); it still carries wss:// ({@link JdkLink}), where the
 * JDK does the TLS.
 */
final class NioClient implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(NioClient.class);
    private static final int READ_BUFFER_BYTES = 64 * 1024;

    private final Selector selector;
    private final Thread thread;
    /** Work handed to the loop by other threads: connects, flushes of frames they queued, aborts. */
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final ByteBuffer readBuffer = ByteBuffer.allocate(READ_BUFFER_BYTES);
    private volatile boolean closed;

    NioClient(String threadName) throws IOException {
        this.selector = Selector.open();
        this.thread = new Thread(this::run, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    /** Opens a connection to {@code uri} (ws://) for {@code connection}; failures reach it as {@code CONNECT_FAILED}. */
    void connect(URI uri, ClientConnection connection) {
        int port = uri.getPort() == -1 ? 80 : uri.getPort();
        InetSocketAddress address = new InetSocketAddress(uri.getHost(), port);
        if (address.isUnresolved()) {
            connection.linkGone("CONNECT_FAILED", false);
            return;
        }
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        String resource = uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
        String host = uri.getPort() == -1 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
        execute(() -> open(address, resource, host, connection));
    }

    /** Stops the loop and closes every connection it still has. */
    @Override
    public void close() {
        closed = true;
        selector.wakeup();
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void execute(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    private boolean onLoop() {
        return Thread.currentThread() == thread;
    }

    private void run() {
        try {
            while (!closed) {
                selector.select();
                Runnable task;
                while ((task = tasks.poll()) != null) {
                    try {
                        task.run();
                    } catch (RuntimeException e) {
                        // One connection's trouble must not stop the loop that serves the others.
                        log.warn("a connection task failed", e);
                    }
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    ((Link) key.attachment()).handle(key);
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException | ClosedSelectorException e) {
            log.error("the client's selector failed", e);
        } finally {
            for (SelectionKey key : new ArrayList<>(selector.keys())) {
                ((Link) key.attachment()).drop("client closed");
            }
            try {
                selector.close();
            } catch (IOException e) {
                log.debug("closing the selector failed", e);
            }
        }
    }

    private void open(InetSocketAddress address, String resource, String host, ClientConnection connection) {
        Link link = null;
        try {
            SocketChannel channel = SocketChannel.open();
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            link = new Link(connection, channel, resource, host);
            SelectionKey key = channel.register(selector, SelectionKey.OP_CONNECT, link);
            link.ws.setSelectionKey(key);
            if (channel.connect(address)) {
                link.connected(key);
            }
        } catch (IOException | InvalidHandshakeException | RuntimeException e) {
            log.debug("connecting failed", e);
            if (link != null) {
                link.drop(e.toString());
            } else {
                connection.linkGone("CONNECT_FAILED", false);
            }
        }
    }

    /** One connection: the engine's listener, and the run's {@link ClientConnection.Link}. */
    private final class Link extends WebSocketAdapter implements ClientConnection.Link {
        final ClientConnection connection;
        final SocketChannel channel;
        final WebSocketImpl ws;
        private final String resource;
        private final String host;
        /** Set while a flush is queued for the loop, so that a burst of sends queues one. */
        private final AtomicBoolean flushQueued = new AtomicBoolean();
        private boolean opened; // loop thread only
        private boolean wantsWrite; // loop thread only

        Link(ClientConnection connection, SocketChannel channel, String resource, String host) {
            this.connection = connection;
            this.channel = channel;
            this.resource = resource;
            this.host = host;
            this.ws = new WebSocketImpl(this, new Draft_6455());
            ws.setChannel(channel);
        }

        void connected(SelectionKey key) throws InvalidHandshakeException {
            key.interestOps(SelectionKey.OP_READ);
            HandshakeImpl1Client request = new HandshakeImpl1Client();
            request.setResourceDescriptor(resource);
            request.put("Host", host);
            ws.startHandshake(request); // queues the upgrade request; onWriteDemand flushes it
        }

        void handle(SelectionKey key) {
            if (!key.isValid()) {
                return;
            }
            try {
                if (key.isConnectable()) {
                    if (channel.finishConnect()) {
                        connected(key);
                    }
                    return;
                }
                if (key.isReadable()) {
                    readBuffer.clear();
                    int n = channel.read(readBuffer);
                    if (n < 0) {
                        ws.eot();
                        return;
                    }
                    if (n > 0) {
                        readBuffer.flip();
                        ws.decode(readBuffer);
                    }
                }
                if (key.isValid() && key.isWritable()) {
                    flush();
                }
            } catch (IOException | InvalidHandshakeException | RuntimeException e) {
                drop(e.toString());
            }
        }

        /** Writes queued frames until the socket is full (then waits to be writable) or none are left. */
        void flush() throws IOException {
            ByteBuffer next;
            while ((next = ws.outQueue.peek()) != null) {
                channel.write(next);
                if (next.hasRemaining()) {
                    if (!wantsWrite) {
                        wantsWrite = true;
                        ws.getSelectionKey().interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                    }
                    return;
                }
                ws.outQueue.poll();
            }
            if (wantsWrite) {
                wantsWrite = false;
                ws.getSelectionKey().interestOps(SelectionKey.OP_READ);
            }
            // A refused handshake ends once its close is flushed. After an open connection's close
            // handshake the server closes the socket (RFC 6455, 7.1.1), which ends it here through eot().
            if (!opened && ws.isFlushAndClose()) {
                ws.closeConnection();
            }
        }

        /** Closes the socket without a close handshake; the connection hears of it once. */
        void drop(String why) {
            log.debug("connection {} dropped: {}", connection.index, why);
            ws.closeConnection(CloseFrame.ABNORMAL_CLOSE, why, false);
        }

        // ------------------------------------------------------------ ClientConnection.Link, any thread

        @Override
        public boolean sendText(String text) {
            if (ws.outQueue.size() >= ClientConnection.MAX_QUEUED_FRAMES) {
                connection.metrics.error("SEND_QUEUE_FULL");
                return false;
            }
            try {
                ws.send(text);
                return true;
            } catch (WebsocketNotConnectedException e) {
                return false;
            }
        }

        @Override
        public void close() {
            ws.close(CloseFrame.NORMAL, "done");
        }

        @Override
        public void abort() {
            if (onLoop()) {
                drop("aborted");
            } else {
                execute(() -> drop("aborted"));
            }
        }

        // ------------------------------------------------------------ the engine's listener, loop thread
        // (onWriteDemand also on the threads that send)

        @Override
        public void onWriteDemand(WebSocket conn) {
            if (onLoop()) {
                flushWhileOpen();
            } else if (flushQueued.compareAndSet(false, true)) {
                execute(() -> {
                    flushQueued.set(false);
                    flushWhileOpen();
                });
            }
        }

        /** Flushes on the loop unless the socket is closed already; a failed write drops the connection. */
        private void flushWhileOpen() {
            if (!ws.getSelectionKey().isValid()) {
                return;
            }
            try {
                flush();
            } catch (IOException e) {
                drop(e.toString());
            }
        }

        @Override
        public void onWebsocketOpen(WebSocket conn, Handshakedata handshake) {
            opened = true;
            connection.linkOpened(this);
        }

        @Override
        public void onWebsocketMessage(WebSocket conn, String message) {
            connection.linkText(message);
        }

        @Override
        public void onWebsocketMessage(WebSocket conn, ByteBuffer blob) {
            connection.metrics.error("UNEXPECTED_BINARY_FRAME");
        }

        @Override
        public void onWebsocketClose(WebSocket conn, int code, String reason, boolean remote) {
            // As the JDK client reports them: a socket that broke without a close frame is an error.
            String cause = !opened ? "CONNECT_FAILED"
                    : code == CloseFrame.ABNORMAL_CLOSE ? "CONNECTION_ERROR" : "CLOSED_" + code;
            connection.linkGone(cause, false);
        }

        @Override
        public void onWebsocketClosing(WebSocket conn, int code, String reason, boolean remote) {
        }

        @Override
        public void onWebsocketCloseInitiated(WebSocket conn, int code, String reason) {
        }

        @Override
        public void onWebsocketError(WebSocket conn, Exception ex) {
            log.debug("connection {}: {}", connection.index, ex.toString());
        }

        @Override
        public InetSocketAddress getLocalSocketAddress(WebSocket conn) {
            return (InetSocketAddress) channel.socket().getLocalSocketAddress();
        }

        @Override
        public InetSocketAddress getRemoteSocketAddress(WebSocket conn) {
            return (InetSocketAddress) channel.socket().getRemoteSocketAddress();
        }
    }
}
