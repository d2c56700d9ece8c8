package dev.parley.cluster.redis;

import static org.junit.jupiter.api.Assertions.fail;

import dev.parley.core.testkit.TcpProxy;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Assumptions;

/** The real Redis the tests use (127.0.0.1:6379), a unique key prefix per test, and cleanup. */
final class RedisTestSupport {
    static final String HOST = "127.0.0.1";
    static final int PORT = 6379;
    static final String URL = "redis://" + HOST + ":" + PORT;

    /** The Redis URL through a proxy in front of the test Redis. */
    static String url(TcpProxy proxy) {
        return "redis://" + HOST + ":" + proxy.port();
    }

    private RedisTestSupport() {
    }

    /** Skips the test when Redis is unreachable, but fails it on CI (CI=true), where Redis must be there. */
    static void requireRedis() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(HOST, PORT), 1000);
        } catch (IOException e) {
            String message = "Redis is not reachable on " + HOST + ":" + PORT + " (" + e.getMessage() + ")";
            if ("true".equals(System.getenv("CI"))) {
                fail(message + "; CI needs it");
            }
            Assumptions.abort(message + "; skipping Redis tests");
        }
    }

    static String uniquePrefix() {
        return "parleytest-" + UUID.randomUUID().toString().substring(0, 12);
    }

    static RedisSettings.Builder settings(String url, String prefix) {
        return RedisSettings.builder(url).keyPrefix(prefix).maxReconnectDelay(Duration.ofMillis(300))
                .commandTimeout(Duration.ofSeconds(1));
    }

    /** Deletes every key of the prefix. */
    static void deleteKeys(String prefix) {
        RedisClient client = RedisClient.create(URL);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            ScanCursor cursor = ScanCursor.INITIAL;
            do {
                KeyScanCursor<String> page = c.sync().scan(cursor, ScanArgs.Builder.matches(prefix + ":*").limit(500));
                if (!page.getKeys().isEmpty()) {
                    c.sync().del(page.getKeys().toArray(String[]::new));
                }
                cursor = page;
            } while (!cursor.isFinished());
        } finally {
            client.shutdown();
        }
    }

    /** Counts the keys of the prefix. */
    static long countKeys(String prefix) {
        RedisClient client = RedisClient.create(URL);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            return c.sync().keys(prefix + ":*").size();
        } finally {
            client.shutdown();
        }
    }

    /** Polls until the condition holds, failing after the timeout. */
    static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting until " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }
}
