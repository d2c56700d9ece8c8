package dev.parley.store.jdbi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.spi.MessageRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whatever the embedded store acknowledged survives the process dying without a clean close, also
 * when it dies with group-committed batches in flight; and dying processes do not pile up copies
 * of SQLite's native library.
 */
class EmbeddedCrashTest {
    @TempDir
    Path dir;

    @Test
    void acknowledgedMessagesSurviveAKilledProcess() throws Exception {
        Path data = dir.resolve("data");
        String output = runUntilKilled(data, 300);

        String conversationId = null;
        List<String> acked = new ArrayList<>();
        for (String line : output.split("\n")) {
            if (line.startsWith("conversation ")) {
                conversationId = line.substring("conversation ".length()).trim();
            } else if (line.startsWith("acked ")) {
                acked.add(line.substring("acked ".length()).trim());
            }
        }
        assertThat(acked).as("child output:%n%s", output).hasSize(300);

        try (JdbiChatStore reopened = JdbiChatStore.embedded(data)) {
            List<MessageRecord> stored = reopened.loadMessages(conversationId, "bob", null, 10_000, true, false)
                    .messages();
            // Messages committed but not yet acknowledged when the process died may be there too.
            assertThat(stored).extracting(MessageRecord::id).containsAll(acked);
            assertThat(stored).extracting(MessageRecord::seq)
                    .containsExactlyElementsOf(LongStream.rangeClosed(1, stored.size()).boxed().toList());
        }
    }

    @Test
    void killedProcessesLeaveOneCopyOfSqlitesNativeLibrary() throws Exception {
        Path data = dir.resolve("data");
        runUntilKilled(data, 1);
        runUntilKilled(data, 1);

        // The driver's default would leave a library and its .lck file in the temporary directory
        // for each of the two runs.
        try (Stream<Path> files = Files.list(systemTemp())) {
            assertThat(files.map(f -> f.getFileName().toString())).noneMatch(name -> name.startsWith("sqlite-"));
        }
        try (Stream<Path> files = Files.list(data.resolve("native"))) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .filteredOn(name -> !name.endsWith(".lck"))
                    .hasSize(1);
        }
    }

    /**
     * Runs {@link EmbeddedCrashWriter} in a child JVM until it halts after {@code count}
     * acknowledgements, with its own temporary directory; returns what it printed.
     */
    private String runUntilKilled(Path data, int count) throws Exception {
        Files.createDirectories(systemTemp());
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + systemTemp(), "-cp", System.getProperty("java.class.path"),
                EmbeddedCrashWriter.class.getName(), data.toString(), String.valueOf(count))
                .redirectErrorStream(true)
                .start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return output;
    }

    private Path systemTemp() {
        return dir.resolve("tmp");
    }
}
