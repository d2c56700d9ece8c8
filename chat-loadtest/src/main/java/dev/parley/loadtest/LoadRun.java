package dev.parley.loadtest;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.parley.loadtest.ClientConnection.State;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.MessageType;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One load run, in phases that each end by count or by time: connect and authenticate (at most
 * {@code connectConcurrency} at once), create one group per room and join its members, send for the
 * warm-up and the measured window, drain outstanding answers, close. The main thread drives the
 * phases and prints progress; connection callbacks run on the clients' selector threads (or, for
 * wss://, on the {@code --io-threads} pool if there is one).
 */
final class LoadRun implements ClientConnection.Events {
    private static final Logger log = LoggerFactory.getLogger(LoadRun.class);
    static final String AUTH_ID = "lt-auth";
    static final String CREATE_ID = "lt-create";
    static final String JOIN_ID = "lt-join";
    private static final long POLL_MILLIS = 20;
    /** Pause after an error answer in closed loop, so a refusing server is not hammered. */
    private static final long ERROR_PAUSE_MILLIS = 10;
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(2);

    private final LoadTestOptions options;
    private final Progress progress;
    private final Metrics metrics = new Metrics(System.nanoTime());
    private final Room[] rooms;
    private final ClientConnection[] connections;
    private final Semaphore connectPermits;
    /** Runs the JDK clients' callbacks (wss://); null when they run on their selector threads ({@code --io-threads 0}). */
    private final ExecutorService io;
    private final ScheduledExecutorService timer;
    private volatile boolean sending;
    private volatile long sendEnd = Long.MAX_VALUE;
    private RunResult.CpuLoad generatorLoad = RunResult.CpuLoad.UNKNOWN;
    /** Null when the run was not given the server's metrics. */
    private final ServerMetrics serverMetrics;
    private RunResult.ServerLoad serverLoad;

    LoadRun(LoadTestOptions options, PrintStream progressOut) {
        this.options = options;
        this.progress = new Progress(metrics, options.progress() ? progressOut : null);
        this.connectPermits = new Semaphore(options.connectConcurrency());
        this.rooms = new Room[options.rooms()];
        for (int r = 0; r < rooms.length; r++) {
            rooms[r] = new Room(r);
        }
        // Connection i is in room i % rooms; the first senders-per-room members of each room send.
        this.connections = new ClientConnection[options.connections()];
        for (int i = 0; i < connections.length; i++) {
            Room room = rooms[i % rooms.length];
            boolean sender = room.members.size() < options.sendersPerRoom();
            connections[i] = new ClientConnection(i, room, sender, this, metrics);
            room.members.add(connections[i]);
        }
        this.io = options.ioThreads() == 0 ? null
                : Executors.newFixedThreadPool(options.ioThreads(), daemon("loadtest-io"));
        this.timer = Executors.newSingleThreadScheduledExecutor(daemon("loadtest-timer"));
        this.serverMetrics = options.serverMetrics() == null ? null : new ServerMetrics(options.serverMetrics());
    }

    RunResult run() throws IOException, InterruptedException {
        Instant startedAt = Instant.now();
        Clients clients = new Clients();
        try {
            Tokens tokens = Tokens.from(options);
            // Each setup phase gets the whole timeout, so a slow connect phase cannot starve the rooms.
            connectAll(clients, tokens, metrics.now() + options.setupTimeout().toNanos());
            createAndJoinRooms(metrics.now() + options.setupTimeout().toNanos());
            Duration setupTime = Duration.ofNanos(metrics.now());
            List<ClientConnection> senders = readySenders();
            boolean loaded = readyCount() > 0;
            if (loaded) {
                long loadStart = metrics.now();
                long windowStart = loadStart + options.warmup().toNanos();
                long windowEnd = windowStart + options.duration().toNanos();
                metrics.window(windowStart, windowEnd);
                sendEnd = windowEnd;
                load(senders, loadStart, windowStart, windowEnd);
                drain();
            }
            return result(startedAt, setupTime, senders.size(), loaded);
        } finally {
            closeAll();
            clients.close();
            timer.shutdownNow();
            if (io != null) {
                io.shutdownNow();
            }
        }
    }

