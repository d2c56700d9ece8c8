package dev.parley.store.jdbi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.spi.UnreadCount;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A database written by a release before the unread counters keeps its unread counts when the
 * store upgrades it: the migration counts each reader's own messages after their read position,
 * which the counts subtract. The same conversation on both databases: Alice has read up to 1, Bob
 * nothing; 1 Alice, 2 Bob, 3 Alice, 4 Bob (deleted).
 */
class UnreadCountUpgradeTest {
    @TempDir
    Path dir;

    @Test
    void countsOfAnEmbeddedDatabaseFromBeforeTheCountersAreKept() throws Exception {
        String url = "jdbc:sqlite:" + dir.resolve("parley.db");
        Flyway.configure().dataSource(url, null, null)
                .locations("classpath:dev/parley/store/jdbi/sqlite-migration").table("parley_schema_history")
                .target("1").load().migrate();
        try (Connection connection = DriverManager.getConnection(url); Statement s = connection.createStatement()) {
            s.execute("INSERT INTO users (id, updated_at) VALUES ('alice', 0), ('bob', 0)");
            s.execute("INSERT INTO conversations (id, type, created_by, created_at, updated_at, latest_seq)"
                    + " VALUES ('c1', 'group', 'alice', 0, 0, 4)");
            s.execute("INSERT INTO participants (conversation_id, user_id, role, position, joined_at, last_read_seq)"
                    + " VALUES ('c1', 'alice', 'admin', 0, 0, 1), ('c1', 'bob', 'member', 1, 0, 0)");
            s.execute("INSERT INTO messages (id, conversation_id, seq, sender_id, message_type, content, per_recipient,"
                    + " metadata, created_at, deleted_at) VALUES"
                    + " ('m1', 'c1', 1, 'alice', 'text', X'61', 0, X'7B7D', 1, NULL),"
                    + " ('m2', 'c1', 2, 'bob', 'text', X'62', 0, X'7B7D', 2, NULL),"
                    + " ('m3', 'c1', 3, 'alice', 'text', X'63', 0, X'7B7D', 3, NULL),"
                    + " ('m4', 'c1', 4, 'bob', 'text', NULL, 0, X'7B7D', 4, 5)");
        }

        try (JdbiChatStore store = JdbiChatStore.embedded(dir)) {
            assertCountsKept(store);
        }
    }

    @Test
    void countsOfAPostgresDatabaseFromBeforeTheCountersAreKept() {
        try (TestPostgres db = TestPostgres.createSchema()) {
            Flyway.configure().dataSource(db.url(), TestPostgres.USER, TestPostgres.PASSWORD)
                    .locations("classpath:dev/parley/store/jdbi/migration",
                            "classpath:dev/parley/store/jdbi/postgres-migration")
                    .table("parley_schema_history").target("2.3").load().migrate();
            db.execute("INSERT INTO users (id, updated_at) VALUES ('alice', now()), ('bob', now())");
            db.execute("INSERT INTO conversations (id, type, created_by, created_at, updated_at, latest_seq)"
                    + " VALUES ('c1', 'group', 'alice', now(), now(), 4)");
            db.execute("INSERT INTO participants (conversation_id, user_id, role, position, joined_at, last_read_seq)"
                    + " VALUES ('c1', 'alice', 'admin', 0, now(), 1), ('c1', 'bob', 'member', 1, now(), 0)");
            db.execute("INSERT INTO messages (id, conversation_id, seq, sender_id, message_type, content, per_recipient,"
                    + " metadata, created_at, deleted_at) VALUES"
                    + " ('m1', 'c1', 1, 'alice', 'text', '\\x61', false, '\\x7b7d', now(), NULL),"
                    + " ('m2', 'c1', 2, 'bob', 'text', '\\x62', false, '\\x7b7d', now(), NULL),"
                    + " ('m3', 'c1', 3, 'alice', 'text', '\\x63', false, '\\x7b7d', now(), NULL),"
                    + " ('m4', 'c1', 4, 'bob', 'text', NULL, false, '\\x7b7d', now(), now())");

            try (JdbiChatStore store = db.open()) {
                assertCountsKept(store);
            }
        }
    }

    private static void assertCountsKept(JdbiChatStore store) {
        // Alice: Bob's 2 (his 4 is deleted; her 3 is her own). Bob: Alice's 1 and 3.
        assertThat(store.findConversation("c1", "alice").orElseThrow().unreadCount()).isEqualTo(1);
        assertThat(store.findConversation("c1", "bob").orElseThrow().unreadCount()).isEqualTo(2);
        assertThat(store.unreadCounts("c1")).containsExactlyInAnyOrderEntriesOf(
                Map.of("alice", new UnreadCount(1, 1), "bob", new UnreadCount(0, 2)));
    }
}
