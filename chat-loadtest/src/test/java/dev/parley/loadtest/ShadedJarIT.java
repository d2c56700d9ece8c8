package dev.parley.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.parley.core.EngineConfig;
import dev.parley.core.EngineConfig.RateLimit;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The packaged jar, started with {@code java -jar} as a user would. */
@Timeout(120)
class ShadedJarIT {
    static final String SECRET = "shaded-jar-test-secret-with-32-bytes-or-more";

    @Test
    void helpRunsFromTheJar(@TempDir Path dir) throws Exception {
        Result r = java(dir, "--help");

        assertThat(r.exitCode).isZero();
        assertThat(r.stdout).contains("Usage: chat-loadtest", "--connections", "--rate");
    }

    @Test
    void theJarLoadsARealEngineAndWritesItsResults(@TempDir Path dir) throws Exception {
        EngineConfig config = EngineConfig.builder()
                .frameRate(RateLimit.perSecond(1_000_000, 1_000_000))
                .messageRate(RateLimit.perSecond(1_000_000, 1_000_000))
                .build();
        try (ReferenceServer server = ReferenceServer.start(SECRET, config)) {
            Path out = dir.resolve("results");
            Result r = java(dir, "--url", server.uri().toString(), "--jwt-secret-env", "LOADTEST_SECRET",
                    "-c", "6", "--room-size", "3", "--warmup", "500ms", "--duration", "1s", "-o", out.toString(),
                    "--max-error-ratio", "0");

            assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
            assertThat(r.stdout).contains("PASSED");
            // Warnings only: the tool's console is not flooded with library debug logs.
            assertThat(r.stderr).doesNotContain("DEBUG", "INFO");
            JsonObject results = JsonParser.parseString(Files.readString(out.resolve("results.json")))
                    .getAsJsonObject();
            long sends = results.getAsJsonObject("window").get("sends").getAsLong();
            assertThat(sends).isPositive();
            assertThat(results.getAsJsonObject("window").get("deliveries").getAsLong()).isEqualTo(sends * 3);
            assertThat(Files.readString(out.resolve("latency.html"))).contains("<svg");
        }
    }

    private static Result java(Path dir, String... args) throws IOException, InterruptedException {
        String jar = System.getProperty("loadtest.jar");
        assertThat(jar).as("failsafe passes the jar's path").isNotNull();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-jar", jar));
        command.addAll(List.of(args));
        Path stdout = dir.resolve("stdout.txt");
        Path stderr = dir.resolve("stderr.txt");
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        pb.environment().put("LOADTEST_SECRET", SECRET);
        Process p = pb.start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the jar did not stop by itself within 90 s");
        }
        return new Result(p.exitValue(), Files.readString(stdout, StandardCharsets.UTF_8),
                Files.readString(stderr, StandardCharsets.UTF_8));
    }

    private record Result(int exitCode, String stdout, String stderr) {
    }
}
