package dev.parley.server;

import com.sun.management.HotSpotDiagnosticMXBean;
import dev.parley.store.jdbi.JdbiChatStore;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps HotSpot's C2 compiler off the store's own classes, which then run as C1 compiled them.
 *
 * <p>The store's committers run their code once per batch, a few hundred times a second, so it
 * reaches C2's thresholds only after 10 to 25 s of traffic, and C2 then compiles the
 * per-batch methods with the database driver's calls inlined (writing a batch of appends: 75 to
 * 97 KB of machine code, 0.7 to 0.9 s of compilation each), on a small machine with the CPU the
 * connections need at that moment. Without them the compiler threads used 8 to 31 % less CPU
 * over a fan-out run of half a minute, and the store's benchmark appended a quarter more in its
 * first phase, while warm throughput and reads stayed the same: the store's time is the
 * database's, not its own code's (BENCHMARKS.md, session 17).
 *
 * <p>The reference server owns its JVM, so it sets this at start; an application embedding the
 * store decides for its own JVM. A JVM started with {@code -XX:CompilerDirectivesFile} is left as
 * its operator set it, and a JVM without HotSpot's diagnostic commands as it is.
 */
final class StoreCompilation {
    private static final Logger log = LoggerFactory.getLogger(StoreCompilation.class);
    /**
     * HotSpot's compiler-control syntax (JEP 165): C2 excluded, C1 still compiles. The package is
     * taken from the store's class, so that a rename cannot leave the directive matching nothing.
     */
    private static final String DIRECTIVE = "[{ match: \"" + JdbiChatStore.class.getPackageName().replace('.', '/')
            + "/*.*\", c2: { Exclude: true } }]";
    private static boolean applied;

    private StoreCompilation() {
    }

    /** The file given with {@code -XX:CompilerDirectivesFile}, or "". */
    private static String operatorDirectivesFile() {
        try {
            return ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .getVMOption("CompilerDirectivesFile").getValue();
        } catch (IllegalArgumentException e) {
            // A diagnostic option is visible only once unlocked, and cannot be set before.
            return "";
        }
    }

    /** Adds {@link #DIRECTIVE} to the JVM's compiler directives, once; returns whether this JVM has it now. */
    static synchronized boolean keepStoreOffC2() {
        if (applied) {
            return true;
        }
        try {
            String operatorFile = operatorDirectivesFile();
            if (!operatorFile.isEmpty()) {
                log.info("JIT: compiler directives from {} kept as they are", operatorFile);
                return false;
            }
            MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
            // The diagnostic command reads directives from a file only.
            Path file = Files.createTempFile("parley-compiler-directives", ".json");
            try {
                Files.writeString(file, DIRECTIVE, StandardCharsets.UTF_8);
                mbeans.invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerDirectivesAdd",
                        new Object[] {new String[] {file.toString()}}, new String[] {String[].class.getName()});
            } finally {
                Files.deleteIfExists(file);
            }
            applied = true;
            log.info("JIT: the store's classes are compiled by C1 only (docs/configuration.md, warm-up)");
            return true;
        } catch (JMException | RuntimeException | java.io.IOException | LinkageError e) {
            // Another JVM, or one without jdk.management: it compiles as it always does.
            log.debug("JIT: compiler directives not set: {}", e.toString());
            return false;
        }
    }
}
