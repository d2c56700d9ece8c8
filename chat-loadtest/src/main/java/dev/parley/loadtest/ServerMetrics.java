package dev.parley.loadtest;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The server's CPU time, read from its Prometheus metrics ({@code process_cpu_seconds_total} and
 * {@code jvm_available_processors}, which Parley's reference server shows at {@code /metrics}), so
 * the report can tell a saturated server from one with room left.
 */
final class ServerMetrics {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private final URI uri;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

    ServerMetrics(URI uri) {
        this.uri = uri;
    }

    /** One reading: the server's CPU seconds so far and the cores it may use. */
    record Reading(double cpuSeconds, int cores) {
    }

    /** Reads the metrics once; throws with a message for the report when they cannot be read or lack a value. */
    Reading read() throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException(RunResult.describe(uri) + " answered HTTP " + response.statusCode());
        }
        // Named without its query string, which may hold a credential, as the report names its targets.
        return parse(response.body(), RunResult.describe(uri));
    }

    static Reading parse(String metrics, String source) throws IOException {
        double cpu = -1;
        int cores = -1;
        for (String line : metrics.split("\n")) {
            String[] parts = line.trim().split(" ");
            if (parts.length != 2) {
                continue;
            }
            try {
                if (parts[0].equals("process_cpu_seconds_total")) {
                    cpu = Double.parseDouble(parts[1]);
                } else if (parts[0].equals("jvm_available_processors")) {
                    cores = (int) Double.parseDouble(parts[1]);
                }
            } catch (NumberFormatException e) {
                throw new IOException(source + " has an unreadable " + parts[0]);
            }
        }
        if (cpu < 0 || cores < 1) {
            throw new IOException(source + " shows no process_cpu_seconds_total and jvm_available_processors");
        }
        return new Reading(cpu, cores);
    }

    /** The server's CPU between two readings taken {@code wallNanos} apart, in per cent of its cores. */
    static RunResult.CpuLoad between(Reading before, Reading after, long wallNanos) {
        return RunResult.CpuLoad.of((after.cpuSeconds() - before.cpuSeconds()) * 1e9, wallNanos, after.cores());
    }
}
