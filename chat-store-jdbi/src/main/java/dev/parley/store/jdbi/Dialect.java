package dev.parley.store.jdbi;

import com.google.gson.JsonArray;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import org.jdbi.v3.core.argument.Argument;
import org.postgresql.PGStatement;

/**
 * What PostgreSQL and the embedded SQLite database spell or store differently. Everything else is
 * shared SQL. Statements keep their parameters named, so callers bind the same names for either.
 */
enum Dialect {
    POSTGRES(true, true,
            // Not FOR UPDATE: that would also block inserts of rows referencing the conversation
            // (participants take a key-share lock on it); an append changes no key.
            " FOR NO KEY UPDATE",
            " FOR UPDATE",
            "LEAST") {
        @Override
        Object time(Instant instant) {
            return instant.atOffset(ZoneOffset.UTC);
        }

        @Override
        Instant instant(ResultSet rs, int column) throws SQLException {
            OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
            return t == null ? null : t.toInstant();
        }

        @Override
        String in(String parameter) {
            return " = ANY(" + parameter + ")";
        }

        @Override
        void bindIds(PreparedStatement statement, int position, Collection<String> ids) throws SQLException {
            // Planned at every run, with its values. pgjdbc makes a statement it has run five times a
            // server-side one, whose generic plan PostgreSQL keeps until the next ANALYZE: one made
            // while participants was small scanned the whole table once it had grown: sign-ins with
            // their joins took twice as long (StoreBenchmark; BENCHMARKS.md, session 14).
            statement.unwrap(PGStatement.class).setPrepareThreshold(0);
            statement.setArray(position, statement.getConnection().createArrayOf("varchar", ids.toArray()));
        }
    },
    /**
     * Every write transaction begins IMMEDIATE, taking the database's single write lock at once, so
     * writers are serialized and no row lock is needed (or can be asked for). Times are INTEGER
     * microseconds since the epoch.
     */
    SQLITE(false, false, "", "", "MIN") {
        @Override
        Object time(Instant instant) {
            return ChronoUnit.MICROS.between(Instant.EPOCH, instant);
        }

        @Override
        Instant instant(ResultSet rs, int column) throws SQLException {
            long micros = rs.getLong(column);
            return rs.wasNull() ? null : Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
        }

        @Override
        String in(String parameter) {
            return " IN (SELECT value FROM json_each(" + parameter + "))";
        }

        @Override
        void bindIds(PreparedStatement statement, int position, Collection<String> ids) throws SQLException {
            JsonArray array = new JsonArray(ids.size());
            ids.forEach(array::add);
            statement.setString(position, array.toString());
        }
    };

    /**
     * Whether messages keep their words in {@code search_words}, a {@code tsvector} with a full-text
     * index (migration V2_3), which search uses for queries made of words; otherwise every query is
     * a LIKE on {@code search_text}.
     */
    final boolean fullTextSearch;
    /** Whether a statement can take a batch's rows as array parameters ({@code unnest}). */
    final boolean arrayParameters;
    /** Ends a SELECT of conversation rows, locking them until commit against other appends. */
    final String lockForAppend;
    /** Ends a SELECT whose rows stay locked until commit. */
    final String forUpdate;
    /** The smaller of two values: {@code LEAST(a, b)} on PostgreSQL, {@code MIN(a, b)} on SQLite. */
    final String least;
    Dialect(boolean fullTextSearch, boolean arrayParameters, String lockForAppend, String forUpdate, String least) {
        this.fullTextSearch = fullTextSearch;
        this.arrayParameters = arrayParameters;
        this.lockForAppend = lockForAppend;
        this.forUpdate = forUpdate;
        this.least = least;
    }

    /** The value a time column is bound to. */
    abstract Object time(Instant instant);

    /** A time column's value; null for NULL. */
    abstract Instant instant(ResultSet rs, int column) throws SQLException;

    /**
     * A membership test against a list of ids bound as one parameter (with {@link #ids} or
     * {@link #bindIds}), written after a column: {@code "WHERE id" + in(":ids")} for Jdbi,
     * {@code in("?")} for plain JDBC. The whole list is one parameter, so a statement has one
     * text whatever the number of ids: Jdbi parses it once and SQLite compiles it once per
     * connection (the statement cache keeps it), where an IN list of one parameter per id made a
     * new text for every length. There is no limit on the number of ids either.
     */
    abstract String in(String parameter);

    /** Binds {@code ids} to a parameter written with {@link #in}. */
    abstract void bindIds(PreparedStatement statement, int position, Collection<String> ids) throws SQLException;

    /** {@code ids} as the Jdbi argument of a parameter written with {@link #in}. */
    Argument ids(Collection<String> ids) {
        return (position, statement, ctx) -> bindIds(statement, position, ids);
    }
}
