package dev.parley.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The console, JSON and HTML reports, on histograms whose percentiles are known. */
class ReportsTest {

    /** 1 ms to 100 ms, evenly: p50 is 50 ms, p99 is 99 ms, the maximum 100 ms. */
    static Histogram uniformMillis(int fromMs, int toMs) {
        Histogram h = new Histogram(Metrics.SIGNIFICANT_DIGITS);
        for (int micros = fromMs * 1000; micros <= toMs * 1000; micros += 10) {
            h.recordValue(micros);
        }
        return h;
    }

    static RunResult result(Histogram ack, Histogram delivery, Map<String, Long> errors, List<String> failures) {
        return new RunResult("ws://127.0.0.1:8080/ws", "closed loop", Instant.parse("2026-01-02T03:04:05Z"),
                new RunResult.Layout(1000, 998, 50, 50, 100),
                new RunResult.Timing(Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(20)),
                new RunResult.Window(100_000, 100_000, 1_995_000, 1_995_500, 0),
                new RunResult.Totals(125_000, 2_495_500, 2_495_000, 500), new RunResult.CpuLoad(62.4, 2),
                new RunResult.ServerLoad(new RunResult.CpuLoad(93.5, 1), null), ack, delivery, errors, 0.0001, 0.01,
                failures);
    }

    @Test
    void jsonHoldsThroughputPercentilesAndErrors() {
        RunResult r = result(uniformMillis(1, 100), uniformMillis(2, 202), Map.of("RATE_LIMITED", 3L, "NO_ANSWER", 1L),
                List.of());

        JsonObject json = JsonParser.parseString(JsonReport.toJson(r)).getAsJsonObject();

        assertThat(json.get("passed").getAsBoolean()).isTrue();
        assertThat(json.get("target").getAsString()).isEqualTo("ws://127.0.0.1:8080/ws");
        assertThat(json.getAsJsonObject("layout").get("connectionsReady").getAsInt()).isEqualTo(998);
        JsonObject window = json.getAsJsonObject("window");
        assertThat(window.get("sendsPerSecond").getAsDouble()).isEqualTo(5000);
        assertThat(window.get("deliveriesPerSecond").getAsDouble()).isEqualTo(99_750);
        assertThat(json.getAsJsonObject("totals").get("lostDeliveries").getAsLong()).isEqualTo(500);
        JsonObject ack = json.getAsJsonObject("ackLatencyMs");
        assertThat(ack.get("count").getAsLong()).isEqualTo(r.ackLatency().getTotalCount());
        assertThat(ack.get("p50").getAsDouble()).isCloseTo(50.5, within(0.1));
        assertThat(ack.get("p99").getAsDouble()).isCloseTo(99.0, within(0.1));
        assertThat(ack.get("max").getAsDouble()).isCloseTo(100.0, within(0.1));
        assertThat(json.getAsJsonObject("deliveryLatencyMs").get("p50").getAsDouble()).isCloseTo(102, within(0.2));
        JsonObject errors = json.getAsJsonObject("errors");
        assertThat(errors.get("total").getAsLong()).isEqualTo(4);
        assertThat(errors.getAsJsonObject("byCode").get("RATE_LIMITED").getAsLong()).isEqualTo(3);
        assertThat(errors.get("maxRatio").getAsDouble()).isEqualTo(0.01);
        assertThat(json.getAsJsonObject("generator").get("cpuPercent").getAsDouble()).isEqualTo(62.4);
        assertThat(json.getAsJsonObject("generator").get("cores").getAsInt()).isEqualTo(2);
        assertThat(json.getAsJsonObject("server").get("cpuPercent").getAsDouble()).isEqualTo(93.5);
        assertThat(json.getAsJsonObject("server").get("cores").getAsInt()).isEqualTo(1);
    }

    @Test
    void consoleSaysWhenTheGeneratorItselfIsNearItsLimit() {
        assertThat(ConsoleReport.generator(new RunResult.CpuLoad(62.4, 2)))
                .isEqualTo("62% of 2 cores over the measured window");
        assertThat(ConsoleReport.generator(new RunResult.CpuLoad(91.0, 1)))
                .startsWith("91% of 1 core over the measured window: near its limit")
                .contains("latencies include its own delays");
        assertThat(ConsoleReport.generator(RunResult.CpuLoad.UNKNOWN)).isEqualTo("not measured");
        assertThat(ConsoleReport.render(result(uniformMillis(1, 100), uniformMillis(2, 202), Map.of(), List.of())))
                .contains("generator CPU:    62% of 2 cores");
    }

    @Test
    void consoleSaysWhenTheServerIsNearItsLimitOrWhyItsCpuIsUnknown() {
        assertThat(ConsoleReport.server(new RunResult.ServerLoad(new RunResult.CpuLoad(40.2, 4), null)))
                .isEqualTo("40% of 4 cores over the measured window");
        assertThat(ConsoleReport.server(new RunResult.ServerLoad(new RunResult.CpuLoad(93.5, 1), null)))
                .isEqualTo("94% of 1 core over the measured window: near its limit, so it sets the throughput"
                        + " and the latencies");
        assertThat(ConsoleReport.server(RunResult.ServerLoad.failed("http://h/metrics answered HTTP 404")))
                .isEqualTo("not measured: http://h/metrics answered HTTP 404");
        assertThat(ConsoleReport.render(result(uniformMillis(1, 100), uniformMillis(2, 202), Map.of(), List.of())))
                .contains("server CPU:       94% of 1 core");
    }

