package dev.parley.loadtest;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import org.HdrHistogram.Histogram;

/** The machine-readable result file, {@code results.json}. */
final class JsonReport {
    static final int FORMAT_VERSION = 1;

    private JsonReport() {
    }

    static String toJson(RunResult r) {
        JsonObject root = new JsonObject();
        root.addProperty("format", FORMAT_VERSION);
        root.addProperty("tool", "chat-loadtest");
        root.addProperty("startedAt", r.startedAt().toString());
        root.addProperty("target", r.target());
        root.addProperty("mode", r.mode());
        root.addProperty("passed", r.passed());
        JsonArray failures = new JsonArray();
        r.failures().forEach(failures::add);
        root.add("failures", failures);

        RunResult.Layout l = r.layout();
        JsonObject layout = new JsonObject();
        layout.addProperty("connectionsRequested", l.connectionsRequested());
        layout.addProperty("connectionsReady", l.connectionsReady());
        layout.addProperty("rooms", l.rooms());
        layout.addProperty("senders", l.senders());
        layout.addProperty("payloadBytes", l.payloadBytes());
        root.add("layout", layout);

        JsonObject timing = new JsonObject();
        timing.addProperty("setupSeconds", seconds(r.timing().setup().toMillis()));
        timing.addProperty("warmupSeconds", seconds(r.timing().warmup().toMillis()));
        timing.addProperty("windowSeconds", seconds(r.timing().window().toMillis()));
        root.add("timing", timing);

        RunResult.Window w = r.window();
        JsonObject window = new JsonObject();
        window.addProperty("sends", w.sends());
        window.addProperty("acks", w.acks());
        window.addProperty("deliveries", w.deliveries());
        window.addProperty("expectedDeliveries", w.expectedDeliveries());
        window.addProperty("events", w.events());
        window.addProperty("sendsPerSecond", round(r.sendsPerSecond()));
        window.addProperty("deliveriesPerSecond", round(r.deliveriesPerSecond()));
        window.addProperty("eventsPerSecond", round(r.eventsPerSecond()));
        root.add("window", window);

        RunResult.Totals t = r.totals();
        JsonObject totals = new JsonObject();
        totals.addProperty("sends", t.sends());
        totals.addProperty("expectedDeliveries", t.expectedDeliveries());
        totals.addProperty("deliveries", t.deliveries());
        totals.addProperty("lostDeliveries", t.lostDeliveries());
        root.add("totals", totals);

        root.add("generator", cpu(r.generator()));
        if (r.server() != null) {
            JsonObject server = cpu(r.server().cpu());
            server.addProperty("problem", r.server().problem());
            root.add("server", server);
        }

        root.add("ackLatencyMs", latency(r.ackLatency()));
        root.add("deliveryLatencyMs", latency(r.deliveryLatency()));

        JsonObject errors = new JsonObject();
        errors.addProperty("total", r.errors());
        JsonObject byCode = new JsonObject();
        r.errorsByCode().forEach(byCode::addProperty);
        errors.add("byCode", byCode);
        errors.addProperty("ratio", r.errorRatio());
        errors.addProperty("maxRatio", r.maxErrorRatio());
        root.add("errors", errors);

        return new GsonBuilder().setPrettyPrinting().create().toJson(root) + "\n";
    }

    /** A process's CPU over the window: its per cent and cores, both null when not measured. */
    private static JsonObject cpu(RunResult.CpuLoad c) {
        JsonObject o = new JsonObject();
        o.addProperty("cpuPercent", c.known() ? round(c.cpuPercent()) : null);
        o.addProperty("cores", c.known() ? c.cores() : null);
        return o;
    }

    private static JsonObject latency(Histogram h) {
        LatencySummary s = LatencySummary.of(h);
        JsonObject o = new JsonObject();
        o.addProperty("count", s.count());
        o.addProperty("mean", round(s.meanMs()));
        o.addProperty("p50", s.p50Ms());
        o.addProperty("p90", s.p90Ms());
        o.addProperty("p99", s.p99Ms());
        o.addProperty("p99.9", s.p999Ms());
        o.addProperty("p99.99", s.p9999Ms());
        o.addProperty("max", s.maxMs());
        JsonArray points = new JsonArray();
        for (LatencySummary.Point p : LatencySummary.distribution(h)) {
            JsonObject point = new JsonObject();
            point.addProperty("percentile", round(p.percentile()));
            point.addProperty("ms", p.ms());
            points.add(point);
        }
        o.add("distribution", points);
        return o;
    }

    private static double seconds(long millis) {
        return millis / 1000.0;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
