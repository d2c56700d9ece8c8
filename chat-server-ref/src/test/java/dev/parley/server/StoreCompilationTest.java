package dev.parley.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.management.JMException;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreCompilationTest {

    @Test
    void theStoresClassesAreExcludedFromC2AndNothingElse() throws JMException {
        assertThat(StoreCompilation.keepStoreOffC2()).isTrue();
        assertThat(StoreCompilation.keepStoreOffC2()).as("a second call adds nothing").isTrue();

        String printed = printedDirectives();
        // HotSpot prints each directive with its match and then its c1 and c2 settings.
        int ours = printed.indexOf("matching: dev/parley/store/jdbi/*.*");
        assertThat(ours).as(printed).isNotNegative();
        assertThat(printed.indexOf("matching: dev/parley/store/jdbi/*.*", ours + 1)).as("added once").isNegative();
        String directive = printed.substring(ours, printed.indexOf("Directive:", ours));
        String c1 = directive.substring(directive.indexOf("c1 directives"), directive.indexOf("c2 directives"));
        String c2 = directive.substring(directive.indexOf("c2 directives"));
        assertThat(c2).contains("Exclude:true");
        assertThat(c1).contains("Exclude:false");
        // Everything else keeps the default directive, which excludes nothing.
        String fallback = printed.substring(printed.indexOf("Directive: (default)"));
        assertThat(fallback).contains("matching: *.*").doesNotContain("Exclude:true");
    }

    @Test
    void aJvmGivenItsOwnDirectivesKeepsThem(@TempDir Path dir) throws Exception {
        Path own = dir.resolve("own.json");
        Files.writeString(own, "[{ match: \"java/lang/String.hashCode\", c1: { Exclude: true } }]");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UnlockDiagnosticVMOptions", "-XX:CompilerDirectivesFile=" + own,
                "-cp", System.getProperty("java.class.path"), Child.class.getName())
                .redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(child.waitFor()).as(output).isZero();
        assertThat(output).contains("kept: false").contains("matching: java/lang/String.hashCode")
                .doesNotContain("dev/parley/store/jdbi");
    }

    /** Runs in a JVM started with its own directives. */
    static final class Child {
        public static void main(String[] args) throws JMException {
            System.out.println("kept: " + StoreCompilation.keepStoreOffC2());
            System.out.println(printedDirectives());
        }
    }

    private static String printedDirectives() throws JMException {
        return (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerDirectivesPrint",
                new Object[] {new String[0]}, new String[] {String[].class.getName()});
    }
}
