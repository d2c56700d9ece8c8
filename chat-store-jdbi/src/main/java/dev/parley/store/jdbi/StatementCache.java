package dev.parley.store.jdbi;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.DefaultStatementBuilder;
import org.jdbi.v3.core.statement.StatementBuilder;
import org.jdbi.v3.core.statement.StatementBuilderFactory;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * Keeps each SQLite connection's prepared statements for reuse. SQLite compiles a statement at
 * every prepare, and neither its driver nor the pool keeps compiled statements (PostgreSQL keeps
 * them on the server): compiling took 18 % of the workers' CPU while 10,000 clients signed in and
 * joined rooms (BENCHMARKS.md, session 11).
 *
 * <p>Statements are prepared on the pool's physical connection, so the pool does not close them
 * when the connection goes back to it; closing one keeps it, with its parameters: clearing them
 * made the statement's next run cost as much as compiling it (a conversation's view 140 µs instead
 * of 15 µs; BENCHMARKS.md, session 12), and every use binds all of them anew, as Jdbi refuses a
 * statement with a parameter left unbound. What they hold until then is at most a message body
 * per statement kept. A statement still in use when its SQL comes again (a query run inside the
 * iteration of its own results) is prepared afresh for the second use and closed after it.
 */
final class StatementCache implements StatementBuilderFactory {
    /** Statements kept per connection, least recently used dropped first. */
    private static final int PER_CONNECTION = 200;

    /** Each physical connection's statements; guarded by itself. */
    private final Map<Connection, Statements> byConnection = new IdentityHashMap<>();

    @Override
    public StatementBuilder createStatementBuilder(Connection conn) {
        Connection physical;
        try {
            physical = conn.unwrap(Connection.class);
        } catch (SQLException e) {
            throw new IllegalStateException("the pool does not give out its connection", e);
        }
        return new Builder(physical, statementsOf(physical));
    }

    private Statements statementsOf(Connection physical) {
        synchronized (byConnection) {
            Statements statements = byConnection.get(physical);
            if (statements == null) {
                // A new connection: the pool may have retired others (closing them closed their statements).
                byConnection.keySet().removeIf(StatementCache::isClosed);
                statements = new Statements();
                byConnection.put(physical, statements);
            }
            return statements;
        }
    }

    private static boolean isClosed(Connection connection) {
        try {
            return connection.isClosed();
        } catch (SQLException e) {
            return true;
        }
    }

    /** One connection's statements. */
    private static final class Statements extends LinkedHashMap<String, PreparedStatement> {
        final Set<PreparedStatement> inUse = Collections.newSetFromMap(new IdentityHashMap<>());

        Statements() {
            super(16, 0.75f, true);
        }

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, PreparedStatement> eldest) {
            if (size() <= PER_CONNECTION) {
                return false;
            }
            if (!inUse.contains(eldest.getValue())) {
                closeQuietly(eldest.getValue());
            } // else closed when it is given back, as it is no longer the cached one
            return true;
        }
    }

    /**
     * One handle's builder, on its connection's statements. It remembers the SQL it lent each
     * statement under, as the SQL Jdbi gives back with a statement is not always the text it was
     * prepared from. Jdbi may give statements back after the handle's connection went back to the
     * pool (and on to another thread), so the statements are locked while they are used.
     */
    private static final class Builder extends DefaultStatementBuilder {
        private final Connection physical;
        private final Statements statements;
        private final Map<Statement, String> lent = new IdentityHashMap<>();

        Builder(Connection physical, Statements statements) {
            this.physical = physical;
            this.statements = statements;
        }

        @Override
        public PreparedStatement create(Connection conn, String sql, StatementContext ctx) throws SQLException {
            if (ctx.isReturningGeneratedKeys() || ctx.isConcurrentUpdatable()) {
                return super.create(conn, sql, ctx);
            }
            return lend(sql);
        }

        private PreparedStatement lend(String sql) throws SQLException {
            synchronized (statements) {
                PreparedStatement cached = statements.get(sql);
                if (cached != null && cached.isClosed()) { // the driver closes a statement that failed badly
                    statements.remove(sql);
                    statements.inUse.remove(cached);
                    cached = null;
                }
                if (cached != null && statements.inUse.add(cached)) {
                    lent.put(cached, sql);
                    return cached;
                }
                PreparedStatement prepared = physical.prepareStatement(sql);
                if (cached == null) {
                    statements.put(sql, prepared);
                    statements.inUse.add(prepared);
                    lent.put(prepared, sql);
                }
                return prepared;
            }
        }

        @Override
        public void close(Connection conn, String sql, Statement stmt) throws SQLException {
            String lentAs = lent.remove(stmt);
            if (lentAs == null) {
                stmt.close(); // not from the cache, or a second use of a cached statement's SQL
                return;
            }
            synchronized (statements) {
                statements.inUse.remove(stmt);
                if (statements.get(lentAs) != stmt) {
                    stmt.close(); // dropped from the cache while in use
                    return;
                }
                PreparedStatement kept = (PreparedStatement) stmt;
                kept.setQueryTimeout(0);
                kept.setMaxRows(0);
                kept.clearBatch(); // rows added before a failure must not run with the next use's
            }
        }
    }

    /**
     * A statement on {@code h}'s connection for plain JDBC (the append committer binds its rows
     * itself): kept between uses like Jdbi's own when {@code h}'s statements come from a cache, else
     * prepared for this use. Closing the result gives the statement back.
     */
    static Lent lend(Handle h, String sql) throws SQLException {
        if (h.getStatementBuilder() instanceof Builder builder) {
            return new Lent(builder.lend(sql), builder);
        }
        return new Lent(h.getConnection().prepareStatement(sql), null);
    }

    /** A statement from {@link #lend}; {@link #close} gives it back (or closes it, if not cached). */
    record Lent(PreparedStatement statement, Builder builder) implements AutoCloseable {
        @Override
        public void close() throws SQLException {
            if (builder == null) {
                statement.close();
            } else {
                builder.close(null, null, statement);
            }
        }
    }

    private static void closeQuietly(Statement stmt) {
        try {
            stmt.close();
        } catch (SQLException e) {
            // its connection is going away
        }
    }
}
