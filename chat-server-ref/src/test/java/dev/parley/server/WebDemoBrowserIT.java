package dev.parley.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The web demo in a real browser: headless Chromium, driven by Playwright from
 * {@code src/test/browser/web-demo.mjs}, against a dev-mode server. Skips when Chromium, node or
 * the script's {@code node_modules} are missing, except under {@code CI=true}, where it fails.
 */
class WebDemoBrowserIT {
    private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
    private static final Path SCRIPT_DIR = Path.of("src/test/browser").toAbsolutePath();
    private static final Path SCREENSHOT = Path.of("target/web-demo.png").toAbsolutePath();

    @Test
    void twoUsersChatInTheBrowserWithTypingIndicatorAndReplies() throws Exception {
        requireOrSkip(Files.isExecutable(CHROMIUM), "Chromium not found at " + CHROMIUM
                + " (apt-get install -y chromium)");
        requireOrSkip(nodeAvailable(), "node is not on the PATH");
        requireOrSkip(Files.isDirectory(SCRIPT_DIR.resolve("node_modules/playwright-core")),
                "playwright-core is not installed: run npm ci in " + SCRIPT_DIR);

        try (TestServer server = TestServer.start(b -> b.jwtSecret(null))) {
            assertThat(server.server.devMode()).isTrue();
            Files.deleteIfExists(SCREENSHOT);
            Path log = Files.createTempFile("web-demo", ".log");
            Process node = new ProcessBuilder("node", "web-demo.mjs", "http://127.0.0.1:" + server.server.port(),
                    SCREENSHOT.toString())
                    .directory(SCRIPT_DIR.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            boolean finished = node.waitFor(120, TimeUnit.SECONDS);
            if (!finished) {
                node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            Files.deleteIfExists(log);
            assertThat(finished).as("browser script finished in time; output:%n%s", output).isTrue();
            assertThat(node.exitValue()).as("browser script output:%n%s", output).isZero();
            assertThat(output).contains("web demo: OK");
            assertThat(SCREENSHOT).isNotEmptyFile();
        }
    }

    private static void requireOrSkip(boolean available, String why) {
        if (!available && "true".equals(System.getenv("CI"))) {
            throw new AssertionError(why + " (required when CI=true)");
        }
        assumeTrue(available, why + "; skipping the browser test");
    }

    private static boolean nodeAvailable() {
        try {
            Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
