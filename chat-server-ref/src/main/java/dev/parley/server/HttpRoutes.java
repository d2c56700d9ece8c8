package dev.parley.server;

import com.google.gson.JsonObject;
import dev.parley.core.ChatEngine;
import dev.parley.core.EngineStats;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * The plain-HTTP side of the port: {@code /health}, {@code /stats}, {@code /metrics}, the web demo
 * ({@code /} and its static files) and, in dev mode only, {@code /dev/token/<user>}.
 */
final class HttpRoutes {
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    static final String DEV_TOKEN_PREFIX = "/dev/token/";
    /** The user names the dev token route mints for: no encoding questions, nothing to escape. */
    static final Pattern DEV_USER = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    /** The web demo's files: a fixed allow-list, so no request path ever reaches the class path. */
    private static final Map<String, StaticFile> WEB_FILES = Map.of(
            "/", new StaticFile("index.html", "text/html; charset=utf-8"),
            "/index.html", new StaticFile("index.html", "text/html; charset=utf-8"),
            "/app.js", new StaticFile("app.js", "text/javascript; charset=utf-8"),
            "/style.css", new StaticFile("style.css", "text/css; charset=utf-8"));

    private record StaticFile(String resource, String contentType) {
    }

    private final ChatEngine engine;
    private final HealthMonitor health;
    private final UnaryOperator<String> devTokens;
    private final Supplier<Map<String, Long>> brokerCounters;

    /**
     * @param devTokens      mints a short-lived token for a user id; {@code null} unless the server
     *                       runs in dev mode, and then {@code /dev/token/} answers 404
     * @param brokerCounters the cluster broker's fault counters by name ({@code failedPublishes}, ...),
     *                       empty on a single node
     */
    HttpRoutes(ChatEngine engine, HealthMonitor health, UnaryOperator<String> devTokens,
               Supplier<Map<String, Long>> brokerCounters) {
        this.engine = engine;
        this.health = health;
        this.devTokens = devTokens;
        this.brokerCounters = brokerCounters;
    }

    HttpRoutes(ChatEngine engine, HealthMonitor health) {
        this(engine, health, null, Map::of);
    }

    HttpAnswer answer(String path) {
        StaticFile file = WEB_FILES.get(path);
        if (file != null) {
            return staticFile(file);
        }
        if (path.startsWith(DEV_TOKEN_PREFIX)) {
            return devToken(path.substring(DEV_TOKEN_PREFIX.length()));
        }
        return switch (path) {
            case "/health" -> health();
            case "/stats" -> HttpAnswer.json(200, engine.stats().toJson().toString());
            case "/metrics" -> new HttpAnswer(200, PROMETHEUS_TEXT,
                    prometheus(engine.stats(), brokerCounters.get()).getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    Map.of());
            case "/ws" -> HttpAnswer.text(426, "This is a WebSocket endpoint: connect with a WebSocket client.\n")
                    .withHeader("Upgrade", "websocket");
            default -> HttpAnswer.text(404, "Not found\n");
        };
    }