    // ---------------------------------------------------------------- phase 1: connect and authenticate

    private void connectAll(Clients clients, Tokens tokens, long deadline) throws InterruptedException, IOException {
        progress.phase("connect");
        for (ClientConnection c : connections) {
            long left = deadline - metrics.now();
            if (left <= 0 || !acquirePermit(left)) {
                break;
            }
            c.token(tokens.tokenFor(c.index));
            clients.connect(c, options.urlFor(c.index));
        }
        awaitNoneIn(State.CONNECTING, deadline);
        for (ClientConnection c : connections) {
            if (c.state() == State.CONNECTING) {
                fail(c, "SETUP_TIMEOUT");
            }
        }
    }

    private boolean acquirePermit(long leftNanos) throws InterruptedException {
        long stop = metrics.now() + leftNanos;
        while (true) {
            long now = metrics.now();
            if (now >= progress.nextTick()) {
                progress.tick();
            }
            long wait = Math.min(stop, progress.nextTick()) - now;
            if (stop - now <= 0) {
                return false;
            }
            if (connectPermits.tryAcquire(Math.max(wait, 0), TimeUnit.NANOSECONDS)) {
                return true;
            }
        }
    }

    // ---------------------------------------------------------------- phase 2: rooms

    private void createAndJoinRooms(long deadline) throws InterruptedException {
        progress.phase("rooms");
        for (Room room : rooms) {
            List<ClientConnection> members = new ArrayList<>();
            for (ClientConnection c : room.members) {
                if (c.state() == State.AUTHENTICATED) {
                    members.add(c);
                }
            }
            if (members.isEmpty()) {
                continue;
            }
            ClientConnection creator = members.get(0);
            Set<String> others = new LinkedHashSet<>();
            for (ClientConnection c : members) {
                if (!c.userId().equals(creator.userId())) {
                    others.add(c.userId());
                }
            }
            if (others.isEmpty()) {
                members.forEach(c -> fail(c, "ROOM_WITHOUT_OTHER_USERS"));
                continue;
            }
            String name = "loadtest room " + room.index;
            if (!creator.send(Frames.createGroup(name, List.copyOf(others), CREATE_ID))) {
                fail(creator, "NOT_CONNECTED");
                failRoom(room);
            }
        }
        awaitNoneIn(State.AUTHENTICATED, deadline);
        for (ClientConnection c : connections) {
            if (c.state() == State.AUTHENTICATED) {
                fail(c, "SETUP_TIMEOUT");
            }
        }
        progress.line("ready: " + readyCount() + " of " + connections.length + " connections joined to "
                + rooms.length + " rooms");
    }

    private void roomCreated(ClientConnection creator, Frames.Inbound frame) {
        String id = frame.payloadString("id");
        if (id == null) {
            id = frame.payloadString("conversation_id");
        }
        if (id == null) {
            fail(creator, "CREATED_WITHOUT_ID");
            failRoom(creator.room);
            return;
        }
        Room room = creator.room;
        room.conversationId(id);
        joined(creator);
        String join = Frames.join(id, JOIN_ID);
        for (ClientConnection c : room.members) {
            if (c != creator && c.state() == State.AUTHENTICATED && !c.send(join)) {
                fail(c, "NOT_CONNECTED");
            }
        }
    }

    private void failRoom(Room room) {
        for (ClientConnection c : room.members) {
            if (c.state() == State.AUTHENTICATED) {
                fail(c, "ROOM_NOT_CREATED");
            }
        }
    }

    private void joined(ClientConnection c) {
        if (c.transition(State.AUTHENTICATED, State.JOINED)) {
            c.room.joined.incrementAndGet();
        }
    }

