package dev.parley.store.jdbi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.spi.MessageRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whatever the embedded store acknowledged survives the process dying without a clean close, also
 * when it dies with group-committed batches in flight.
 */
class EmbeddedCrashTest {
    @TempDir
    Path dir;

    @Test
    void acknowledgedMessagesSurviveAKilledProcess() throws Exception {
        Path data = dir.resolve("data");
        // The SQLite driver's native library goes to the temporary directory, which a killed
        // process leaves behind: this test's own.
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dorg.sqlite.tmpdir=" + dir, "-cp", System.getProperty("java.class.path"),
                EmbeddedCrashWriter.class.getName(), data.toString(), "300")
                .redirectErrorStream(true)
                .start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();

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
}
