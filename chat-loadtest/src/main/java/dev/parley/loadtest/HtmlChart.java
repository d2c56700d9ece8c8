package dev.parley.loadtest;

import java.util.List;
import java.util.Locale;

/**
 * {@code latency.html}: one self-contained page (inline SVG and CSS, no script, nothing fetched)
 * with the ack and delivery latency by percentile, the percentile axis on a log scale of
 * {@code 1 / (1 - p)} so the tail gets room.
 */
final class HtmlChart {
    static final String ACK_COLOR = "#1f77b4";
    static final String DELIVERY_COLOR = "#d62728";
    private static final int WIDTH = 900;
    private static final int HEIGHT = 480;
    private static final int LEFT = 70;
    private static final int RIGHT = 40;
    private static final int TOP = 20;
    private static final int BOTTOM = 50;

    private HtmlChart() {
    }

    static String render(RunResult r) {
        List<LatencySummary.Point> ack = LatencySummary.distribution(r.ackLatency());
        List<LatencySummary.Point> delivery = LatencySummary.distribution(r.deliveryLatency());
        StringBuilder b = new StringBuilder(16_384);
        b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<title>chat-loadtest latency: ").append(escape(r.target())).append("</title>\n")
                .append("<style>body{font-family:sans-serif;margin:2em;color:#222}")
                .append("table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}")
                .append("th:first-child,td:first-child{text-align:left}.grid{stroke:#e5e5e5}")
                .append(".axis{font-size:12px;fill:#444}</style>\n</head>\n<body>\n")
                .append("<h1>Latency by percentile</h1>\n<p>")
                .append(escape(r.target())).append(" &middot; ").append(escape(r.mode())).append(" &middot; ")
                .append(r.layout().connectionsReady()).append(" connections in ").append(r.layout().rooms())
                .append(" rooms &middot; ")
                .append(escape(Numbers.format(r.sendsPerSecond()))).append(" sends/s, ")
                .append(escape(Numbers.format(r.deliveriesPerSecond()))).append(" deliveries/s &middot; started ")
                .append(escape(r.startedAt().toString())).append("</p>\n")
                .append("<p>Result: <strong>").append(r.passed() ? "passed" : "failed").append("</strong>");
        if (!r.passed()) {
            b.append(" (").append(escape(String.join("; ", r.failures()))).append(')');
        }
        b.append("</p>\n");
        if (ack.isEmpty() && delivery.isEmpty()) {
            b.append("<p>No latency samples were recorded in the measured window.</p>\n");
        } else {
            svg(b, ack, delivery);
        }
        table(b, r);
        b.append("</body>\n</html>\n");
        return b.toString();
    }

