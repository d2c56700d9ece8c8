package dev.parley.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpServer;
import dev.parley.core.EngineConfig;
import dev.parley.core.EngineConfig.RateLimit;
import dev.parley.core.memory.InMemoryChatStore;
import dev.parley.protocol.Extension;
import dev.parley.server.TestKeys;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The tool against a real engine over loopback WebSockets, with tokens minted and verified as HS256 JWTs. */
@Timeout(60)
class LoadRunEndToEndTest {
    static final String SECRET = "end-to-end-test-secret-of-32-bytes-or-more";

    static ReferenceServer server;

    @BeforeAll
    static void startServer() throws Exception {
        server = ReferenceServer.start(SECRET, looseLimits());
    }

    /** Loose rate limits: the tests measure the tool, not the engine's throttling. */
    private static EngineConfig looseLimits() {
        return EngineConfig.builder()
                .frameRate(RateLimit.perSecond(1_000_000, 1_000_000))
                .messageRate(RateLimit.perSecond(1_000_000, 1_000_000))
                .createConversationRate(RateLimit.perSecond(1_000, 1_000))
                .workerThreads(4)
                .build();
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    @Test
    void closedLoopRunDeliversEveryMessageToEveryRoomMember(@TempDir Path out) throws Exception {
        long storedBefore = storedMessages();
        // Three clients, so each room's members are spread over several selector threads.
        Run run = run(out, "--connections", "20", "--room-size", "10", "--senders-per-room", "1",
                "--warmup", "1s", "--duration", "2s", "--selector-threads", "3",
                "--server-metrics", "http://127.0.0.1:" + server.uri().getPort() + "/metrics");

        assertThat(run.exitCode).as(run.output).isZero();
        JsonObject results = run.results();
        JsonObject window = results.getAsJsonObject("window");
        long sends = window.get("sends").getAsLong();
        assertThat(sends).isPositive();
        assertThat(window.get("acks").getAsLong()).isEqualTo(sends);
        assertThat(window.get("deliveries").getAsLong()).isEqualTo(sends * 10);
        assertThat(window.get("expectedDeliveries").getAsLong()).isEqualTo(sends * 10);
        assertThat(results.getAsJsonObject("errors").get("total").getAsLong()).isZero();
        assertThat(results.getAsJsonObject("totals").get("lostDeliveries").getAsLong()).isZero();
        assertThat(results.getAsJsonObject("layout").get("connectionsReady").getAsInt()).isEqualTo(20);
        assertThat(results.getAsJsonObject("layout").get("rooms").getAsInt()).isEqualTo(2);
        assertThat(results.getAsJsonObject("deliveryLatencyMs").get("count").getAsLong()).isEqualTo(sends * 10);
        assertThat(results.getAsJsonObject("ackLatencyMs").get("count").getAsLong()).isEqualTo(sends);
        // Every send the tool counted, warm-up included, was stored by the engine.
        assertThat(storedMessages() - storedBefore)
                .isEqualTo(results.getAsJsonObject("totals").get("sends").getAsLong());
        assertThat(Files.readString(out.resolve("latency.html"))).contains("<svg", "data-series=\"delivery\"");
        assertThat(run.output).contains("PASSED", "generator CPU:");
        assertThat(run.progress).contains("sends/s", "delivery p99", "generator CPU");
        // The generator did work in the window, and cannot have used more than all its cores.
        assertThat(results.getAsJsonObject("generator").get("cpuPercent").getAsDouble()).isPositive()
                .isLessThanOrEqualTo(100.0);
        // So did the server, read from its /metrics (this test's server shares the tool's JVM).
        assertThat(results.getAsJsonObject("server").get("cpuPercent").getAsDouble()).isPositive()
                .isLessThanOrEqualTo(100.0);
        assertThat(results.getAsJsonObject("server").has("problem")).isFalse();
        assertThat(run.output).contains("server CPU:");
    }

    @Test
    void severalUrlsSpreadEveryRoomOverTheNodesOfACluster(@TempDir Path out) throws Exception {
        InMemoryChatStore store = new InMemoryChatStore();
        SharedBroker broker = new SharedBroker();
        try (ReferenceServer node1 = clusterNode(store, broker);
                ReferenceServer node2 = clusterNode(store, broker)) {
            Run run = runAgainst(node1, SECRET, out, "--url", node2.uri().toString(), "--connections", "12",
                    "--room-size", "6", "--senders-per-room", "1", "--warmup", "0", "--duration", "1500ms");

            assertThat(run.exitCode).as(run.output).isZero();
            JsonObject results = run.results();
            long sends = results.getAsJsonObject("totals").get("sends").getAsLong();
            assertThat(sends).isPositive();
            // Every member of both rooms, three on each node, got every message of its room.
            assertThat(results.getAsJsonObject("window").get("deliveries").getAsLong())
                    .isEqualTo(results.getAsJsonObject("window").get("sends").getAsLong() * 6);
            assertThat(results.getAsJsonObject("totals").get("lostDeliveries").getAsLong()).isZero();
            // Room 0's sender is on node 1, room 1's on node 2: both nodes stored messages.
            long stored1 = storedMessages(node1);
            long stored2 = storedMessages(node2);
            assertThat(stored1).isPositive();
            assertThat(stored2).isPositive();
            assertThat(stored1 + stored2).isEqualTo(sends);
            assertThat(results.get("target").getAsString()).isEqualTo(node1.uri() + ", " + node2.uri());
        }
    }

    private static ReferenceServer clusterNode(InMemoryChatStore store, SharedBroker broker) throws Exception {
        return ReferenceServer.start(SECRET, looseLimits(), store, engine -> engine.broker(broker.node()));
    }

    @Test
    void openLoopSendsAtTheRequestedRate(@TempDir Path out) throws Exception {
        Run run = run(out, "--connections", "6", "--room-size", "3", "--senders-per-room", "2",
                "--rate", "200", "--warmup", "0", "--duration", "1500ms");

        assertThat(run.exitCode).as(run.output).isZero();
        JsonObject window = run.results().getAsJsonObject("window");
        // The schedule fixes the count: 200/s for 1.5 s, however the threads were scheduled.
        assertThat(window.get("sends").getAsLong()).isEqualTo(300);
        assertThat(window.get("deliveries").getAsLong()).isEqualTo(300 * 3);
    }

    @Test
    void tokensSignedWithAnotherSecretFailTheRun(@TempDir Path out) throws Exception {
        Run run = runWith("a-different-secret-that-is-32-bytes-long!", out, "--connections", "4",
                "--room-size", "2", "--warmup", "0", "--duration", "1s");

        assertThat(run.exitCode).isEqualTo(LoadTestCommand.EXIT_FAILED);
        JsonObject results = run.results();
        assertThat(results.get("passed").getAsBoolean()).isFalse();
        assertThat(results.getAsJsonObject("errors").getAsJsonObject("byCode").get("INVALID_TOKEN").getAsLong())
                .isEqualTo(4);
        assertThat(run.output).contains("FAILED", "INVALID_TOKEN 4");
    }

    @Test
    void idleRunHoldsConnectionsWithoutSending(@TempDir Path out) throws Exception {
        // Metrics that cannot be read (nothing listens on port 1) are reported, and fail nothing.
        Run run = run(out, "--connections", "10", "--room-size", "5", "--senders-per-room", "0",
                "--warmup", "0", "--duration", "1s", "--server-metrics", "http://127.0.0.1:1/metrics");

        assertThat(run.exitCode).as(run.output).isZero();
        JsonObject results = run.results();
        assertThat(results.getAsJsonObject("layout").get("connectionsReady").getAsInt()).isEqualTo(10);
        assertThat(results.getAsJsonObject("totals").get("sends").getAsLong()).isZero();
        assertThat(run.output).contains("idle", "server CPU:       not measured:");
        assertThat(results.getAsJsonObject("server").has("cpuPercent")).isFalse();
        assertThat(results.getAsJsonObject("server").get("problem").getAsString()).isNotEmpty();
    }

    @Test
    void refusalsOfAServerWithDefaultLimitsAreCountedByCode(@TempDir Path out) throws Exception {
        // The protocol's default limits allow 10 sends per second per user: a closed loop exceeds them.
        try (ReferenceServer strict = ReferenceServer.start(SECRET, EngineConfig.DEFAULTS)) {
            Run run = runAgainst(strict, SECRET, out, "--connections", "4", "--room-size", "2",
                    "--warmup", "0", "--duration", "1500ms");

            assertThat(run.exitCode).as(run.output).isEqualTo(LoadTestCommand.EXIT_FAILED);
            JsonObject results = run.results();
            assertThat(results.getAsJsonObject("errors").getAsJsonObject("byCode").get("RATE_LIMITED").getAsLong())
                    .isPositive();
            JsonObject window = results.getAsJsonObject("window");
            assertThat(window.get("acks").getAsLong()).isPositive();
            // Refused sends are errors, not lost messages: everything acknowledged was delivered.
            assertThat(window.get("deliveries").getAsLong()).isEqualTo(window.get("acks").getAsLong() * 2);
            assertThat(results.getAsJsonObject("totals").get("lostDeliveries").getAsLong()).isZero();
            assertThat(run.output).contains("RATE_LIMITED");
        }
    }

    @Test
    void theServersMetricsAreFirstReadBeforeAnyMessageIsSent(@TempDir Path out) throws Exception {
        // A stand-in for /metrics that notes how many messages the server had stored at each read.
        List<Long> storedAtEachRead = new CopyOnWriteArrayList<>();
        long storedBefore = storedMessages();
        HttpServer metrics = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        metrics.createContext("/metrics", exchange -> {
            storedAtEachRead.add(storedMessages() - storedBefore);
            byte[] body = "process_cpu_seconds_total 1.0\njvm_available_processors 1\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        metrics.start();
        try {
            Run run = run(out, "--connections", "4", "--room-size", "2", "--warmup", "500ms", "--duration", "1s",
                    "--server-metrics", "http://127.0.0.1:" + metrics.getAddress().getPort() + "/metrics");

            assertThat(run.exitCode).as(run.output).isZero();
            // The first read (which starts the tool's HTTP client, a stall of the tool's threads)
            // came before any send; the window's two reads came after the warm-up's sends.
            assertThat(storedAtEachRead).hasSize(3);
            assertThat(storedAtEachRead.get(0)).isZero();
            assertThat(storedAtEachRead.get(1)).isPositive();
        } finally {
            metrics.stop(0);
        }
    }

    @Test
    void idleConnectionsAnswerTheServersPingsAndStayOpen(@TempDir Path out) throws Exception {
        // Pinged every 100 ms and closed with 4004 after 600 ms without an answer: only pongs keep
        // these connections open through two seconds of silence.
        EngineConfig pingingOften = EngineConfig.builder()
                .pingInterval(Duration.ofMillis(100))
                .idleTimeout(Duration.ofMillis(600))
                .build();
        try (ReferenceServer pinging = ReferenceServer.start(SECRET, pingingOften)) {
            Run run = runAgainst(pinging, SECRET, out, "--connections", "4", "--room-size", "2",
                    "--senders-per-room", "0", "--warmup", "0", "--duration", "2s");

            assertThat(run.exitCode).as(run.output).isZero();
            JsonObject results = run.results();
            assertThat(results.getAsJsonObject("layout").get("connectionsReady").getAsInt()).isEqualTo(4);
            assertThat(results.getAsJsonObject("errors").getAsJsonObject("byCode").size()).isZero();
        }
    }

    @Test
    void connectionsToAPortNobodyListensOnFailTheRunAsConnectFailed(@TempDir Path out) throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        Run run = runAgainstUrl("ws://127.0.0.1:" + closedPort + "/ws", SECRET, out, "--connections", "3",
                "--room-size", "3", "--warmup", "0", "--duration", "1s");

        assertThat(run.exitCode).isEqualTo(LoadTestCommand.EXIT_FAILED);
        JsonObject results = run.results();
        assertThat(results.getAsJsonObject("errors").getAsJsonObject("byCode").get("CONNECT_FAILED").getAsLong())
                .isEqualTo(3);
        assertThat(run.output).contains("no connection got ready");
    }

    @Test
    void aRunOverWssGoesThroughTheJdkClientAndDeliversEveryMessage(@TempDir Path out) throws Exception {
        TestKeys keys = TestKeys.create(out);
        SSLContext before = SSLContext.getDefault();
        // The tool trusts what the JVM trusts: here, the test's own certificate.
        SSLContext.setDefault(keys.clientTls());
        try (ReferenceServer tls = ReferenceServer.startTls(SECRET, looseLimits(), keys.keystore(), keys.password())) {
            Run run = runAgainst(tls, SECRET, out, "--connections", "6", "--room-size", "3",
                    "--warmup", "0", "--duration", "1s");

            assertThat(run.exitCode).as(run.output).isZero();
            JsonObject window = run.results().getAsJsonObject("window");
            assertThat(window.get("acks").getAsLong()).isPositive();
            assertThat(window.get("deliveries").getAsLong()).isEqualTo(window.get("acks").getAsLong() * 3);
            assertThat(run.results().get("target").getAsString()).startsWith("wss://127.0.0.1:");
        } finally {
            SSLContext.setDefault(before);
        }
    }

    @Test
    void negotiatedExtensionsBringTheirEventsWhichAreCountedApart(@TempDir Path out) throws Exception {
        EngineConfig withReceipts = EngineConfig.builder().extensions(Set.of(Extension.RECEIPTS))
                .frameRate(RateLimit.perSecond(1_000_000, 1_000_000))
                .messageRate(RateLimit.perSecond(1_000_000, 1_000_000))
                .createConversationRate(RateLimit.perSecond(1_000, 1_000)).build();
        try (ReferenceServer receipts = ReferenceServer.start(SECRET, withReceipts)) {
            Run legacy = runAgainst(receipts, SECRET, out.resolve("legacy"), "--connections", "6", "--room-size", "3",
                    "--warmup", "500ms", "--duration", "1s");
            assertThat(legacy.exitCode).as(legacy.output).isZero();
            assertThat(legacy.results().getAsJsonObject("window").get("events").getAsLong()).isZero();
            assertThat(legacy.output).doesNotContain("other events/s");

            Run negotiated = runAgainst(receipts, SECRET, out.resolve("receipts"), "--connections", "6",
                    "--room-size", "3", "--warmup", "500ms", "--duration", "1s", "--extensions", "receipts");
            assertThat(negotiated.exitCode).as(negotiated.output).isZero();
            JsonObject window = negotiated.results().getAsJsonObject("window");
            // An unread_update to each of the two other members of the room per message.
            assertThat(window.get("events").getAsLong()).isPositive();
            assertThat(window.get("eventsPerSecond").getAsDouble()).isPositive();
            assertThat(window.get("deliveries").getAsLong()).isEqualTo(window.get("sends").getAsLong() * 3);
            assertThat(negotiated.output).contains("other events/s");
        }
    }

    private static long storedMessages() {
        return storedMessages(server);
    }

    private static long storedMessages(ReferenceServer node) {
        return node.storedMessages();
    }

    private static Run run(Path out, String... extra) {
        return runWith(SECRET, out, extra);
    }

    private static Run runWith(String secret, Path out, String... extra) {
        return runAgainst(server, secret, out, extra);
    }

    private static Run runAgainst(ReferenceServer target, String secret, Path out, String... extra) {
        return runAgainstUrl(target.uri().toString(), secret, out, extra);
    }

    private static Run runAgainstUrl(String url, String secret, Path out, String... extra) {
        String[] base = {"--url", url, "--jwt-secret", secret, "--output-dir", out.toString(),
            "--drain-timeout", "5s", "--setup-timeout", "20s", "--max-error-ratio", "0"};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        int code = LoadTestCommand.execute(new PrintStream(stdout, true, StandardCharsets.UTF_8),
                new PrintStream(stderr, true, StandardCharsets.UTF_8), args);
        return new Run(code, stdout.toString(StandardCharsets.UTF_8), stderr.toString(StandardCharsets.UTF_8), out);
    }

    private record Run(int exitCode, String output, String progress, Path out) {
        JsonObject results() throws Exception {
            return JsonParser.parseString(Files.readString(out.resolve("results.json"))).getAsJsonObject();
        }
    }
}
