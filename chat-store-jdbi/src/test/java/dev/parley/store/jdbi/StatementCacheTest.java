package dev.parley.store.jdbi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reused statements on a real SQLite database behind the pool, as the embedded store uses them. */
class StatementCacheTest {
    @TempDir
    Path dir;
    private HikariDataSource pool;
    private Jdbi jdbi;

    @BeforeEach
    void open() {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:sqlite:" + dir.resolve("cache.db"));
        config.addDataSourceProperty("journal_mode", "WAL");
        config.addDataSourceProperty("transaction_mode", "IMMEDIATE");
        config.setMaximumPoolSize(2);
        pool = new HikariDataSource(config);
        jdbi = Jdbi.create(pool);
        jdbi.setStatementBuilderFactory(new StatementCache());
        jdbi.useHandle(h -> h.execute("CREATE TABLE t (id TEXT PRIMARY KEY, v INTEGER NOT NULL)"));
    }

    @AfterEach
    void close() {
        pool.close();
    }

    private void insert(String id, int v) {
        jdbi.useHandle(h -> h.createUpdate("INSERT INTO t (id, v) VALUES (:id, :v)").bind("id", id).bind("v", v).execute());
    }

    private List<Integer> values() {
        return jdbi.withHandle(h -> h.createQuery("SELECT v FROM t ORDER BY v").mapTo(Integer.class).list());
    }

    @Test
    void aStatementUsedAgainAndAgainSeesNewParametersAndNewRows() {
        for (int i = 0; i < 50; i++) {
            insert("id-" + i, i);
            assertThat(values()).hasSize(i + 1).last().isEqualTo(i);
        }
        jdbi.useTransaction(tx -> IntStream.range(50, 60).forEach(i -> tx.prepareBatch("INSERT INTO t (id, v) VALUES (:id, :v)")
                .bind("id", "id-" + i).bind("v", i).add().execute()));
        assertThat(values()).hasSize(60);
    }

    /**
     * The append committer's plain JDBC batches run on kept statements too: rows added to a batch
     * that never ran (its use failed) are not run with the next use's.
     */
    @Test
    void aLentStatementIsTheKeptOneAndComesBackWithoutTheRowsOfAFailedUse() throws Exception {
        String sql = "INSERT INTO t (id, v) VALUES (?, ?)";
        PreparedStatement first = jdbi.withHandle(h -> {
            try (StatementCache.Lent lent = StatementCache.lend(h, sql)) {
                lent.statement().setString(1, "lost");
                lent.statement().setInt(2, 1);
                lent.statement().addBatch();
                return lent.statement(); // given back without running, as after a failure
            }
        });
        PreparedStatement second = jdbi.withHandle(h -> {
            try (StatementCache.Lent lent = StatementCache.lend(h, sql)) {
                lent.statement().setString(1, "kept");
                lent.statement().setInt(2, 2);
                lent.statement().addBatch();
                lent.statement().executeBatch();
                return lent.statement();
            }
        });

        List<String> stored = jdbi.withHandle(h -> h.createQuery("SELECT id FROM t").mapTo(String.class).list());
        assertThat(second).isSameAs(first);
        assertThat(stored).containsExactly("kept");
    }

    private int count(String sql, String id, int min) {
        return jdbi.withHandle(h -> h.createQuery(sql).bind("id", id).bind("min", min).mapTo(Integer.class).one());
    }

    @Test
    void aKeptStatementRunsWithTheParametersOfItsNewUseNotThoseOfItsLast() {
        // Kept statements keep their last parameters (clearing them cost a compile at the next run):
        // each use binds all of them anew.
        insert("a", 1);
        insert("b", 2);
        String sql = "SELECT COUNT(*) FROM t WHERE (:id IS NULL OR id = :id) AND v >= :min";
        for (int round = 0; round < 3; round++) {
            assertThat(count(sql, "b", 0)).isEqualTo(1);
            assertThat(count(sql, null, 0)).isEqualTo(2);
            assertThat(count(sql, null, 2)).isEqualTo(1);
        }
        assertThatThrownBy(() -> jdbi.withHandle(h -> h.createQuery(sql).bind("min", 0).mapTo(Integer.class).one()))
                .as("a parameter left unbound is refused, not taken from the statement's last use")
                .isInstanceOf(JdbiException.class);
    }

    @Test
    void theSameQueryRunInsideTheIterationOfItsOwnResultsGetsItsOwnStatement() {
        insert("a", 1);
        insert("b", 2);
        List<String> pairs = jdbi.withHandle(h -> {
            List<String> out = new ArrayList<>();
            String sql = "SELECT id FROM t WHERE v >= :min ORDER BY id";
            try (var outer = h.createQuery(sql).bind("min", 0).mapTo(String.class).iterator()) {
                while (outer.hasNext()) {
                    String first = outer.next();
                    for (String second : h.createQuery(sql).bind("min", 2).mapTo(String.class).list()) {
                        out.add(first + second);
                    }
                }
            }
            return out;
        });
        assertThat(pairs).containsExactly("ab", "bb");
        assertThat(values()).containsExactly(1, 2);
    }

    @Test
    void aStatementThatFailedWorksForTheNextCaller() {
        insert("a", 1);
        assertThatThrownBy(() -> insert("a", 2)).isInstanceOf(JdbiException.class);
        assertThatThrownBy(() -> jdbi.useHandle(h -> h.createUpdate("INSERT INTO t (id, v) VALUES (:id, :v)")
                .bind("id", "b").bind("v", (Integer) null).execute())).isInstanceOf(JdbiException.class);
        insert("b", 3);
        assertThat(values()).containsExactly(1, 3);
    }

    @Test
    void statementsWorkOnTheConnectionsThatReplaceRetiredOnes() throws Exception {
        insert("a", 1);
        assertThat(values()).containsExactly(1);
        pool.getHikariPoolMXBean().softEvictConnections(); // closes the idle connections with their statements
        for (int i = 0; i < 50 && pool.getHikariPoolMXBean().getTotalConnections() > 0; i++) {
            Thread.sleep(10);
        }
        insert("b", 2);
        assertThat(values()).containsExactly(1, 2);
    }

    @Test
    void moreStatementsThanTheCacheKeepsAllRun() {
        insert("a", 7);
        for (int i = 0; i < 450; i++) {
            int offset = i;
            int sum = jdbi.withHandle(h -> h.createQuery("SELECT v + " + offset + " FROM t").mapTo(Integer.class).one());
            assertThat(sum).isEqualTo(7 + i);
        }
        assertThat(values()).containsExactly(7);
    }
}