    @Test
    void serverCpuIsReadFromPrometheusMetrics() throws Exception {
        String metrics = "# HELP process_cpu_seconds_total CPU.\n# TYPE process_cpu_seconds_total counter\n"
                + "process_cpu_seconds_total 12.500\njvm_gc_collection_seconds_count{gc=\"G1 Young\"} 3\n"
                + "jvm_available_processors 2\n";
        ServerMetrics.Reading before = ServerMetrics.parse(metrics, "m");
        assertThat(before).isEqualTo(new ServerMetrics.Reading(12.5, 2));
        // 3 s of CPU in 2 s of wall time on 2 cores: 75 %.
        RunResult.CpuLoad load = ServerMetrics.between(before, new ServerMetrics.Reading(15.5, 2), 2_000_000_000L);
        assertThat(load.cpuPercent()).isCloseTo(75.0, within(1e-9));
        assertThat(load.cores()).isEqualTo(2);
        // A server that restarted in between has less CPU time than before.
        assertThat(ServerMetrics.between(before, new ServerMetrics.Reading(1.0, 2), 2_000_000_000L).known()).isFalse();
        assertThatThrownBy(() -> ServerMetrics.parse("jvm_available_processors 2\n", "http://h/metrics"))
                .isInstanceOf(java.io.IOException.class)
                .hasMessage("http://h/metrics shows no process_cpu_seconds_total and jvm_available_processors");
        assertThatThrownBy(() -> ServerMetrics.parse("process_cpu_seconds_total x\n", "m"))
                .hasMessage("m has an unreadable process_cpu_seconds_total");
    }

    @Test
    void generatorLoadIsCpuTimeOverWallTimeAndCores() {
        int cores = Runtime.getRuntime().availableProcessors();
        RunResult.CpuLoad half = ProcessCpu.between(1_000_000_000L, 1_000_000_000L + 500_000_000L * cores,
                1_000_000_000L);
        assertThat(half.cpuPercent()).isCloseTo(50.0, within(1e-9));
        assertThat(half.cores()).isEqualTo(cores);
        assertThat(ProcessCpu.between(-1, -1, 1_000_000_000L).known()).isFalse();
        assertThat(ProcessCpu.between(5, 10, 0).known()).isFalse();
    }

    @Test
    void jsonDistributionRisesFromZeroToTheMaximum() {
        JsonObject json = JsonParser.parseString(JsonReport.toJson(
                result(uniformMillis(1, 100), uniformMillis(1, 100), Map.of(), List.of()))).getAsJsonObject();
        JsonArray points = json.getAsJsonObject("ackLatencyMs").getAsJsonArray("distribution");

        assertThat(points.get(0).getAsJsonObject().get("percentile").getAsDouble()).isZero();
        assertThat(points.get(points.size() - 1).getAsJsonObject().get("percentile").getAsDouble()).isEqualTo(100);
        double previous = 0;
        for (int i = 0; i < points.size(); i++) {
            double ms = points.get(i).getAsJsonObject().get("ms").getAsDouble();
            assertThat(ms).isGreaterThanOrEqualTo(previous);
            previous = ms;
        }
        assertThat(previous).isCloseTo(100.0, within(0.1));
    }

    @Test
    void emptyHistogramsGiveZerosNotNaN() {
        RunResult r = result(new Histogram(3), new Histogram(3), Map.of(), List.of("no connection got ready"));

        String text = JsonReport.toJson(r);
        JsonObject json = JsonParser.parseString(text).getAsJsonObject();

        assertThat(text).doesNotContain("NaN", "Infinity");
        assertThat(json.get("passed").getAsBoolean()).isFalse();
        assertThat(json.getAsJsonArray("failures").get(0).getAsString()).isEqualTo("no connection got ready");
        assertThat(json.getAsJsonObject("ackLatencyMs").get("count").getAsLong()).isZero();
        assertThat(json.getAsJsonObject("ackLatencyMs").getAsJsonArray("distribution")).isEmpty();
        assertThat(HtmlChart.render(r)).contains("No latency samples").doesNotContain("<polyline");
    }

    @Test
    void htmlIsSelfContainedWithBothSeries() {
        String html = HtmlChart.render(result(uniformMillis(1, 100), uniformMillis(2, 202), Map.of(), List.of()));

        assertThat(html).startsWith("<!DOCTYPE html>").contains("<svg", "</svg>", "</html>",
                "data-series=\"ack\"", "data-series=\"delivery\"", "99.999%");
        // Nothing is fetched: no scripts, no stylesheets or images from elsewhere (the SVG namespace is an identifier).
        assertThat(html).doesNotContain("<script", "<link", "src=", "@import");
        assertThat(html.replace("http://www.w3.org/2000/svg", "")).doesNotContain("http://", "https://");
        List<double[]> delivery = points(html, "delivery");
        assertThat(delivery).hasSize(LatencySummary.DECADES * LatencySummary.POINTS_PER_DECADE + 2);
        for (int i = 1; i < delivery.size(); i++) {
            assertThat(delivery.get(i)[0]).isGreaterThanOrEqualTo(delivery.get(i - 1)[0]);
            // SVG y grows downwards: higher latency, smaller y.
            assertThat(delivery.get(i)[1]).isLessThanOrEqualTo(delivery.get(i - 1)[1]);
        }
    }

