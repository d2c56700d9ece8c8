package dev.parley.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

class LoadTestCommandTest {
    static final String SECRET = "a-secret-of-at-least-thirty-two-bytes";

    @Test
    void defaultsDescribeTheFanOutScenario() {
        LoadTestOptions o = parse("--url", "ws://127.0.0.1:8080/ws", "--jwt-secret", SECRET);

        assertThat(o.connections()).isEqualTo(1000);
        assertThat(o.roomSize()).isEqualTo(20);
        assertThat(o.rooms()).isEqualTo(50);
        assertThat(o.sendersPerRoom()).isEqualTo(1);
        assertThat(o.closedLoop()).isTrue();
        assertThat(o.extensions()).isEmpty();
        assertThat(o.duration()).isEqualTo(Duration.ofSeconds(20));
        assertThat(o.warmup()).isEqualTo(Duration.ofSeconds(5));
        assertThat(o.payloadBytes()).isEqualTo(100);
        assertThat(o.maxErrorRatio()).isEqualTo(0.01);
        assertThat(o.outputDir()).isEqualTo(Path.of("loadtest-results"));
        assertThat(o.jwtSecret()).isEqualTo(SECRET);
        assertThat(o.tokenFile()).isNull();
        assertThat(o.progress()).isTrue();
        assertThat(o.ioThreads()).isZero();
        assertThat(o.selectorThreads()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(o.serverMetrics()).isNull();
    }

    @Test
    void severalUrlsGiveEveryRoomMembersOnEachNode() {
        LoadTestOptions o = parse("--url", "ws://node1:8080/ws,ws://node2:8080/ws", "--url", "ws://node3:8080/ws",
                "--jwt-secret", SECRET, "-c", "1000", "--room-size", "20", "--senders-per-room", "1");
        assertThat(o.urls()).extracting(java.net.URI::getHost).containsExactly("node1", "node2", "node3");
        assertThat(o.describeTargets()).isEqualTo("ws://node1:8080/ws, ws://node2:8080/ws, ws://node3:8080/ws");

        Map<String, Integer> perNode = new java.util.HashMap<>();
        Map<String, Integer> sendersPerNode = new java.util.HashMap<>();
        Map<Integer, java.util.Set<String>> nodesPerRoom = new java.util.HashMap<>();
        for (int i = 0; i < o.connections(); i++) {
            String node = o.urlFor(i).getHost();
            perNode.merge(node, 1, Integer::sum);
            int room = i % o.rooms();
            nodesPerRoom.computeIfAbsent(room, r -> new java.util.HashSet<>()).add(node);
            if (i / o.rooms() < o.sendersPerRoom()) {
                sendersPerNode.merge(node, 1, Integer::sum);
            }
        }
        assertThat(perNode.values()).allSatisfy(n -> assertThat(n).isBetween(333, 334));
        assertThat(nodesPerRoom).hasSize(50).allSatisfy((room, nodes) -> assertThat(nodes).hasSize(3));
        assertThat(sendersPerNode.values()).allSatisfy(n -> assertThat(n).isBetween(16, 17));

        LoadTestOptions single = parse("--url", "ws://only:8080/ws", "--jwt-secret", SECRET);
        assertThat(java.util.stream.IntStream.range(0, 1000).mapToObj(single::urlFor).distinct())
                .containsExactly(java.net.URI.create("ws://only:8080/ws"));
        assertRefused("--url must start with ws:// or wss://", "--url", "ws://node1/ws,http://node2/ws",
                "--jwt-secret", SECRET);
    }

    @Test
    void everyOptionIsRead(@TempDir Path dir) throws Exception {
        Path tokens = Files.writeString(dir.resolve("tokens.txt"), "t1\nt2\n");
        LoadTestOptions o = parse("--url", "wss://chat.example.org/ws", "-c", "10000", "--room-size", "500",
                "--senders-per-room", "5", "--rate", "2500.5", "-d", "2m", "--warmup", "500ms",
                "--payload-bytes", "1024", "--token-file", tokens.toString(), "--max-error-ratio", "0",
                "-o", dir.toString(), "--connect-concurrency", "50", "--setup-timeout", "90",
                "--drain-timeout", "1.5s", "--io-threads", "4", "--selector-threads", "3",
                "--server-metrics", "https://chat.example.org/metrics", "--no-progress",
                "--extensions", "receipts,presence", "--extensions", "receipts");

        assertThat(o.urls()).containsExactly(java.net.URI.create("wss://chat.example.org/ws"));
        assertThat(o.connections()).isEqualTo(10000);
        assertThat(o.rooms()).isEqualTo(20);
        assertThat(o.sendersPerRoom()).isEqualTo(5);
        assertThat(o.rate()).isEqualTo(2500.5);
        assertThat(o.closedLoop()).isFalse();
        assertThat(o.mode()).isEqualTo("open loop at 2501 sends/s");
        assertThat(o.duration()).isEqualTo(Duration.ofMinutes(2));
        assertThat(o.warmup()).isEqualTo(Duration.ofMillis(500));
        assertThat(o.payloadBytes()).isEqualTo(1024);
        assertThat(o.tokenFile()).isEqualTo(tokens);
        assertThat(o.jwtSecret()).isNull();
        assertThat(o.maxErrorRatio()).isZero();
        assertThat(o.outputDir()).isEqualTo(dir);
        assertThat(o.connectConcurrency()).isEqualTo(50);
        assertThat(o.setupTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(o.drainTimeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(o.ioThreads()).isEqualTo(4);
        assertThat(o.selectorThreads()).isEqualTo(3);
        assertThat(o.serverMetrics()).isEqualTo(java.net.URI.create("https://chat.example.org/metrics"));
        assertThat(o.progress()).isFalse();
        assertThat(o.extensions()).containsExactly("receipts", "presence");
    }

    @Test
    void extraConnectionsAreSpreadOverWholeRooms() {
        assertThat(parse(base("-c", "25", "--room-size", "10")).rooms()).isEqualTo(2);
        assertThat(parse(base("-c", "19", "--room-size", "10")).rooms()).isEqualTo(1);
    }

    @Test
    void secretCanComeFromTheEnvironment() {
        LoadTestCommand command = new LoadTestCommand();
        new CommandLine(command).parseArgs("--url", "ws://127.0.0.1:8080/", "--jwt-secret-env", "MY_SECRET");

        assertThat(command.toOptions(Map.of("MY_SECRET", SECRET)::get).jwtSecret()).isEqualTo(SECRET);
        assertThatThrownBy(() -> command.toOptions(Map.<String, String>of()::get))
                .isInstanceOf(ParameterException.class)
                .hasMessageContaining("MY_SECRET is not set");
    }

    @Test
    void invalidCombinationsAreRefusedWithTheReason() {
        assertRefused("--url must start with ws:// or wss://", "--url", "http://127.0.0.1:8080/", "--jwt-secret", SECRET);
        assertRefused("--connections must be at least 2", base("-c", "1"));
        assertRefused("--room-size must be at least 2", base("--room-size", "1"));
        assertRefused("must not exceed --connections", base("-c", "10", "--room-size", "11"));
        assertRefused("--senders-per-room must be between 0 and --room-size", base("--senders-per-room", "21"));
        assertRefused("--rate must be 0", base("--rate", "-1"));
        assertRefused("--rate needs at least one sender", base("--rate", "100", "--senders-per-room", "0"));
        assertRefused("--duration must be positive", base("--duration", "0"));
        assertRefused("--payload-bytes must be between 1 and 65536", base("--payload-bytes", "0"));
        assertRefused("--payload-bytes must be between 1 and 65536", base("--payload-bytes", "65537"));
        assertRefused("--max-error-ratio must be between 0 and 1", base("--max-error-ratio", "1.5"));
        assertRefused("--connect-concurrency must be at least 1", base("--connect-concurrency", "0"));
        assertRefused("--io-threads must be between 0 and 256", base("--io-threads", "-1"));
        assertRefused("--io-threads must be between 0 and 256", base("--io-threads", "257"));
        assertRefused("--selector-threads must be between 1 and 256", base("--selector-threads", "0"));
        assertRefused("--selector-threads must be between 1 and 256", base("--selector-threads", "257"));
        assertRefused("--server-metrics must start with http:// or https://",
                base("--server-metrics", "ws://127.0.0.1:8080/metrics"));
        assertRefused("--server-metrics needs a host", base("--server-metrics", "http:///metrics"));
        assertRefused("--token-ttl must outlast", base("--token-ttl", "30s"));
        assertRefused("exactly one of", "--url", "ws://127.0.0.1:8080/");
        assertRefused("exactly one of", base("--token-file", "tokens.txt"));
        assertRefused("at least 32 bytes", "--url", "ws://127.0.0.1:8080/", "--jwt-secret", "short");
        assertRefused("is not readable", "--url", "ws://127.0.0.1:8080/", "--token-file", "/nonexistent/tokens");
        assertRefused("is not a duration", base("--duration", "soon"));
        assertRefused("--extensions: unknown extension receits", base("--extensions", "receipts,receits"));
    }

    @Test
    void helpPrintsUsageAndExitsZero() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = LoadTestCommand.execute(print(out), print(new ByteArrayOutputStream()), "--help");

        assertThat(code).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("Usage: chat-loadtest", "--connections", "--room-size", "--rate", "--jwt-secret",
                        "--token-file", "--max-error-ratio", "--output-dir");
    }

    @Test
    void invalidOptionsExitWithUsageStatusAndSayWhy() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = LoadTestCommand.execute(print(new ByteArrayOutputStream()), print(err),
                "--url", "ws://127.0.0.1:1/", "--jwt-secret", SECRET, "--room-size", "1");

        assertThat(code).isEqualTo(LoadTestCommand.EXIT_USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--room-size must be at least 2");
    }

    private static PrintStream print(ByteArrayOutputStream sink) {
        return new PrintStream(sink, true, StandardCharsets.UTF_8);
    }

    private static String[] base(String... extra) {
        List<String> args = new ArrayList<>(List.of("--url", "ws://127.0.0.1:8080/ws", "--jwt-secret", SECRET));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    private static LoadTestOptions parse(String... args) {
        return LoadTestCommand.parse(args);
    }

    private static void assertRefused(String reason, String... args) {
        assertThatThrownBy(() -> LoadTestCommand.parse(args))
                .isInstanceOf(ParameterException.class)
                .hasMessageContaining(reason);
    }
}