    private static HttpAnswer staticFile(StaticFile file) {
        try (InputStream in = HttpRoutes.class.getResourceAsStream("/web/" + file.resource())) {
            if (in == null) {
                return HttpAnswer.text(404, "Not found\n");
            }
            return new HttpAnswer(200, file.contentType(), in.readAllBytes(), Map.of())
                    .withHeader("X-Content-Type-Options", "nosniff");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Only the browser on this machine can reach it: dev mode binds to loopback, and without CORS headers no other origin reads the answer. */
    private HttpAnswer devToken(String user) {
        if (devTokens == null) {
            return HttpAnswer.text(404, "Not found\n");
        }
        if (!DEV_USER.matcher(user).matches()) {
            return HttpAnswer.text(400, "A user name is 1 to 64 of A-Z a-z 0-9 . _ -\n");
        }
        JsonObject body = new JsonObject();
        body.addProperty("token", devTokens.apply(user));
        return HttpAnswer.json(200, body.toString());
    }

    private HttpAnswer health() {
        boolean storeOk = health.storeHealthy();
        JsonObject body = new JsonObject();
        body.addProperty("status", storeOk ? "ok" : "unavailable");
        body.addProperty("store", storeOk ? "ok" : "failing");
        body.addProperty("connections", engine.stats().totalConnections());
        body.addProperty("uptimeSeconds", ManagementFactory.getRuntimeMXBean().getUptime() / 1000);
        return HttpAnswer.json(storeOk ? 200 : 503, body.toString());
    }

    /**
     * Prometheus text exposition: the engine's gauges and counters, the cluster broker's fault
     * counters ({@code parley_broker_<name>_total}), then JVM basics.
     */
    static String prometheus(EngineStats stats, Map<String, Long> brokerCounters) {
        StringBuilder out = new StringBuilder(2048);
        gauge(out, "parley_connections", "Open WebSocket connections.", stats.totalConnections());
        gauge(out, "parley_authenticated_connections", "Authenticated connections.", stats.authenticatedConnections());
        gauge(out, "parley_rooms", "Rooms with at least one joined connection.", stats.totalRooms());
        gauge(out, "parley_online_users", "Users with at least one authenticated connection.", stats.onlineUsers().size());
        // "errors.INVALID_TOKEN" and "closes.4002" become one family each, with the suffix as a label.
        Map<String, Map<String, Long>> families = new TreeMap<>();
        for (Map.Entry<String, Long> c : stats.counters().entrySet()) {
            String key = c.getKey();
            int dot = key.indexOf('.');
            String family = dot < 0 ? key : key.substring(0, dot);
            String label = dot < 0 ? "" : key.substring(dot + 1);
            families.computeIfAbsent(family, f -> new TreeMap<>()).put(label, c.getValue());
        }
        families.forEach((family, values) -> {
            String name = "parley_" + metricName(family);
            if (!name.endsWith("_total")) {
                name += "_total";
            }
            out.append("# HELP ").append(name).append(" Engine counter ").append(family).append(".\n");
            out.append("# TYPE ").append(name).append(" counter\n");
            for (Map.Entry<String, Long> v : values.entrySet()) {
                out.append(name);
                if (!v.getKey().isEmpty()) {
                    out.append("{code=\"").append(escapeLabel(v.getKey())).append("\"}");
                }
                out.append(' ').append(v.getValue()).append('\n');
            }
        });
        new TreeMap<>(brokerCounters).forEach((key, value) -> {
            String name = "parley_broker_" + metricName(key) + "_total";
            out.append("# HELP ").append(name).append(" Cluster broker counter ").append(key).append(".\n");
            out.append("# TYPE ").append(name).append(" counter\n");
            out.append(name).append(' ').append(value).append('\n');
        });
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        MemoryUsage nonHeap = ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage();
        out.append("# HELP jvm_memory_used_bytes Used bytes of a given JVM memory area.\n")
                .append("# TYPE jvm_memory_used_bytes gauge\n")
                .append("jvm_memory_used_bytes{area=\"heap\"} ").append(heap.getUsed()).append('\n')
                .append("jvm_memory_used_bytes{area=\"nonheap\"} ").append(nonHeap.getUsed()).append('\n');
        out.append("# HELP jvm_memory_max_bytes Max bytes of a given JVM memory area (-1 if undefined).\n")
                .append("# TYPE jvm_memory_max_bytes gauge\n")
                .append("jvm_memory_max_bytes{area=\"heap\"} ").append(heap.getMax()).append('\n')
                .append("jvm_memory_max_bytes{area=\"nonheap\"} ").append(nonHeap.getMax()).append('\n');
        gauge(out, "jvm_threads_live", "Live JVM threads.", ManagementFactory.getThreadMXBean().getThreadCount());
        out.append("# HELP jvm_gc_collection_seconds Time spent in a given JVM garbage collector.\n")
                .append("# TYPE jvm_gc_collection_seconds summary\n");
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            String label = "{gc=\"" + escapeLabel(gc.getName()) + "\"}";
            out.append("jvm_gc_collection_seconds_count").append(label).append(' ')
                    .append(Math.max(0, gc.getCollectionCount())).append('\n');
            out.append("jvm_gc_collection_seconds_sum").append(label).append(' ')
                    .append(String.format(Locale.ROOT, "%.3f", Math.max(0, gc.getCollectionTime()) / 1000.0)).append('\n');
        }
        gauge(out, "process_uptime_seconds", "Seconds since the JVM started.",
                ManagementFactory.getRuntimeMXBean().getUptime() / 1000);
        long cpuNanos = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : -1; // -1 also where the platform does not measure it
        if (cpuNanos >= 0) {
            out.append("# HELP process_cpu_seconds_total User and system CPU time of the process, all threads.\n")
                    .append("# TYPE process_cpu_seconds_total counter\n")
                    .append("process_cpu_seconds_total ")
                    .append(String.format(Locale.ROOT, "%.3f", cpuNanos / 1e9)).append('\n');
        }
        gauge(out, "jvm_available_processors", "Processors available to the JVM.",
                Runtime.getRuntime().availableProcessors());
        return out.toString();
    }

    private static void gauge(StringBuilder out, String name, String help, long value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(" gauge\n")
                .append(name).append(' ').append(value).append('\n');
    }

    private static String escapeLabel(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    /** Prometheus names allow {@code [a-zA-Z0-9_:]}; counters use snake_case. */
    static String metricName(String key) {
        StringBuilder b = new StringBuilder(key.length() + 8);
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (Character.isUpperCase(c)) {
                if (b.length() > 0 && b.charAt(b.length() - 1) != '_') {
                    b.append('_');
                }
                b.append(Character.toLowerCase(c));
            } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') {
                b.append(c);
            } else if (b.length() > 0 && b.charAt(b.length() - 1) != '_') {
                b.append('_');
            }
        }
        return b.toString();
    }
}