    @Test
    void htmlEscapesWhatItShows() {
        RunResult r = new RunResult("ws://h/<script>alert(1)</script>", "closed loop", Instant.EPOCH,
                new RunResult.Layout(2, 2, 1, 1, 100),
                new RunResult.Timing(Duration.ZERO, Duration.ZERO, Duration.ofSeconds(1)),
                new RunResult.Window(1, 1, 2, 2, 0), new RunResult.Totals(1, 2, 2, 0), RunResult.CpuLoad.UNKNOWN, null,
                uniformMillis(1, 2), uniformMillis(1, 2), Map.of(), 0, 0.01, List.of("a <b> failure"));

        String html = HtmlChart.render(r);

        assertThat(html).doesNotContain("<script>", "<b>").contains("&lt;script&gt;", "a &lt;b&gt; failure");
    }

    @Test
    void consoleReportSaysWhetherTheRunPassedAndWhy() {
        String passed = ConsoleReport.render(result(uniformMillis(1, 100), uniformMillis(1, 100), Map.of(), List.of()));
        String failed = ConsoleReport.render(result(uniformMillis(1, 100), uniformMillis(1, 100),
                Map.of("INVALID_TOKEN", 2L), List.of("error ratio 0.10000 exceeds --max-error-ratio 0.01")));

        assertThat(passed).contains("PASSED", "5000 sends/s", "99.8k deliveries/s", "p99 99.1", "errors:           none");
        assertThat(failed).contains("FAILED: error ratio 0.10000 exceeds", "INVALID_TOKEN 2");
    }

    @Test
    void percentileAxisIsLogarithmicInTheTail() {
        assertThat(HtmlChart.xFraction(0)).isZero();
        assertThat(HtmlChart.xFraction(90)).isCloseTo(0.2, within(1e-9));
        assertThat(HtmlChart.xFraction(99)).isCloseTo(0.4, within(1e-9));
        assertThat(HtmlChart.xFraction(99.999)).isCloseTo(1, within(1e-9));
        assertThat(HtmlChart.xFraction(100)).isEqualTo(1);
        assertThat(HtmlChart.niceStep(47)).isEqualTo(10);
        assertThat(HtmlChart.niceStep(0.8)).isCloseTo(0.2, within(1e-12));
        assertThat(HtmlChart.niceStep(0)).isEqualTo(1);
        assertThat(HtmlChart.tickLabel(40, 20)).isEqualTo("40");
        assertThat(HtmlChart.tickLabel(0, 20)).isEqualTo("0");
        assertThat(HtmlChart.tickLabel(0.4, 0.2)).isEqualTo("0.4");
        assertThat(HtmlChart.tickLabel(0.05, 0.05)).isEqualTo("0.05");
        assertThat(HtmlChart.tickLabel(1, 1)).isEqualTo("1");
    }

    @Test
    void progressLineShowsRatesAndTails() {
        String line = Progress.format(12_300_000_000L, "measure", 1000, 4974, 94_500, uniformMillis(1, 100),
                new Histogram(3), 2, new RunResult.CpuLoad(87.6, 1));

        assertThat(line).isEqualTo("[  12s] measure connections 1000 | sends/s 4974 | deliveries/s 94.5k"
                + " | ack p99 99.1 ms | delivery p99 - | errors 2 | generator CPU 88%");
        assertThat(Progress.format(0, "connect", 0, 0, 0, new Histogram(3), new Histogram(3), 0,
                RunResult.CpuLoad.UNKNOWN)).endsWith("| errors 0 | generator CPU -");
    }

    @Test
    void numbersKeepThreeSignificantDigits() {
        assertThat(Numbers.format(0.5)).isEqualTo("0.500");
        assertThat(Numbers.format(12.34)).isEqualTo("12.3");
        assertThat(Numbers.format(4974)).isEqualTo("4974");
        assertThat(Numbers.format(94_512)).isEqualTo("94.5k");
        assertThat(Numbers.format(1_200_000)).isEqualTo("1.20M");
        assertThat(Numbers.millis(18_900)).isEqualTo("18.9");
    }

    private static List<double[]> points(String html, String series) {
        Matcher m = Pattern.compile("data-series=\"" + series + "\" points=\"([^\"]+)\"").matcher(html);
        assertThat(m.find()).isTrue();
        return java.util.Arrays.stream(m.group(1).split(" "))
                .map(p -> p.split(","))
                .map(xy -> new double[] {Double.parseDouble(xy[0]), Double.parseDouble(xy[1])})
                .toList();
    }
}
