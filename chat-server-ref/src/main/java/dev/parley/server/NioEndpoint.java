package dev.parley.server;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.java_websocket.WebSocket;
import org.java_websocket.WebSocketAdapter;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.drafts.Draft;
import org.java_websocket.exceptions.InvalidDataException;
import org.java_websocket.framing.CloseFrame;
import org.java_websocket.framing.Framedata;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.handshake.Handshakedata;
import org.java_websocket.handshake.ServerHandshakeBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parley's own transport ({@code TRANSPORT=nio}): selector loops that read, decode and write their
 * connections themselves, with Java-WebSocket's {@code WebSocketImpl} and {@link ServerDraft} for the
 * protocol (handshake, framing, limits, permessage-deflate, the close handshake), so clients see the
 * same server either way.
 *
 * <p>Why it exists (BENCHMARKS.md has the profiles): Java-WebSocket's server hands every read to a
 * decoder thread, wakes its selector for every queued frame, and never takes a written connection
 * out of its selected-key set, so each wake-up runs the write step for every connection it has ever
 * written to; its lost write demand needs a sweep. Here a connection asks its loop to write at most
 * once until the loop gets to it (a flag, cleared before the write, so no demand is lost), the loop
 * wakes only when it is not already awake, writes each asking connection once per round with one
 * gathering write of all it has queued, and listens for writability only after a partial write.
 * Frames are decoded on the loop: the engine's session only parses them and queues the work.
 *
 * <p>There is one loop per available core; the first also accepts. A connection that has not sent
 * its whole request within {@link Endpoint#HANDSHAKE_TIMEOUT} is closed (the TLS handshake counts
 * against the same time). With an {@link SSLContext}, every connection speaks TLS ({@link NioTls}).
 */
final class NioEndpoint extends WebSocketAdapter implements Endpoint {
    private static final Logger log = LoggerFactory.getLogger(NioEndpoint.class);
    private static final int READ_BUFFER_BYTES = 16 * 1024;
    /** Reads per connection per round, so one fast sender cannot hold the loop. */
    private static final int MAX_READS_PER_ROUND = 4;
    /** Frames per gathering write (the kernel takes at most IOV_MAX = 1024 buffers). */
    private static final int MAX_GATHER = 64;
    /** Connections written per round before the loop looks at its sockets again. */
    private static final int MAX_FLUSHES_PER_ROUND = 4096;
    private static final int MAX_ACCEPTS_PER_ROUND = 64;
    private static final long LINGER_NANOS = CLOSE_LINGER.toNanos();

    private final InetSocketAddress address;
    private final List<Draft> drafts;
    private final SessionBridge bridge;
    private final Loop[] loops;
    /** Null for plain connections. */
    private final SSLContext tls;
    /** Connections registered and not yet closed (a count, not a set: a set entry would cost each ~32 B). */
    private final AtomicInteger open = new AtomicInteger();
    private final CountDownLatch started = new CountDownLatch(1);
    private volatile ServerSocketChannel server;
    private volatile Exception startFailure;
    private volatile boolean stopping;
    /** Whether the loops were started (a failed start has only its selectors to close). */
    private volatile boolean loopsStarted;
    /** The reason of the 1001 close frames once {@link #stop} asked the loops to close their connections. */
    private volatile String goingAwayReason;
    private final Duration handshakeTimeout;
    /** Which loop gets the next accepted connection; read and written by the accepting loop only. */
    private int nextLoop;
    /** When accepting last failed and was logged (accepting loop only): out of descriptors, it fails on every round. */
    private long lastAcceptFailureLogged = System.nanoTime() - TimeUnit.SECONDS.toNanos(11);

    NioEndpoint(InetSocketAddress address, int maxFrameBytes, SessionBridge bridge, SSLContext tls) {
        this(address, maxFrameBytes, bridge, tls, Runtime.getRuntime().availableProcessors(), HANDSHAKE_TIMEOUT);
    }

