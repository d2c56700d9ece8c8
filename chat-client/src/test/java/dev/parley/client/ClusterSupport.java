package dev.parley.client;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;

/**
 * The PostgreSQL database and Redis that reference servers in cluster mode share: a throw-away
 * schema and a unique key prefix per test, so that parallel runs do not collide. Tests skip when
 * either is unreachable, and fail instead when CI=true.
 */
final class ClusterSupport implements AutoCloseable {
    static final String POSTGRES = "jdbc:postgresql://127.0.0.1:5432/test";
    static final String REDIS = "redis://127.0.0.1:6379";

    final String schema;
    final String prefix;

    private ClusterSupport(String schema, String prefix) {
        this.schema = schema;
        this.prefix = prefix;
    }

    /** Checks both services and prepares a fresh schema and key prefix. */
    static ClusterSupport open() throws SQLException {
        requireReachable("PostgreSQL", 5432);
        requireReachable("Redis", 6379);
        String schema = "parley_client_test_" + UUID.randomUUID().toString().replace("-", "");
        try (Connection c = DriverManager.getConnection(POSTGRES, "postgres", null); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA " + schema);
        }
        return new ClusterSupport(schema, "parley-client-test-" + UUID.randomUUID());
    }

    /** The reference server settings of one node of the cluster. */
    void node(dev.parley.server.ServerConfig.Builder b) {
        b.databaseUrl(POSTGRES + "?currentSchema=" + schema).databaseUser("postgres").redisUrl(REDIS)
                .redisKeyPrefix(prefix);
    }

    private static void requireReachable(String what, int port) {
        boolean reachable;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            reachable = true;
        } catch (IOException e) {
            reachable = false;
        }
        if (!reachable && "true".equals(System.getenv("CI"))) {
            throw new AssertionError(what + " is not reachable on 127.0.0.1:" + port + " and CI=true");
        }
        assumeTrue(reachable, what + " is not reachable on 127.0.0.1:" + port + ": skipping");
    }

    /** Drops the schema and the keys; call after the nodes are closed. */
    @Override
    public void close() throws SQLException {
        RedisClient client = RedisClient.create(REDIS);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            List<String> keys = c.sync().keys(prefix + ":*");
            if (!keys.isEmpty()) {
                c.sync().del(keys.toArray(String[]::new));
            }
        } finally {
            client.shutdown();
        }
        try (Connection c = DriverManager.getConnection(POSTGRES, "postgres", null); Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA " + schema + " CASCADE");
        }
    }
}
