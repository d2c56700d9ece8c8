package dev.parley.loadtest;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/** The final report printed at the end of a run. */
final class ConsoleReport {
    private ConsoleReport() {
    }

    static void print(RunResult r, PrintStream out) {
        out.print(render(r));
        out.flush();
    }

    static String render(RunResult r) {
        StringBuilder b = new StringBuilder();
        b.append("\n=== chat-loadtest results ===\n");
        line(b, "target", r.target());
        line(b, "mode", r.mode());
        RunResult.Layout l = r.layout();
        line(b, "connections", l.connectionsReady() + " ready of " + l.connectionsRequested() + ", in "
                + l.rooms() + " rooms, " + l.senders() + " senders, " + l.payloadBytes() + "-byte messages");
        line(b, "timing", "setup " + seconds(r.timing().setup().toMillis()) + ", warm-up "
                + seconds(r.timing().warmup().toMillis()) + ", measured " + seconds(r.timing().window().toMillis()));
        line(b, "throughput", Numbers.format(r.sendsPerSecond()) + " sends/s, "
                + Numbers.format(r.deliveriesPerSecond()) + " deliveries/s"
                + (r.window().events() == 0 ? "" : ", " + Numbers.format(r.eventsPerSecond()) + " other events/s"));
        RunResult.Window w = r.window();
        line(b, "measured", w.sends() + " sends, " + w.acks() + " acks, " + w.deliveries() + " of "
                + w.expectedDeliveries() + " expected deliveries");
        line(b, "ack latency", latency(LatencySummary.of(r.ackLatency())));
        line(b, "delivery latency", latency(LatencySummary.of(r.deliveryLatency())));
        line(b, "generator CPU", generator(r.generator()));
        if (r.server() != null) {
            line(b, "server CPU", server(r.server()));
        }
        line(b, "lost deliveries", r.totals().lostDeliveries() + " of " + r.totals().expectedDeliveries()
                + " (whole run)");
        line(b, "errors", r.errors() == 0 ? "none" : r.errors() + " " + byCode(r.errorsByCode()));
        line(b, "error ratio", String.format(Locale.ROOT, "%.5f (max %s)", r.errorRatio(),
                Numbers.format(r.maxErrorRatio())));
        if (r.passed()) {
            line(b, "result", "PASSED");
        } else {
            line(b, "result", "FAILED: " + String.join("; ", r.failures()));
        }
        return b.toString();
    }

    static String latency(LatencySummary s) {
        if (s.count() == 0) {
            return "no samples";
        }
        return "p50 " + Numbers.significant(s.p50Ms()) + " / p90 " + Numbers.significant(s.p90Ms())
                + " / p99 " + Numbers.significant(s.p99Ms()) + " / p99.9 " + Numbers.significant(s.p999Ms())
                + " / max " + Numbers.significant(s.maxMs()) + " ms (" + s.count() + " samples)";
    }

    static String generator(RunResult.CpuLoad g) {
        if (!g.known()) {
            return "not measured";
        }
        return g.saturated() ? overWindow(g) + ": near its limit, so the latencies include its own delays"
                + " (give it more cores or less load)" : overWindow(g);
    }

    static String server(RunResult.ServerLoad s) {
        if (!s.cpu().known()) {
            return "not measured: " + s.problem();
        }
        return s.cpu().saturated() ? overWindow(s.cpu()) + ": near its limit, so it sets the throughput and the"
                + " latencies" : overWindow(s.cpu());
    }

    private static String overWindow(RunResult.CpuLoad c) {
        return Math.round(c.cpuPercent()) + "% of " + c.cores() + (c.cores() == 1 ? " core" : " cores")
                + " over the measured window";
    }

    private static String byCode(Map<String, Long> errors) {
        StringBuilder b = new StringBuilder("(");
        errors.forEach((code, count) -> {
            if (b.length() > 1) {
                b.append(", ");
            }
            b.append(code).append(' ').append(count);
        });
        return b.append(')').toString();
    }

    private static String seconds(long millis) {
        return Numbers.significant(millis / 1000.0) + " s";
    }

    private static void line(StringBuilder b, String label, String value) {
        b.append(String.format(Locale.ROOT, "%-17s %s%n", label + ":", value));
    }
}
