package dev.parley.loadtest;

import dev.parley.protocol.Extension;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code chat-loadtest} command line: opens many connections to a Parley server, puts them in
 * rooms, sends messages, and reports throughput and latency. Exit codes: 0 when the run stayed
 * within {@code --max-error-ratio}, 1 when it did not, 2 for invalid options.
 */
@Command(
        name = "chat-loadtest",
        mixinStandardHelpOptions = true,
        versionProvider = LoadTestCommand.Version.class,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = {
            "Load generator for the Parley chat protocol.",
            "",
            "Connections authenticate, the first member of each room creates a group conversation with the "
                    + "other members, everyone joins, then the senders of each room send messages for the warm-up "
                    + "and the measured duration. Every message carries its send time, so the tool measures the "
                    + "ack latency (send -> message_sent) and the delivery latency (send -> message_received at "
                    + "each member of the room, the sender included).",
            ""
        },
        footer = {
            "",
            "Writes results.json and latency.html into the output directory.",
            "",
            "Error ratio = failures / operations. Operations are connection setups, sends and expected "
                    + "deliveries; failures are connections that failed or dropped, sends answered with an error "
                    + "or not at all, and deliveries that never arrived.",
            "",
            "Example: 1000 connections in 50 rooms of 20, one sender per room, closed loop:",
            "  export PARLEY_JWT_SECRET=...",
            "  java -jar chat-loadtest.jar --url ws://127.0.0.1:8080/ws \\",
            "      --jwt-secret-env PARLEY_JWT_SECRET --connections 1000 --room-size 20 \\",
            "      --senders-per-room 1 --warmup 5s --duration 20s"
        })
public final class LoadTestCommand implements Callable<Integer> {
    static final int EXIT_OK = 0;
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;
    static final int MAX_PAYLOAD_BYTES = 64 * 1024;
    private static final int MIN_SECRET_BYTES = 32;

    @Spec
    CommandSpec spec;

    @Option(names = "--url", required = true, paramLabel = "URL", split = ",",
            description = "WebSocket URL of the server (ws:// or wss://). Repeat it, or give a comma list, for the "
                    + "nodes of a cluster: connections are spread over them so that every room has members on "
                    + "several nodes.")
    List<String> url;

    @Option(names = {"-c", "--connections"}, defaultValue = "1000", paramLabel = "N",
            description = "Connections to open, one user each (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--room-size", defaultValue = "20", paramLabel = "N",
            description = "Members per room; rooms = connections / room size, extra connections are spread "
                    + "over the rooms (default: ${DEFAULT-VALUE}).")
    int roomSize;

    @Option(names = "--senders-per-room", defaultValue = "1", paramLabel = "N",
            description = "Members of each room that send; 0 only holds the connections open (default: ${DEFAULT-VALUE}).")
    int sendersPerRoom;

    @Option(names = "--rate", defaultValue = "0", paramLabel = "SENDS_PER_S",
            description = "Total open-loop send rate over all senders; 0 = closed loop, each sender sends "
                    + "again as soon as its previous message is acknowledged (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = {"-d", "--duration"}, defaultValue = "20s", paramLabel = "TIME",
            converter = DurationConverter.class,
            description = "Measured time after the warm-up, e.g. 30s, 2m, 500ms (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--warmup", defaultValue = "5s", paramLabel = "TIME", converter = DurationConverter.class,
            description = "Load before measuring starts (default: ${DEFAULT-VALUE}).")
    Duration warmup;

    @Option(names = "--payload-bytes", defaultValue = "100", paramLabel = "BYTES",
            description = "Message content size; at least the tool's timing marker (about 30 bytes) "
                    + "(default: ${DEFAULT-VALUE}).")
    int payloadBytes;

    @Option(names = "--extensions", split = ",", paramLabel = "NAME",
            description = "Protocol extensions every connection negotiates in auth, as on the wire (e.g. "
                    + "receipts,presence), to measure what their events cost; those events are counted, not "
                    + "timed (default: none, as clients of the original API).")
    List<String> extensions = new ArrayList<>();

