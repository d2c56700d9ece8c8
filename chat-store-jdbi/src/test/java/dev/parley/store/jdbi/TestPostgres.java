package dev.parley.store.jdbi;

import static org.assertj.core.api.Assertions.fail;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;

/**
 * The PostgreSQL the tests use (127.0.0.1:5432, database {@code test}, user {@code postgres}), with
 * one throw-away schema per test class. Unreachable: the tests are skipped, or fail when
 * {@code CI=true}.
 */
final class TestPostgres implements AutoCloseable {
    static final String BASE_URL = System.getProperty("parley.test.postgres.url",
            "jdbc:postgresql://127.0.0.1:5432/test");
    static final String USER = "postgres";
    static final String PASSWORD = "";

    final String schema = "parley_test_" + UUID.randomUUID().toString().replace("-", "");

    private TestPostgres() {
    }

    /** Creates a fresh schema, or skips (fails on CI) when PostgreSQL is unreachable. */
    static TestPostgres createSchema() {
        DriverManager.setLoginTimeout(5);
        TestPostgres db = new TestPostgres();
        try (Connection c = DriverManager.getConnection(BASE_URL, USER, PASSWORD);
             Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + db.schema);
        } catch (SQLException e) {
            String message = "PostgreSQL at " + BASE_URL + " is unreachable (" + e.getMessage() + ")";
            if ("true".equals(System.getenv("CI"))) {
                fail(message + "; CI=true requires it");
            }
            Assumptions.abort(message + ": skipping the PostgreSQL tests");
        }
        return db;
    }

    String url() {
        return BASE_URL + "?currentSchema=" + schema;
    }

    JdbiChatStore open() {
        return JdbiChatStore.postgres(url(), USER, PASSWORD);
    }

    /** Empties every chat table, keeping the schema and its migration history. */
    void truncate() {
        execute("TRUNCATE public_keys, attachments, reactions, message_contents, messages, participants, conversations, users");
    }

    void execute(String sql) {
        try (Connection c = DriverManager.getConnection(url(), USER, PASSWORD);
             Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new AssertionError("cannot run " + sql, e);
        }
    }

    @Override
    public void close() {
        try (Connection c = DriverManager.getConnection(BASE_URL, USER, PASSWORD);
             Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA " + schema + " CASCADE");
        } catch (SQLException e) {
            throw new AssertionError("cannot drop schema " + schema, e);
        }
    }
}
