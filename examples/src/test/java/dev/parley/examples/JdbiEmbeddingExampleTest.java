package dev.parley.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Runs the example against the real PostgreSQL (127.0.0.1:5432, database {@code test}) in a throw-away
 * schema. Skipped when PostgreSQL is unreachable, failed when {@code CI=true}.
 */
class JdbiEmbeddingExampleTest {
    private static final String BASE_URL = System.getProperty("parley.test.postgres.url",
            JdbiEmbeddingExample.DEFAULT_URL);
    private static final String USER = JdbiEmbeddingExample.DEFAULT_USER;

    private final String schema = "parley_example_" + UUID.randomUUID().toString().replace("-", "");

    @BeforeEach
    void createSchema() {
        DriverManager.setLoginTimeout(5);
        try {
            execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            String message = "PostgreSQL at " + BASE_URL + " is unreachable (" + e.getMessage() + ")";
            if ("true".equals(System.getenv("CI"))) {
                fail(message + "; CI=true requires it");
            }
            Assumptions.abort(message + ": skipping the JDBI example test");
        }
    }

    @AfterEach
    void dropSchema() throws SQLException {
        execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }

    @Test
    void historyWrittenByTheFirstEngineIsReadByTheRestartedOne() throws SQLException {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            JdbiEmbeddingExample.main(new String[] {BASE_URL + "?currentSchema=" + schema, USER, ""});
        } finally {
            System.setOut(original);
        }
        String output = captured.toString(StandardCharsets.UTF_8);

        assertThat(output).contains(
                "users alice and bob stored",
                "alice sent 2 messages",
                "engine stopped",
                "engine restarted on the same database",
                "bob has 1 conversation(s)",
                "history after restart: 2 message(s)",
                "  #1 alice: Hello Bob, this is stored in PostgreSQL.",
                "  #2 alice: It will still be here after a restart.");
        assertThat(output.indexOf("engine stopped")).isLessThan(output.indexOf("history after restart"));
        // The rows are in the dedicated schema, not wherever a default search path would have put them.
        try (Connection c = DriverManager.getConnection(BASE_URL, USER, "");
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM " + schema + ".messages")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(2);
        }
    }

    private void execute(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(BASE_URL, USER, "");
             Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