    @Option(names = "--jwt-secret", paramLabel = "SECRET",
            description = "HS256 secret (at least 32 bytes) to mint one token per connection. Visible in the "
                    + "process list: prefer --jwt-secret-env.")
    String jwtSecret;

    @Option(names = "--jwt-secret-env", paramLabel = "VAR",
            description = "Name of an environment variable holding the HS256 secret.")
    String jwtSecretEnv;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "Bearer tokens, one per line; connection i uses line i (modulo the line count).")
    Path tokenFile;

    @Option(names = "--token-ttl", defaultValue = "1h", paramLabel = "TIME", converter = DurationConverter.class,
            description = "Lifetime of minted tokens; must outlast the run (default: ${DEFAULT-VALUE}).")
    Duration tokenTtl;

    @Option(names = "--user-prefix", defaultValue = "loadtest-", paramLabel = "PREFIX",
            description = "Minted usernames are PREFIX<n>; user ids are UUIDs derived from them "
                    + "(default: ${DEFAULT-VALUE}).")
    String userPrefix;

    @Option(names = "--max-error-ratio", defaultValue = "0.01", paramLabel = "RATIO",
            description = "Exit with status 1 when failures / operations exceeds this, 0 to 1 (default: ${DEFAULT-VALUE}).")
    double maxErrorRatio;

    @Option(names = {"-o", "--output-dir"}, defaultValue = "loadtest-results", paramLabel = "DIR",
            description = "Where results.json and latency.html go (default: ${DEFAULT-VALUE}).")
    Path outputDir;

    @Option(names = "--connect-concurrency", defaultValue = "200", paramLabel = "N",
            description = "Connections being set up at the same time (default: ${DEFAULT-VALUE}).")
    int connectConcurrency;

    @Option(names = "--setup-timeout", defaultValue = "60s", paramLabel = "TIME", converter = DurationConverter.class,
            description = "Time allowed to each setup phase: connect and authenticate, then create rooms and "
                    + "join (default: ${DEFAULT-VALUE}).")
    Duration setupTimeout;

    @Option(names = "--drain-timeout", defaultValue = "5s", paramLabel = "TIME", converter = DurationConverter.class,
            description = "After the last send, time to wait for outstanding acks and deliveries "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration drainTimeout;

    @Option(names = "--io-threads", defaultValue = "0", paramLabel = "N",
            description = "For wss:// URLs: threads that run the JDK WebSocket client's callbacks for all "
                    + "connections; 0 runs them on its selector threads, which costs the least CPU. ws:// "
                    + "connections always run them on their selector thread (default: ${DEFAULT-VALUE}).")
    int ioThreads;

    // Not a defaultValue: the default depends on the machine, and picocli shows this field's value.
    @Option(names = "--selector-threads", paramLabel = "N",
            description = "Selector threads that do the connections' network I/O and WebSocket framing, "
                    + "each for its share of the connections; one thread uses one core at most "
                    + "(default: the available cores, ${DEFAULT-VALUE} here).")
    int selectorThreads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--server-metrics", paramLabel = "URL",
            description = "The server's Prometheus metrics (e.g. http://host:8080/metrics on Parley's reference "
                    + "server): read at the start and the end of the measured window, so the report gives the "
                    + "server's CPU too.")
    String serverMetrics;

    @Option(names = "--no-progress", negatable = false,
            description = "Do not print the progress line every second.")
    boolean noProgress;

    private PrintStream out = System.out;
    private PrintStream err = System.err;

    public static void main(String[] args) {
        System.exit(execute(System.out, System.err, args));
    }

    /** Runs the command as {@code main} would, printing to the given streams; returns the exit code. */
    static int execute(PrintStream out, PrintStream err, String... args) {
        LoadTestCommand command = new LoadTestCommand();
        command.out = out;
        command.err = err;
        CommandLine cli = new CommandLine(command);
        cli.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cli.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        // A short answer to a mistake; the full usage is one --help away.
        cli.setParameterExceptionHandler((e, arguments) -> {
            e.getCommandLine().getErr().println("chat-loadtest: " + e.getMessage());
            e.getCommandLine().getErr().println("Run with --help for the options.");
            return EXIT_USAGE;
        });
        return cli.execute(args);
    }

    /** Parses and validates the arguments; throws {@link ParameterException} on invalid ones. */
    static LoadTestOptions parse(String... args) {
        LoadTestCommand command = new LoadTestCommand();
        new CommandLine(command).parseArgs(args);
        return command.toOptions(System.getenv()::get);
    }

    @Override
    public Integer call() throws InterruptedException {
        LoadTestOptions options = toOptions(System.getenv()::get);
        err.println("chat-loadtest: " + options.connections() + " connections in " + options.rooms()
                + " rooms of " + options.roomSize() + ", " + options.sendersPerRoom() + " sender(s) per room, "
                + options.mode() + ", target " + options.describeTargets());
        try {
            RunResult result = new LoadRun(options, err).run();
            ConsoleReport.print(result, out);
            Files.createDirectories(options.outputDir());
            Path json = options.outputDir().resolve("results.json");
            Path html = options.outputDir().resolve("latency.html");
            Files.writeString(json, JsonReport.toJson(result), StandardCharsets.UTF_8);
            Files.writeString(html, HtmlChart.render(result), StandardCharsets.UTF_8);
            out.println("Wrote " + json + " and " + html);
            return result.passed() ? EXIT_OK : EXIT_FAILED;
        } catch (IOException e) {
            err.println("chat-loadtest: " + e.getMessage());
            return EXIT_FAILED;
        }
    }

    /** Validates the parsed options as a whole; {@code env} reads environment variables. */
    LoadTestOptions toOptions(Function<String, String> env) {
        CommandLine cli = spec != null ? spec.commandLine() : new CommandLine(this);
        List<URI> targets = new ArrayList<>();
        for (String u : url) {
            targets.add(parseUrl(cli, u));
        }
        require(cli, connections >= 2, "--connections must be at least 2 (a room needs two members)");
        require(cli, roomSize >= 2, "--room-size must be at least 2");
        require(cli, roomSize <= connections, "--room-size (" + roomSize + ") must not exceed --connections ("
                + connections + ")");
        require(cli, sendersPerRoom >= 0 && sendersPerRoom <= roomSize,
                "--senders-per-room must be between 0 and --room-size (" + roomSize + ")");
        require(cli, rate >= 0 && Double.isFinite(rate), "--rate must be 0 (closed loop) or a positive number");
        require(cli, rate == 0 || sendersPerRoom > 0, "--rate needs at least one sender per room");
        require(cli, positive(duration), "--duration must be positive");
        require(cli, !warmup.isNegative(), "--warmup must not be negative");
        require(cli, payloadBytes >= 1 && payloadBytes <= MAX_PAYLOAD_BYTES,
                "--payload-bytes must be between 1 and " + MAX_PAYLOAD_BYTES);
        require(cli, maxErrorRatio >= 0 && maxErrorRatio <= 1, "--max-error-ratio must be between 0 and 1");
        require(cli, connectConcurrency >= 1, "--connect-concurrency must be at least 1");
        require(cli, positive(setupTimeout), "--setup-timeout must be positive");
        require(cli, !drainTimeout.isNegative(), "--drain-timeout must not be negative");
        require(cli, ioThreads >= 0 && ioThreads <= 256, "--io-threads must be between 0 and 256");
        require(cli, selectorThreads >= 1 && selectorThreads <= 256, "--selector-threads must be between 1 and 256");
        require(cli, positive(tokenTtl), "--token-ttl must be positive");
        for (String name : extensions) {
            require(cli, Extension.fromWire(name).isPresent(), "--extensions: unknown extension " + name);
        }
        URI metrics = serverMetrics == null ? null : parseUri(cli, "--server-metrics", serverMetrics, "http");
        String secret = resolveSecret(cli, env);
        if (secret != null) {
            require(cli, secret.getBytes(StandardCharsets.UTF_8).length >= MIN_SECRET_BYTES,
                    "the HS256 secret must be at least " + MIN_SECRET_BYTES + " bytes");
            require(cli, tokenTtl.compareTo(warmup.plus(duration).plus(setupTimeout.multipliedBy(2))) > 0,
                    "--token-ttl must outlast two --setup-timeout + --warmup + --duration");
            require(cli, !userPrefix.isEmpty() && !userPrefix.contains(Frames.MARKER),
                    "--user-prefix must not be empty nor contain " + Frames.MARKER);
        } else {
            require(cli, Files.isReadable(tokenFile), "--token-file " + tokenFile + " is not readable");
        }
        return new LoadTestOptions(targets, connections, roomSize, sendersPerRoom, rate, duration, warmup,
                payloadBytes, List.copyOf(new LinkedHashSet<>(extensions)), secret,
                secret == null ? tokenFile : null, tokenTtl, userPrefix, maxErrorRatio, outputDir,
                connectConcurrency, setupTimeout, drainTimeout, ioThreads, selectorThreads, metrics, !noProgress);
    }

    private static URI parseUrl(CommandLine cli, String url) {
        return parseUri(cli, "--url", url, "ws");
    }

    /** {@code value} as a URI with a host and the scheme {@code plain} or its TLS form ({@code plain + "s"}). */
    private static URI parseUri(CommandLine cli, String option, String value, String plain) {
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            throw new ParameterException(cli, option + " is not a valid URI: " + value);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        require(cli, scheme.equals(plain) || scheme.equals(plain + "s"),
                option + " must start with " + plain + ":// or " + plain + "s://");
        require(cli, uri.getHost() != null, option + " needs a host");
        return uri;
    }

    /** The secret from --jwt-secret or --jwt-secret-env, or null when --token-file is used. */
    private String resolveSecret(CommandLine cli, Function<String, String> env) {
        int sources = (jwtSecret != null ? 1 : 0) + (jwtSecretEnv != null ? 1 : 0) + (tokenFile != null ? 1 : 0);
        require(cli, sources == 1, "give exactly one of --jwt-secret, --jwt-secret-env and --token-file");
        if (jwtSecretEnv != null) {
            String value = env.apply(jwtSecretEnv);
            require(cli, value != null && !value.isEmpty(), "environment variable " + jwtSecretEnv + " is not set");
            return value;
        }
        return jwtSecret;
    }

    private static boolean positive(Duration d) {
        return !d.isNegative() && !d.isZero();
    }

    private static void require(CommandLine cli, boolean condition, String message) {
        if (!condition) {
            throw new ParameterException(cli, message);
        }
    }

    /** Reads {@code 500ms}, {@code 20s}, {@code 2m}, {@code 1h}; a bare number means seconds. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        private static final Pattern FORM = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)?");

        @Override
        public Duration convert(String value) {
            Matcher m = FORM.matcher(value.trim().toLowerCase(Locale.ROOT));
            if (!m.matches()) {
                throw new CommandLine.TypeConversionException(
                        "'" + value + "' is not a duration (examples: 500ms, 20s, 2m, 1h)");
            }
            double amount = Double.parseDouble(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            double millis = switch (unit) {
                case "ms" -> amount;
                case "s" -> amount * 1_000;
                case "m" -> amount * 60_000;
                default -> amount * 3_600_000;
            };
            return Duration.ofMillis(Math.round(millis));
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = LoadTestCommand.class.getPackage().getImplementationVersion();
            return new String[] {"chat-loadtest " + (v == null ? "(development build)" : v)};
        }
    }
}