    // ---------------------------------------------------------------- phase 3: load

    private int readyCount() {
        int ready = 0;
        for (ClientConnection c : connections) {
            ready += c.state() == State.JOINED ? 1 : 0;
        }
        return ready;
    }

    private List<ClientConnection> readySenders() {
        List<ClientConnection> senders = new ArrayList<>();
        for (ClientConnection c : connections) {
            if (c.sender && c.state() == State.JOINED) {
                senders.add(c);
            }
        }
        return senders;
    }

    private void load(List<ClientConnection> senders, long loadStart, long windowStart, long windowEnd)
            throws InterruptedException {
        // The first reading of the server's metrics loads and starts an HTTP client: done before
        // any send, where it stalls nothing that is timed (at the window's start it cost the
        // delivery p99 of a one-core run tens of milliseconds).
        markServer();
        progress.phase(options.warmup().isZero() ? "measure" : "warmup");
        sending = !senders.isEmpty();
        Thread pacer = null;
        if (sending && options.closedLoop()) {
            senders.forEach(c -> callbacks().execute(() -> sendNext(c)));
        } else if (sending) {
            ClientConnection[] order = senders.toArray(ClientConnection[]::new);
            pacer = new Thread(() -> pace(order, loadStart), "loadtest-pacer");
            pacer.setDaemon(true);
            pacer.start();
        }
        boolean measuring = options.warmup().isZero();
        long cpuAtStart = ProcessCpu.nanos();
        long wallAtStart = metrics.now();
        ServerMark serverAtStart = measuring ? markServer() : null;
        while (metrics.now() < windowEnd) {
            if (!measuring && metrics.now() >= windowStart) {
                measuring = true;
                progress.phase("measure");
                cpuAtStart = ProcessCpu.nanos();
                wallAtStart = metrics.now();
                serverAtStart = markServer();
            }
            sleepUntil(Math.min(measuring ? windowEnd : windowStart, progress.nextTick()));
            if (metrics.now() >= progress.nextTick() || metrics.now() >= windowEnd) {
                progress.tick();
            }
        }
        generatorLoad = ProcessCpu.between(cpuAtStart, ProcessCpu.nanos(), metrics.now() - wallAtStart);
        serverLoad = serverLoad(serverAtStart, markServer());
        sending = false;
        if (pacer != null) {
            pacer.join(TimeUnit.SECONDS.toMillis(5));
        }
    }

    /** Closed loop: the next message of this sender, right after the previous one was answered. */
    private void sendNext(ClientConnection c) {
        if (!sending || c.state() != State.JOINED) {
            return;
        }
        long now = metrics.now();
        if (now < sendEnd) {
            send(c, now);
        }
    }

    /**
     * Open loop: the k-th send is due at {@code start + k / rate} and carries that intended time, so
     * delays in this generator count as latency instead of silently lowering the rate.
     */
    private void pace(ClientConnection[] order, long start) {
        double nanosPerSend = 1e9 / options.rate();
        for (long k = 0; sending; k++) {
            long due = start + (long) (k * nanosPerSend);
            if (due >= sendEnd) {
                return;
            }
            long wait;
            while ((wait = due - metrics.now()) > 0 && sending) {
                LockSupport.parkNanos(Math.min(wait, TimeUnit.MILLISECONDS.toNanos(1)));
            }
            ClientConnection c = order[(int) (k % order.length)];
            if (c.state() == State.JOINED) {
                send(c, due);
            } else {
                metrics.error("SENDER_DISCONNECTED");
            }
        }
    }

