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
import java.util.WeakHashMap;
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
 * when the connection goes back to it; closing one clears its parameters and keeps it. A statement
 * still in use when its SQL comes again (a query run inside the iteration of its own results) is
 * prepared afresh for the second use and closed after it.
 */
final class StatementCache implements StatementBuilderFactory {
    /** Statements kept per connection, least recently used dropped first (IN lists make one SQL per length). */
    private static final int PER_CONNECTION = 200;

    private final Map<Connection, Statements> byConnection = Collections.synchronizedMap(new WeakHashMap<>());

    @Override
    public StatementBuilder createStatementBuilder(Connection conn) {
        return new Builder();
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
     * One handle's builder. It remembers which cache lent each statement, under which SQL: Jdbi may
     * give statements back after the handle's connection went back to the pool (and on to another
     * thread), so the connection cannot be asked then, and each cache is locked while it is used;
     * and the SQL it gives back with a statement is not always the text it was prepared from.
     */
    private final class Builder extends DefaultStatementBuilder {
        private record Loan(Statements statements, String sql) {
        }

        private final Map<Statement, Loan> lent = new IdentityHashMap<>();

        @Override
        public PreparedStatement create(Connection conn, String sql, StatementContext ctx) throws SQLException {
            if (ctx.isReturningGeneratedKeys() || ctx.isConcurrentUpdatable()) {
                return super.create(conn, sql, ctx);
            }
            Connection physical = conn.unwrap(Connection.class);
            Statements statements = byConnection.computeIfAbsent(physical, c -> new Statements());
            synchronized (statements) {
                PreparedStatement cached = statements.get(sql);
                if (cached != null && cached.isClosed()) { // the driver closes a statement that failed badly
                    statements.remove(sql);
                    statements.inUse.remove(cached);
                    cached = null;
                }
                if (cached != null && statements.inUse.add(cached)) {
                    lent.put(cached, new Loan(statements, sql));
                    return cached;
                }
                PreparedStatement prepared = physical.prepareStatement(sql);
                if (cached == null) {
                    statements.put(sql, prepared);
                    statements.inUse.add(prepared);
                    lent.put(prepared, new Loan(statements, sql));
                }
                return prepared;
            }
        }

        @Override
        public void close(Connection conn, String sql, Statement stmt) throws SQLException {
            Loan loan = lent.remove(stmt);
            if (loan == null) {
                stmt.close(); // not from the cache, or a second use of a cached statement's SQL
                return;
            }
            Statements statements = loan.statements;
            synchronized (statements) {
                statements.inUse.remove(stmt);
                if (statements.get(loan.sql) != stmt) {
                    stmt.close(); // dropped from the cache while in use
                    return;
                }
                PreparedStatement kept = (PreparedStatement) stmt;
                kept.clearParameters();
                kept.setQueryTimeout(0);
                kept.setMaxRows(0);
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