    NioEndpoint(InetSocketAddress address, int maxFrameBytes, SessionBridge bridge, SSLContext tls, int loopCount,
                Duration handshakeTimeout) {
        this.address = address;
        this.tls = tls;
        this.drafts = List.of(new ServerDraft(maxFrameBytes));
        this.bridge = bridge;
        this.loops = new Loop[Math.max(1, loopCount)];
        this.handshakeTimeout = handshakeTimeout;
    }

    @Override
    public void start() {
        try {
            ServerSocketChannel channel = ServerSocketChannel.open();
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            channel.bind(address, WebSocketEndpoint.ACCEPT_BACKLOG);
            channel.configureBlocking(false);
            for (int i = 0; i < loops.length; i++) {
                loops[i] = new Loop(i);
            }
            channel.register(loops[0].selector, SelectionKey.OP_ACCEPT);
            server = channel;
            for (Loop loop : loops) {
                loop.thread.start();
            }
            loopsStarted = true;
        } catch (IOException | RuntimeException e) {
            startFailure = e;
            closeLoopsAndServer();
        } finally {
            started.countDown();
        }
    }

    @Override
    public void awaitStarted(long timeoutMillis) throws Exception {
        if (!started.await(timeoutMillis, TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("the WebSocket server did not start within " + timeoutMillis + " ms");
        }
        if (startFailure != null) {
            throw startFailure;
        }
    }

    @Override
    public int getPort() {
        ServerSocketChannel s = server;
        try {
            return s == null ? address.getPort() : ((InetSocketAddress) s.getLocalAddress()).getPort();
        } catch (IOException e) {
            return address.getPort();
        }
    }

    @Override
    public InetSocketAddress getAddress() {
        return address;
    }

    /** Stops accepting, closes every connection with 1001, gives their close frames up to the timeout, then stops the loops. */
    @Override
    public void stop(int timeoutMillis, String closeMessage) throws InterruptedException {
        if (stopping) {
            return;
        }
        stopping = true;
        if (!loopsStarted) {
            closeLoopsAndServer();
            return;
        }
        closeQuietly(server);
        goingAwayReason = closeMessage == null ? "" : closeMessage;
        // Started, so every loop exists: each closes its own connections.
        for (Loop loop : loops) {
            loop.selector.wakeup();
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (open.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        for (Loop loop : loops) {
            loop.running = false;
            loop.selector.wakeup();
        }
        for (Loop loop : loops) {
            loop.thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
    }

    private void closeLoopsAndServer() {
        closeQuietly(server);
        for (Loop loop : loops) {
            if (loop != null) {
                closeQuietly(loop.selector);
            }
        }
    }

    // --- Java-WebSocket's callbacks, on the connection's loop (or, for writes, any thread) ---

    @Override
    public ServerHandshakeBuilder onWebsocketHandshakeReceivedAsServer(WebSocket conn, Draft draft, ClientHandshake request)
            throws InvalidDataException {
        ServerHandshakeBuilder response = super.onWebsocketHandshakeReceivedAsServer(conn, draft, request);
        bridge.handshake(conn, (ServerDraft) draft, request);
        return response;
    }

    @Override
    public void onWebsocketOpen(WebSocket conn, Handshakedata handshake) {
        bridge.opened((WebSocketImpl) conn, (ClientHandshake) handshake);
    }

    @Override
    public void onWebsocketMessage(WebSocket conn, String message) {
        bridge.text(conn, message);
    }

    @Override
    public void onWebsocketMessage(WebSocket conn, ByteBuffer blob) {
        bridge.binary(conn, blob);
    }

    @Override
    public void onWebsocketPing(WebSocket conn, Framedata f) {
        super.onWebsocketPing(conn, f);
        bridge.alive(conn, "ping");
    }

    @Override
    public void onWebsocketPong(WebSocket conn, Framedata f) {
        bridge.alive(conn, "pong");
    }

    @Override
    public void onWebsocketClose(WebSocket conn, int code, String reason, boolean remote) {
        // Once per connection: the library calls this only on its way from open or closing to closed.
        open.decrementAndGet();
        bridge.closed(conn, code, remote);
    }

    @Override
    public void onWebsocketClosing(WebSocket conn, int code, String reason, boolean remote) {
        // Nothing to do until the connection is closed.
    }

    @Override
    public void onWebsocketCloseInitiated(WebSocket conn, int code, String reason) {
        // Nothing to do until the connection is closed.
    }

    @Override
    public void onWebsocketError(WebSocket conn, Exception ex) {
        bridge.failed(conn, ex);
    }

    /** Any thread: something was queued on the connection; its loop will write it. */
    @Override
    public void onWriteDemand(WebSocket conn) {
        NioConnection c = (NioConnection) conn;
        c.loop.demandWrite(c);
    }

    @Override
    public InetSocketAddress getLocalSocketAddress(WebSocket conn) {
        return ((NioConnection) conn).local;
    }

    @Override
    public InetSocketAddress getRemoteSocketAddress(WebSocket conn) {
        return ((NioConnection) conn).remote;
    }

    /** A connection and what its loop knows about its writes. */
    private static final class NioConnection extends WebSocketImpl implements WebSocketTransport.ReadHolding {
        private static final VarHandle WRITE_DEMANDED;

        static {
            try {
                WRITE_DEMANDED = MethodHandles.lookup().findVarHandle(NioConnection.class, "writeDemanded", boolean.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final Loop loop;
        final InetSocketAddress remote;
        final InetSocketAddress local;
        /** Set by whoever queues a frame and puts the connection on its loop's list; cleared by the loop before it writes. */
        @SuppressWarnings("unused") // through WRITE_DEMANDED
        private volatile boolean writeDemanded;
        /** Loop thread only: whether the key listens for writability (after a partial write). */
        boolean writeInterest;
        /** Whether the engine asked to stop reading (its frames wait to be handled); the loop applies it. */
        volatile boolean readsHeld;
        /** Loop thread only: when a connection whose output is shut is closed anyway; 0 while not closing. */
        long lingerDeadline;
        /** Loop thread only; null for a plain connection. */
        final NioTls tls;

        NioConnection(NioEndpoint endpoint, Loop loop, InetSocketAddress remote, InetSocketAddress local) {
            super(endpoint, endpoint.drafts);
            this.loop = loop;
            this.remote = remote;
            this.local = local;
            this.tls = endpoint.tls == null ? null : new NioTls(endpoint.tls);
        }

        boolean markWriteDemanded() {
            return WRITE_DEMANDED.compareAndSet(this, false, true);
        }

        void clearWriteDemanded() {
            WRITE_DEMANDED.setVolatile(this, false);
        }

        /** Takes effect when the loop next looks at this connection, which it is asked to do at once. */
        @Override
        public void holdReads(boolean hold) {
            readsHeld = hold;
            loop.demandWrite(this);
        }
    }

    /** One selector and the connections registered with it; everything but the two queues is touched by its thread only. */
    private final class Loop implements Runnable {
        final Selector selector;
        final Thread thread;
        final Queue<NioConnection> demandedWrites = new ConcurrentLinkedQueue<>();
        final Queue<SocketChannel> arrivals = new ConcurrentLinkedQueue<>();
        /** Whether a wake-up was asked for since the loop last returned from select (so others need not ask again). */
        final AtomicBoolean wakeupPending = new AtomicBoolean();
        final ByteBuffer readBuffer = ByteBuffer.allocate(READ_BUFFER_BYTES);
        final ByteBuffer[] gather = new ByteBuffer[MAX_GATHER];
        /** Null without TLS. */
        final NioTls.LoopBuffers tlsBuffers;
        /** Connections with their output shut, waiting for the peer's end of stream; oldest (first deadline) first. */
        final ArrayDeque<NioConnection> lingering = new ArrayDeque<>();
        /** This loop's connections until their request is read (or they are closed for not sending it). */
        final HandshakeDeadlines handshaking = new HandshakeDeadlines(handshakeTimeout);
        volatile boolean running = true;
        /** Whether this loop has closed its connections for {@link #stop}. */
        boolean wentAway;

        Loop(int index) throws IOException {
            this.selector = Selector.open();
            this.thread = new Thread(this, "parley-nio-" + index);
            this.tlsBuffers = tls == null ? null : new NioTls.LoopBuffers(tls);
        }

        void demandWrite(NioConnection c) {
            if (c.markWriteDemanded()) {
                demandedWrites.add(c);
                wake();
            }
        }

        private void wake() {
            // The loop looks at its queues before it selects again, so it need not wake itself.
            if (Thread.currentThread() != thread && wakeupPending.compareAndSet(false, true)) {
                selector.wakeup();
            }
        }

        @Override
        public void run() {
            while (running) {
                try {
                    if (demandedWrites.isEmpty() && arrivals.isEmpty()) {
                        selector.select(selectTimeoutMillis());
                    } else {
                        selector.selectNow();
                    }
                    wakeupPending.set(false);
                    Set<SelectionKey> ready = selector.selectedKeys();
                    for (SelectionKey key : ready) {
                        handle(key);
                    }
                    ready.clear();
                    registerArrivals();
                    if (goingAwayReason != null && !wentAway) {
                        goAway();
                    }
                    flushDemanded();
                    closeOverdueLingerers();
                    handshaking.closeOverdue(System.nanoTime());
                } catch (IOException | RuntimeException e) {
                    log.error("{} failed a round; going on", thread.getName(), e);
                }
            }
            for (SelectionKey key : selector.keys()) {
                if (key.attachment() instanceof NioConnection c) {
                    c.closeConnection(CloseFrame.ABNORMAL_CLOSE, "server stopped");
                }
            }
            closeQuietly(selector);
        }

        private void handle(SelectionKey key) {
            try {
                if (!key.isValid()) {
                    return;
                }
                if (!(key.attachment() instanceof NioConnection c)) {
                    accept();
                    return;
                }
                int ops = key.readyOps();
                if ((ops & SelectionKey.OP_READ) != 0) {
                    read(c);
                }
                if ((ops & SelectionKey.OP_WRITE) != 0 && key.isValid()) {
                    flush(c);
                }
            } catch (CancelledKeyException e) {
                // Closed by another thread meanwhile; its close already ran.
            }
        }

        private void accept() {
            for (int i = 0; i < MAX_ACCEPTS_PER_ROUND; i++) {
                SocketChannel channel;
                try {
                    channel = server.accept();
                } catch (IOException e) {
                    long now = System.nanoTime();
                    if (now - lastAcceptFailureLogged > TimeUnit.SECONDS.toNanos(10)) {
                        lastAcceptFailureLogged = now;
                        log.warn("accepting a connection failed (logged at most every 10 s): {}", e.toString());
                    }
                    return;
                }
                if (channel == null) {
                    return;
                }
                if (stopping) {
                    closeQuietly(channel);
                    continue;
                }
                Loop target = loops[nextLoop];
                nextLoop = (nextLoop + 1) % loops.length;
                if (target == this) {
                    register(channel);
                } else {
                    target.arrivals.add(channel);
                    target.wake();
                }
            }
        }

        /** Sends every connection of this loop a 1001 close; they close once it is written. */
        private void goAway() {
            wentAway = true;
            for (SelectionKey key : selector.keys()) {
                if (key.attachment() instanceof NioConnection c) {
                    c.close(CloseFrame.GOING_AWAY, goingAwayReason);
                }
            }
        }

        private void registerArrivals() {
            SocketChannel channel;
            while ((channel = arrivals.poll()) != null) {
                register(channel);
            }
        }

        private void register(SocketChannel channel) {
            if (stopping) {
                closeQuietly(channel);
                return;
            }
            try {
                channel.configureBlocking(false);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                channel.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
                NioConnection c = new NioConnection(NioEndpoint.this, this,
                        (InetSocketAddress) channel.getRemoteAddress(), (InetSocketAddress) channel.getLocalAddress());
                c.setChannel(channel);
                c.setSelectionKey(channel.register(selector, SelectionKey.OP_READ, c));
                open.incrementAndGet();
                handshaking.arrived(c);
            } catch (IOException e) {
                log.debug("a new connection failed before its handshake: {}", e.toString());
                closeQuietly(channel);
            }
        }

        private void read(NioConnection c) {
            SocketChannel channel = (SocketChannel) c.getChannel();
            ByteBuffer buf = readBuffer;
            if (c.lingerDeadline != 0) {
                drainLingering(c, channel, buf);
                return;
            }
            for (int i = 0; i < MAX_READS_PER_ROUND; i++) {
                int n;
                try {
                    if (c.tls != null) {
                        n = c.tls.read(channel, tlsBuffers, c); // decodes what it unwraps
                    } else {
                        buf.clear();
                        n = channel.read(buf);
                        if (n > 0) {
                            buf.flip();
                            c.decode(buf);
                        }
                    }
                } catch (IOException e) { // also TLS failures: not TLS, a bad record, a failed handshake
                    c.closeConnection(CloseFrame.ABNORMAL_CLOSE, e.getMessage());
                    return;
                } catch (RuntimeException e) {
                    log.error("decoding a frame failed; closing the connection", e);
                    c.close(CloseFrame.UNEXPECTED_CONDITION, "internal_error");
                    return;
                }
                if (n < 0) {
                    c.eot();
                    return;
                }
                SelectionKey key = c.getSelectionKey();
                if (!key.isValid()) {
                    return;
                }
                if (c.tls != null && !c.writeInterest && (c.tls.wantsWrite() || !c.outQueue.isEmpty())) {
                    // The handshake's answer; or frames that waited for a handshake (a TLS 1.2
                    // renegotiation) that this read completed, with no new frame to ask for them.
                    flush(c);
                }
                if (n == 0) {
                    return;
                }
                if (c.readsHeld) { // the engine has enough of this connection's frames waiting
                    applyInterest(c, key);
                    return;
                }
                if (n < (c.tls != null ? tlsBuffers.netIn.capacity() / 2 : buf.capacity())) {
                    return;
                }
            }
        }

        private void flushDemanded() {
            NioConnection c;
            for (int i = 0; i < MAX_FLUSHES_PER_ROUND && (c = demandedWrites.poll()) != null; i++) {
                // Cleared before writing: a frame queued from now on asks again; one queued before is written now.
                c.clearWriteDemanded();
                if (!c.writeInterest) { // otherwise the socket is full and writability will call flush
                    flush(c);
                } else if (c.getSelectionKey().isValid()) {
                    applyInterest(c, c.getSelectionKey()); // reads held or resumed meanwhile
                }
            }
        }

        /** Writes what the connection has queued, as far as the socket takes it; closes it once a requested close is flushed. */
        private void flush(NioConnection c) {
            SelectionKey key = c.getSelectionKey();
            if (key == null || !key.isValid()) {
                c.outQueue.clear(); // closed: nobody will read these
                return;
            }
            SocketChannel channel = (SocketChannel) c.getChannel();
            if (c.tls != null) {
                flushTls(c, key, channel);
                return;
            }
            ByteBuffer[] out = gather;
            try {
                ByteBuffer head;
                while ((head = c.outQueue.peek()) != null) {
                    int n = 1;
                    out[0] = head;
                    if (c.outQueue.size() > 1) {
                        n = 0;
                        for (ByteBuffer b : c.outQueue) {
                            out[n++] = b;
                            if (n == MAX_GATHER) {
                                break;
                            }
                        }
                    }
                    if (n == 1) {
                        channel.write(head);
                    } else {
                        channel.write(out, 0, n);
                    }
                    int written = 0;
                    while (written < n && !out[written].hasRemaining()) {
                        c.outQueue.poll();
                        written++;
                    }
                    Arrays.fill(out, 0, n, null);
                    if (written < n) {
                        listenForWritability(c, key, true);
                        return;
                    }
                }
            } catch (IOException e) {
                Arrays.fill(out, null);
                c.closeConnection(CloseFrame.ABNORMAL_CLOSE, e.getMessage());
                return;
            }
            listenForWritability(c, key, false);
            if (c.isFlushAndClose()) {
                shutOutput(c, channel);
            }
        }

        private void flushTls(NioConnection c, SelectionKey key, SocketChannel channel) {
            boolean all;
            try {
                all = c.tls.flush(channel, tlsBuffers, c.outQueue);
            } catch (IOException e) {
                c.closeConnection(CloseFrame.ABNORMAL_CLOSE, e.getMessage());
                return;
            }
            listenForWritability(c, key, !all);
            if (all && c.isFlushAndClose()) {
                shutOutput(c, channel);
            }
        }

        /** Everything, the close frame last, is written: send our end of stream and wait for the peer's. */
        private void shutOutput(NioConnection c, SocketChannel channel) {
            if (c.lingerDeadline != 0) {
                return;
            }
            if (c.tls != null) {
                // A close_notify ends the TLS stream cleanly; best effort: the socket has just taken
                // everything else, and the WebSocket close frame is out already either way.
                c.tls.closeOutbound();
                try {
                    c.tls.flush(channel, tlsBuffers, c.outQueue);
                } catch (IOException e) {
                    c.closeConnection();
                    return;
                }
            }
            try {
                channel.shutdownOutput();
            } catch (IOException e) {
                c.closeConnection();
                return;
            }
            c.lingerDeadline = System.nanoTime() + LINGER_NANOS;
            lingering.add(c);
            applyInterest(c, c.getSelectionKey());
        }

        /** Reads and drops what a closing peer still sends; closes at its end of stream. */
        private void drainLingering(NioConnection c, SocketChannel channel, ByteBuffer buf) {
            try {
                for (int i = 0; i < MAX_READS_PER_ROUND; i++) {
                    buf.clear();
                    int n = channel.read(buf);
                    if (n < 0) {
                        c.closeConnection();
                        return;
                    }
                    if (n == 0) {
                        return;
                    }
                }
            } catch (IOException e) {
                c.closeConnection();
            }
        }

        /** Until the next deadline of a lingering or handshaking connection, at most a second. */
        private long selectTimeoutMillis() {
            long next = TimeUnit.SECONDS.toNanos(1);
            long now = System.nanoTime();
            if (!lingering.isEmpty()) {
                next = Math.min(next, lingering.peek().lingerDeadline - now);
            }
            next = Math.min(next, handshaking.nanosToNext(now));
            return Math.max(1, TimeUnit.NANOSECONDS.toMillis(next));
        }

        private void closeOverdueLingerers() {
            long now = System.nanoTime();
            while (!lingering.isEmpty() && (lingering.peek().isClosed() || lingering.peek().lingerDeadline - now <= 0)) {
                lingering.poll().closeConnection(); // no-op for the ones already closed
            }
        }

        private void listenForWritability(NioConnection c, SelectionKey key, boolean on) {
            c.writeInterest = on;
            applyInterest(c, key);
        }

        /** Reads unless the engine holds them (a closing connection is always read, to see the peer's end). */
        private void applyInterest(NioConnection c, SelectionKey key) {
            int ops = (c.readsHeld && c.lingerDeadline == 0 ? 0 : SelectionKey.OP_READ)
                    | (c.writeInterest ? SelectionKey.OP_WRITE : 0);
            if (key.interestOps() != ops) {
                key.interestOps(ops);
            }
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (IOException e) {
            // Closing on the way out: nothing left to do with it.
        }
    }
}