    private void send(ClientConnection c, long sendNanos) {
        long seq = c.nextSeq();
        String content = Frames.content(sendNanos, c.index, seq, options.payloadBytes());
        c.inFlight.incrementAndGet();
        if (c.send(Frames.sendMessage(c.room.quotedConversationId(), content, Frames.SEND_ID_PREFIX + seq))) {
            metrics.sent(sendNanos);
        } else {
            c.inFlight.decrementAndGet();
            if (!c.isOpen()) {
                metrics.error("SENDER_DISCONNECTED");
            }
        }
    }

    // ---------------------------------------------------------------- phase 4: drain and close

    private void drain() throws InterruptedException {
        progress.phase("drain");
        long deadline = metrics.now() + options.drainTimeout().toNanos();
        while (metrics.now() < deadline && !drained()) {
            sleepUntil(Math.min(deadline, metrics.now() + TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS)));
            if (metrics.now() >= progress.nextTick()) {
                progress.tick();
            }
        }
        long unanswered = 0;
        for (ClientConnection c : connections) {
            unanswered += c.inFlight.getAndSet(0);
        }
        metrics.errors("NO_ANSWER", unanswered);
    }

    private boolean drained() {
        for (ClientConnection c : connections) {
            if (c.inFlight.get() > 0) {
                return false;
            }
        }
        return metrics.deliveries.sum() >= metrics.expectedDeliveries.sum();
    }

    private void closeAll() throws InterruptedException {
        for (ClientConnection c : connections) {
            c.close();
        }
        long deadline = metrics.now() + CLOSE_WAIT.toNanos();
        while (metrics.openConnections.get() > 0 && metrics.now() < deadline) {
            Thread.sleep(POLL_MILLIS);
        }
        for (ClientConnection c : connections) {
            c.abort();
        }
    }

    // ---------------------------------------------------------------- events from connections

    @Override
    public void opened(ClientConnection c) {
        if (c.state() == State.FAILED) {
            c.abort(); // its setup timed out while the handshake was under way
            return;
        }
        if (!c.send(Frames.auth(c.token(), options.extensions(), AUTH_ID))) {
            fail(c, "NOT_CONNECTED");
        }
    }

    @Override
    public void frame(ClientConnection c, Frames.Inbound frame, long now) {
        String type = frame.type();
        if (type == null) {
            metrics.error("UNREADABLE_FRAME");
            return;
        }
        if (Frames.MESSAGE_RECEIVED.equals(type)) {
            if (frame.sendNanos() >= 0) {
                metrics.delivered(frame.sendNanos(), now);
            }
            return;
        }
        if (frame.isAnswerToSend()) {
            answered(c, frame, now);
            return;
        }
        String requestId = frame.requestId();
        boolean failure = Frames.ERROR.equals(type) || MessageType.AUTH_ERROR.wireName().equals(type);
        if (AUTH_ID.equals(requestId) || (c.state() == State.CONNECTING && failure)) {
            if (MessageType.AUTH_SUCCESS.wireName().equals(type)) {
                authenticated(c, frame);
            } else if (failure) {
                fail(c, frame.errorCode());
            }
        } else if (CREATE_ID.equals(requestId)) {
            if (MessageType.CONVERSATION_CREATED.wireName().equals(type)) {
                roomCreated(c, frame);
            } else if (failure) {
                fail(c, frame.errorCode());
                failRoom(c.room);
            }
        } else if (JOIN_ID.equals(requestId)) {
            if (MessageType.CONVERSATION_JOINED.wireName().equals(type)) {
                joined(c);
            } else if (failure) {
                fail(c, frame.errorCode());
            }
        } else if (failure) {
            // An unsolicited error or auth_error (an expired token, an unreadable frame of ours).
            metrics.error(frame.errorCode());
        } else {
            metrics.event(now);
        }
    }

    private void authenticated(ClientConnection c, Frames.Inbound frame) {
        String userId = frame.payload() != null && frame.payload().get("user") instanceof JsonObject user
                ? stringField(user, "id") : null;
        if (userId == null) {
            fail(c, "AUTH_WITHOUT_USER");
            return;
        }
        c.userId(userId);
        if (c.transition(State.CONNECTING, State.AUTHENTICATED)) {
            connectPermits.release();
        }
    }

    private void answered(ClientConnection c, Frames.Inbound frame, long now) {
        c.inFlight.decrementAndGet();
        if (Frames.MESSAGE_SENT.equals(frame.type())) {
            if (frame.sendNanos() >= 0) {
                metrics.acked(frame.sendNanos(), now, c.room.joined.get());
            } else {
                metrics.error("ACK_WITHOUT_MARKER");
            }
            if (options.closedLoop()) {
                sendNext(c);
            }
            return;
        }
        String code = Frames.ERROR.equals(frame.type()) ? frame.errorCode() : "UNEXPECTED_" + frame.type();
        metrics.error(code);
        if (options.closedLoop() && sending) {
            long pause = ErrorCode.RATE_LIMITED.name().equals(code)
                    ? Math.max(frame.retryAfterMs(), ERROR_PAUSE_MILLIS) : ERROR_PAUSE_MILLIS;
            timer.schedule(() -> sendNext(c), pause, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void closed(ClientConnection c, String cause, boolean requested) {
        if (!requested) {
            fail(c, cause);
        }
    }

    /** Ends a connection's part in the run, once, counting {@code code} as its failure. */
    private void fail(ClientConnection c, String code) {
        while (true) {
            State before = c.state();
            if (before == State.FAILED) {
                return;
            }
            if (c.transition(before, State.FAILED)) {
                metrics.error(code);
                log.debug("connection {} failed: {}", c.index, code);
                if (before == State.CONNECTING) {
                    connectPermits.release();
                } else if (before == State.JOINED) {
                    c.room.joined.decrementAndGet();
                }
                if (c.isOpen()) {
                    c.abort();
                }
                return;
            }
        }
    }

    // ---------------------------------------------------------------- result

    private RunResult result(Instant startedAt, Duration setupTime, int senders, boolean loaded) {
        int ready = 0;
        int failed = 0;
        for (ClientConnection c : connections) {
            ready += c.state() == State.JOINED ? 1 : 0;
            failed += c.state() == State.FAILED ? 1 : 0;
        }
        long totalSends = metrics.sends.sum();
        long totalExpected = metrics.expectedDeliveries.sum();
        long totalDelivered = metrics.deliveries.sum();
        long lost = Math.max(0, totalExpected - totalDelivered);
        long failures = metrics.errorCount() + lost;
        long operations = connections.length + totalSends + totalExpected;
        double ratio = RunResult.errorRatio(failures, operations);
        List<String> reasons = new ArrayList<>();
        if (ratio > options.maxErrorRatio()) {
            reasons.add(String.format(Locale.ROOT, "error ratio %.5f exceeds --max-error-ratio %s",
                    ratio, Numbers.format(options.maxErrorRatio())));
        }
        if (ready == 0) {
            reasons.add("no connection got ready");
        } else if (options.sendersPerRoom() > 0 && metrics.windowAcks.sum() == 0) {
            reasons.add("no message was acknowledged in the measured window");
        }
        log.debug("{} connections failed", failed);
        return new RunResult(options.describeTargets(), options.mode(), startedAt,
                new RunResult.Layout(connections.length, ready, rooms.length, senders, options.payloadBytes()),
                new RunResult.Timing(setupTime, loaded ? options.warmup() : Duration.ZERO,
                        loaded ? options.duration() : Duration.ZERO),
                new RunResult.Window(metrics.windowSends.sum(), metrics.windowAcks.sum(),
                        metrics.windowDeliveries.sum(), metrics.windowExpectedDeliveries.sum(),
                        metrics.windowEvents.sum()),
                new RunResult.Totals(totalSends, totalExpected, totalDelivered, lost), generatorLoad, serverLoad,
                metrics.ackWindowHistogram(), metrics.deliveryWindowHistogram(), metrics.errorsByCode(),
                ratio, options.maxErrorRatio(), reasons);
    }

    // ---------------------------------------------------------------- helpers

    /** A reading of the server's metrics and when it came back, or why there is none. */
    private record ServerMark(ServerMetrics.Reading reading, long at, String problem) {
    }

    /** Reads the server's metrics now; null when the run was not given them. */
    private ServerMark markServer() {
        if (serverMetrics == null) {
            return null;
        }
        try {
            ServerMetrics.Reading reading = serverMetrics.read();
            return new ServerMark(reading, metrics.now(), null);
        } catch (IOException e) {
            return new ServerMark(null, 0, e.getMessage() == null ? e.toString() : e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ServerMark(null, 0, "interrupted");
        }
    }

    private static RunResult.ServerLoad serverLoad(ServerMark start, ServerMark end) {
        if (start == null || end == null) {
            return null;
        }
        if (start.problem() != null || end.problem() != null) {
            return RunResult.ServerLoad.failed(start.problem() != null ? start.problem() : end.problem());
        }
        RunResult.CpuLoad cpu = ServerMetrics.between(start.reading(), end.reading(), end.at() - start.at());
        return cpu.known() ? new RunResult.ServerLoad(cpu, null)
                : RunResult.ServerLoad.failed("the server's CPU time went back during the window (a restart?)");
    }

    /**
     * The run's WebSocket clients, {@code --selector-threads} of each kind the URLs need, each serving
     * its share of the connections: a client does its connections' I/O and framing on one selector
     * thread, which uses one core at most. ws:// goes through {@link NioClient}; wss:// through the
     * JDK's client, which does the TLS. Used by the main thread only.
     */
    private final class Clients implements AutoCloseable {
        private final List<NioClient> plain = new ArrayList<>();
        private final List<HttpClient> tls = new ArrayList<>();

        void connect(ClientConnection c, URI uri) throws IOException {
            int n = options.selectorThreads();
            if ("wss".equalsIgnoreCase(uri.getScheme())) {
                while (tls.size() < n) {
                    // Without a pool of its own, the JDK client hands every received frame to another
                    // thread (a wake-up per frame: about a tenth of the generator's CPU at 40,000
                    // deliveries/s, BENCHMARKS.md, session 18); the callbacks only count, parse and
                    // queue sends, so they may run on its selector thread.
                    tls.add(HttpClient.newBuilder()
                            .executor(callbacks())
                            .connectTimeout(options.setupTimeout())
                            .build());
                }
                JdkLink.connect(tls.get(c.index % n), uri, options.setupTimeout(), c);
            } else {
                while (plain.size() < n) {
                    plain.add(new NioClient("loadtest-nio-" + plain.size()));
                }
                plain.get(c.index % n).connect(uri, c);
            }
        }

        @Override
        public void close() {
            plain.forEach(NioClient::close);
        }
    }

    /** Where the clients' callbacks run: the pool, or else the thread that calls (a client's selector thread). */
    private Executor callbacks() {
        return io != null ? io : Runnable::run;
    }

    /** Waits until no connection is in {@code state} (each setup step ends in success or failure), or the deadline. */
    private void awaitNoneIn(State state, long deadline) throws InterruptedException {
        while (anyIn(state) && metrics.now() < deadline) {
            sleepUntil(Math.min(deadline, metrics.now() + TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS)));
            if (metrics.now() >= progress.nextTick()) {
                progress.tick();
            }
        }
    }

    private boolean anyIn(State state) {
        for (ClientConnection c : connections) {
            if (c.state() == state) {
                return true;
            }
        }
        return false;
    }

    private void sleepUntil(long when) throws InterruptedException {
        long wait = when - metrics.now();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    private static String stringField(JsonObject object, String name) {
        JsonElement v = object.get(name);
        return v != null && v.isJsonPrimitive() ? v.getAsString() : null;
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
