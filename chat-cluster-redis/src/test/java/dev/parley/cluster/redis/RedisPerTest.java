package dev.parley.cluster.redis;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test's own corner of the real Redis: skips the test without Redis (fails it under
 * {@code CI=true}), gives it a fresh key prefix, and after it shuts down every connection opened
 * through {@link #connect} and deletes the prefix's keys. Register it per test instance with
 * {@code @RegisterExtension}.
 */
final class RedisPerTest implements BeforeEachCallback, AfterEachCallback {
    private final String prefix = RedisTestSupport.uniquePrefix();
    private final List<RedisConnections> connections = new ArrayList<>();
    private boolean redisUp;

    @Override
    public void beforeEach(ExtensionContext context) {
        RedisTestSupport.requireRedis();
        redisUp = true;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        connections.forEach(RedisConnections::shutdown);
        connections.clear();
        if (redisUp) {
            RedisTestSupport.deleteKeys(prefix);
        }
    }

    String prefix() {
        return prefix;
    }

    /** Connections to the local Redis under this test's prefix, shut down after the test. */
    RedisConnections connect() {
        return connect(RedisTestSupport.settings(RedisTestSupport.URL, prefix));
    }

    /** Connections with these settings (built on {@link RedisTestSupport#settings} with {@link #prefix()}). */
    RedisConnections connect(RedisSettings.Builder settings) {
        RedisConnections redis = RedisConnections.connect(settings.build());
        connections.add(redis);
        return redis;
    }
}
