package dev.parley.store.jdbi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.spi.MessageRecord;
import dev.parley.core.spi.NewConversation;
import dev.parley.core.spi.NewMessage;
import dev.parley.core.spi.UserProfile;
import dev.parley.protocol.model.ConversationType;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Search on PostgreSQL: a query of words is a full-text search (each word begins a word of the
 * body, any order, any case, no stemming), served by the GIN index on each message's words (migration 2.3), also
 * over messages stored before it. Encrypted and deleted bodies never match.
 */
class PostgresSearchTest {
    private TestPostgres db;
    private JdbiChatStore store;

    @BeforeEach
    void openStore() {
        db = TestPostgres.createSchema();
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
        if (db != null) {
            db.close();
        }
    }

    @Test
    void wordsMatchAsPrefixesOfBodyWordsInAnyOrderAndCase() {
        store = db.open();
        String c = directConversation();
        MessageRecord hello = send(c, "Hello brave new World");
        MessageRecord peace = send(c, "world peace");
        MessageRecord othello = send(c, "othello");
        MessageRecord german = send(c, "Grüße aus KÖLN");
        MessageRecord running = send(c, "she runs; we are running");

        assertThat(search("WORLD hello")).containsExactly(hello.id());
        assertThat(search("  bra   hel ")).containsExactly(hello.id());
        assertThat(search("wor")).containsExactly(peace.id(), hello.id());
        // Words, not substrings: "hello" does not begin "othello"'s only word.
        assertThat(search("hello")).containsExactly(hello.id());
        assertThat(search("thello")).isEmpty();
        assertThat(search("oth")).containsExactly(othello.id());
        assertThat(search("köln grüsse")).isEmpty();
        assertThat(search("köln GRÜ")).containsExactly(german.id());
        // The simple configuration does not stem: "run" is a prefix of both, "ran" of neither.
        assertThat(search("run")).containsExactly(running.id());
        assertThat(search("ran")).isEmpty();
        // A query with punctuation is matched literally, as a substring.
        assertThat(search("s; we")).containsExactly(running.id());
    }

    @Test
    void punctuationAndSymbolsSeparateWordsOfTheBody() {
        store = db.open();
        String c = directConversation();
        MessageRecord joined = send(c, "well-known pi=3.14 (see: wiki)\u0000end \uD83D\uDE00emoji");
        MessageRecord longWord = send(c, "x".repeat(5000) + " short");

        assertThat(search("known")).containsExactly(joined.id());
        assertThat(search("14 wiki")).containsExactly(joined.id());
        assertThat(search("end emo")).containsExactly(joined.id());
        assertThat(search("well-known")).containsExactly(joined.id());
        // A word too long for the index is left out of it; the rest of the body is still found.
        assertThat(search("short")).containsExactly(longWord.id());
        assertThat(search("x".repeat(3000))).containsExactly(longWord.id());
    }

    @Test
    void encryptedAndDeletedBodiesNeverMatch() {
        store = db.open();
        String c = directConversation();
        MessageRecord shared = send(c, "the secret is out");
        store.appendMessage(new NewMessage(c, "alice", "text", null,
                Map.of("alice", "secret plan", "bob", "secret plan"), null, null, null, null));
        MessageRecord turnedEncrypted = send(c, "secret draft");
        store.editMessage(c, turnedEncrypted.id(), "alice", null, Map.of("alice", "secret", "bob", "secret"),
                null, Instant.now());
        MessageRecord deleted = send(c, "secret gone");
        store.deleteMessage(c, deleted.id(), Instant.now());

        assertThat(search("secret")).containsExactly(shared.id());
        assertThat(search("plan")).isEmpty();
        assertThat(search("draft")).isEmpty();
        assertThat(search("gone")).isEmpty();
    }

    @Test
    void theMigrationIndexesMessagesStoredBeforeItAndSearchUsesTheIndex() throws Exception {
        // A database at schema version 1 with a message already stored, as an older release left it.
        Flyway.configure().dataSource(db.url(), TestPostgres.USER, TestPostgres.PASSWORD)
                .locations("classpath:dev/parley/store/jdbi/migration").table("parley_schema_history")
                .target("1").load().migrate();
        db.execute("INSERT INTO users (id, updated_at) VALUES ('alice', now()), ('bob', now())");
        db.execute("INSERT INTO conversations (id, type, direct_key, created_by, created_at, updated_at, latest_seq)"
                + " VALUES ('c1', 'direct', '5:alice|bob', 'alice', now(), now(), 1)");
        db.execute("INSERT INTO participants (conversation_id, user_id, role, position, joined_at)"
                + " VALUES ('c1', 'alice', 'admin', 0, now()), ('c1', 'bob', 'member', 1, now())");
        db.execute("INSERT INTO messages (id, conversation_id, seq, sender_id, message_type, content, per_recipient,"
                + " metadata, created_at, search_text) VALUES ('m1', 'c1', 1, 'alice', 'text',"
                + " convert_to('Stored Before The Upgrade', 'UTF8'), false, convert_to('{}', 'UTF8'), now(),"
                + " 'stored before the upgrade')");

        store = db.open();

        assertThat(store.searchMessages("bob", null, "upgr STORED", null, 10).orElseThrow().messages())
                .extracting(MessageRecord::id).containsExactly("m1");
        try (Connection connection = DriverManager.getConnection(db.url(), TestPostgres.USER, TestPostgres.PASSWORD);
             Statement s = connection.createStatement()) {
            // A three-row table is scanned whatever the indexes; forbid that to see the index is usable.
            s.execute("SET enable_seqscan = off");
            List<String> plan = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("EXPLAIN SELECT m.id FROM messages m WHERE m.search_words IS NOT NULL"
                    + " AND m.search_words @@ CAST('''upgr'':*' AS tsquery)")) {
                while (rs.next()) {
                    plan.add(rs.getString(1));
                }
            }
            assertThat(String.join("\n", plan)).contains("messages_by_words");
        }
    }

    private String directConversation() {
        store.upsertUser(new UserProfile("alice", "alice", "Alice", null, null, null, null));
        store.upsertUser(new UserProfile("bob", "bob", "Bob", null, null, null, null));
        return store.createConversation(new NewConversation(ConversationType.DIRECT, null, "alice",
                List.of("bob"))).conversation().id();
    }

    private MessageRecord send(String conversationId, String body) {
        MessageRecord m = store.appendMessage(new NewMessage(conversationId, "alice", "text", body, null, null, null,
                null, null)).message();
        try {
            Thread.sleep(2); // distinct created_at, so newest first is a defined order
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return m;
    }

    /** Ids of bob's hits, newest first. */
    private List<String> search(String query) {
        return store.searchMessages("bob", null, query, null, 10).orElseThrow().messages().stream()
                .map(MessageRecord::id).toList();
    }
}