    private static void svg(StringBuilder b, List<LatencySummary.Point> ack, List<LatencySummary.Point> delivery) {
        double maxMs = 0;
        for (LatencySummary.Point p : ack) {
            maxMs = Math.max(maxMs, p.ms());
        }
        for (LatencySummary.Point p : delivery) {
            maxMs = Math.max(maxMs, p.ms());
        }
        double step = niceStep(maxMs);
        double top = Math.max(step, Math.ceil(maxMs / step) * step);
        int plotWidth = WIDTH - LEFT - RIGHT;
        int plotHeight = HEIGHT - TOP - BOTTOM;
        b.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"")
                .append(HEIGHT).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(HEIGHT)
                .append("\" role=\"img\" aria-label=\"latency by percentile\">\n");
        for (double v = 0; v <= top + step / 2; v += step) {
            double y = TOP + plotHeight - v / top * plotHeight;
            b.append(String.format(Locale.ROOT,
                    "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
                            + "<text class=\"axis\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                    LEFT, y, WIDTH - RIGHT, y, LEFT - 6, y + 4, tickLabel(v, step)));
        }
        String[] labels = {"0%", "90%", "99%", "99.9%", "99.99%", "99.999%"};
        for (int d = 0; d <= LatencySummary.DECADES; d++) {
            double x = LEFT + (double) d / LatencySummary.DECADES * plotWidth;
            b.append(String.format(Locale.ROOT,
                    "<line class=\"grid\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
                            + "<text class=\"axis\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                    x, TOP, x, TOP + plotHeight, x, TOP + plotHeight + 18, labels[d]));
        }
        b.append(String.format(Locale.ROOT,
                "<text class=\"axis\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">percentile</text>\n"
                        + "<text class=\"axis\" transform=\"translate(16 %d) rotate(-90)\" text-anchor=\"middle\">"
                        + "latency (ms)</text>\n",
                LEFT + plotWidth / 2, HEIGHT - 8, TOP + plotHeight / 2));
        series(b, ack, top, plotWidth, plotHeight, ACK_COLOR, "ack");
        series(b, delivery, top, plotWidth, plotHeight, DELIVERY_COLOR, "delivery");
        b.append(String.format(Locale.ROOT,
                "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                        + "<text class=\"axis\" x=\"%d\" y=\"%d\">ack (send to message_sent)</text>\n"
                        + "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                        + "<text class=\"axis\" x=\"%d\" y=\"%d\">delivery (send to each message_received)</text>\n",
                LEFT + 12, TOP + 8, ACK_COLOR, LEFT + 30, TOP + 18,
                LEFT + 12, TOP + 28, DELIVERY_COLOR, LEFT + 30, TOP + 38));
        b.append("</svg>\n");
    }

    private static void series(StringBuilder b, List<LatencySummary.Point> points, double top, int plotWidth,
            int plotHeight, String color, String name) {
        if (points.isEmpty()) {
            return;
        }
        b.append("<polyline fill=\"none\" stroke-width=\"2\" stroke=\"").append(color)
                .append("\" data-series=\"").append(name).append("\" points=\"");
        for (LatencySummary.Point p : points) {
            double x = LEFT + xFraction(p.percentile()) * plotWidth;
            double y = TOP + plotHeight - p.ms() / top * plotHeight;
            b.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
        }
        b.setLength(b.length() - 1);
        b.append("\"/>\n");
    }

    /** Position on the percentile axis: log10(1 / (1 - p)) over the shown decades; the maximum sits at the end. */
    static double xFraction(double percentile) {
        double remaining = 1 - percentile / 100.0;
        double minimum = Math.pow(10, -LatencySummary.DECADES);
        if (remaining <= minimum) {
            return 1;
        }
        return Math.log10(1 / remaining) / LatencySummary.DECADES;
    }

    /** A grid value with as many decimals as the step needs: 0, 20, 40 or 0, 0.2, 0.4. */
    static String tickLabel(double value, double step) {
        int decimals = (int) Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    /** A grid step of 1, 2 or 5 times a power of ten giving about five lines. */
    static double niceStep(double max) {
        if (max <= 0) {
            return 1;
        }
        double rough = max / 5;
        double power = Math.pow(10, Math.floor(Math.log10(rough)));
        double fraction = rough / power;
        double nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
        return nice * power;
    }

    private static void table(StringBuilder b, RunResult r) {
        LatencySummary a = LatencySummary.of(r.ackLatency());
        LatencySummary d = LatencySummary.of(r.deliveryLatency());
        b.append("<table>\n<tr><th>ms</th><th>samples</th><th>mean</th><th>p50</th><th>p90</th><th>p99</th>")
                .append("<th>p99.9</th><th>p99.99</th><th>max</th></tr>\n");
        row(b, "ack", a);
        row(b, "delivery", d);
        b.append("</table>\n<p>").append(r.window().sends()).append(" sends, ").append(r.window().deliveries())
                .append(" of ").append(r.window().expectedDeliveries()).append(" expected deliveries in the measured window; ")
                .append(r.totals().lostDeliveries()).append(" lost and ").append(r.errors()).append(" errors in the run.</p>\n");
    }

    private static void row(StringBuilder b, String name, LatencySummary s) {
        b.append("<tr><td>").append(name).append("</td><td>").append(s.count()).append("</td>");
        for (double v : new double[] {s.meanMs(), s.p50Ms(), s.p90Ms(), s.p99Ms(), s.p999Ms(), s.p9999Ms(), s.maxMs()}) {
            b.append("<td>").append(s.count() == 0 ? "-" : Numbers.significant(v)).append("</td>");
        }
        b.append("</tr>\n");
    }

    static String escape(String text) {
        StringBuilder b = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
