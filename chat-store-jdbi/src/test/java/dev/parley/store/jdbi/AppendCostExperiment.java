package dev.parley.store.jdbi;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What one durable append costs an embedded database in CPU, outside the store: the messages table
 * with the store's indexes, and the store's transaction shape (read the conversations' counters,
 * insert the batch, advance the counters, commit), on one thread, in plain JDBC. A measurement for
 * choosing the embedded database, not a test.
 *
 * <p>Usage: {@code AppendCostExperiment h2|sqlite conversations batch appends}: each commit holds
 * {@code batch} messages spread over that many consecutive conversations (of {@code conversations}),
 * as the store's group commit gets them from senders in different rooms. SQLite runs as the store
 * runs it with {@code EMBEDDED_SYNC=checkpoint} (WAL, {@code synchronous=NORMAL}: a process crash
 * loses nothing committed; the CPU cost, without the fsync the default adds to each commit); H2, the
 * store's embedded database before SQLite, with {@code WRITE_DELAY=0}, the same promise. H2 is no
 * longer a dependency of the project: put {@code com.h2database:h2} on the class path to try it.
 */
public final class AppendCostExperiment {
    private AppendCostExperiment() {
    }

    public static void main(String[] args) throws Exception {
        String database = args[0];
        int conversations = Integer.parseInt(args[1]);
        int batch = Integer.parseInt(args[2]);
        int appends = Integer.parseInt(args[3]);
        Path dir = Files.createTempDirectory("parley-append-cost");
        boolean sqlite = database.equals("sqlite");
        String url = sqlite ? "jdbc:sqlite:" + dir.resolve("chat.db")
                : "jdbc:h2:file:" + dir.resolve("chat") + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;WRITE_DELAY=0";
        try (Connection c = DriverManager.getConnection(url, sqlite ? null : "sa", sqlite ? null : "")) {
            createSchema(c, sqlite, conversations);
            // The first round warms the JIT up; the second is the one to read.
            for (int round = 1; round <= 2; round++) {
                ThreadMXBean threads = ManagementFactory.getThreadMXBean();
                long cpu = threads.getCurrentThreadCpuTime();
                long start = System.nanoTime();
                int done = appendRounds(c, sqlite, conversations, batch, appends, round);
                double cpuMicros = (threads.getCurrentThreadCpuTime() - cpu) / 1e3 / done;
                double perSecond = done / ((System.nanoTime() - start) / 1e9);
                System.out.printf(Locale.ROOT, "%s round %d: %d appends in commits of %d over %d conversations:"
                        + " %.1f us CPU per append (JVM thread, database included), %.0f appends/s%n",
                        database, round, done, batch, conversations, cpuMicros, perSecond);
            }
        }
    }

    private static void createSchema(Connection c, boolean sqlite, int conversations) throws SQLException {
        try (Statement s = c.createStatement()) {
            if (sqlite) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=NORMAL");
            }
            s.execute("CREATE TABLE conversations (id VARCHAR(64) PRIMARY KEY, latest_seq BIGINT NOT NULL,"
                    + " last_message_at TIMESTAMP)");
            // The columns and indexes of the store's messages table (migrations V1-V3).
            s.execute("CREATE TABLE messages (id VARCHAR(64) PRIMARY KEY, conversation_id VARCHAR(64) NOT NULL,"
                    + " seq BIGINT NOT NULL, sender_id VARCHAR(255) NOT NULL, message_type VARCHAR(32) NOT NULL,"
                    + " content BYTEA, per_recipient BOOLEAN NOT NULL, reply_to_id VARCHAR(64),"
                    + " thread_root_id VARCHAR(64), client_message_id VARCHAR(64), metadata BYTEA NOT NULL,"
                    + " created_at TIMESTAMP NOT NULL, edited_at TIMESTAMP, deleted_at TIMESTAMP,"
                    + " changed_at TIMESTAMP, search_text VARCHAR,"
                    + " CONSTRAINT messages_client_id_unique UNIQUE (conversation_id, sender_id, client_message_id))");
            s.execute("CREATE UNIQUE INDEX messages_seq_unique ON messages (conversation_id, seq DESC)");
            s.execute("CREATE INDEX messages_by_thread ON messages (thread_root_id, seq DESC)");
            s.execute("CREATE INDEX messages_by_change ON messages (conversation_id, changed_at)");
        }
        c.setAutoCommit(false);
        try (PreparedStatement p = c.prepareStatement("INSERT INTO conversations (id, latest_seq) VALUES (?, 0)")) {
            for (int i = 0; i < conversations; i++) {
                p.setString(1, "room-" + i);
                p.addBatch();
            }
            p.executeBatch();
        }
        c.commit();
    }

    private static int appendRounds(Connection c, boolean sqlite, int conversations, int batch, int appends, int round)
            throws SQLException {
        byte[] body = "x".repeat(200).getBytes(StandardCharsets.UTF_8);
        byte[] metadata = "{}".getBytes(StandardCharsets.UTF_8);
        int done = 0;
        int next = 0;
        try (PreparedStatement read = c.prepareStatement("SELECT latest_seq FROM conversations WHERE id = ?"
                + (sqlite ? "" : " FOR UPDATE"));
             PreparedStatement advance = c.prepareStatement(
                     "UPDATE conversations SET latest_seq = ?, last_message_at = ? WHERE id = ?");
             PreparedStatement insert = c.prepareStatement("INSERT INTO messages (id, conversation_id, seq,"
                     + " sender_id, message_type, content, per_recipient, client_message_id, metadata, created_at,"
                     + " search_text) VALUES (?, ?, ?, ?, 'text', ?, FALSE, ?, ?, ?, ?)")) {
            while (done < appends) {
                Map<String, Long> seqs = new LinkedHashMap<>();
                Timestamp now = new Timestamp(System.currentTimeMillis());
                for (int i = 0; i < batch; i++, next++) {
                    String conversation = "room-" + (next % conversations);
                    Long seq = seqs.get(conversation);
                    if (seq == null) {
                        read.setString(1, conversation);
                        try (ResultSet rs = read.executeQuery()) {
                            rs.next();
                            seq = rs.getLong(1);
                        }
                    }
                    seqs.put(conversation, ++seq);
                    String id = String.format(Locale.ROOT, "%02d%014x", round, next);
                    insert.setString(1, id);
                    insert.setString(2, conversation);
                    insert.setLong(3, seq);
                    insert.setString(4, "user-" + (next % 1000));
                    insert.setBytes(5, body);
                    insert.setString(6, "c-" + id);
                    insert.setBytes(7, metadata);
                    insert.setTimestamp(8, now);
                    insert.setString(9, "words of message " + id);
                    insert.addBatch();
                }
                for (Map.Entry<String, Long> e : seqs.entrySet()) {
                    advance.setLong(1, e.getValue());
                    advance.setTimestamp(2, now);
                    advance.setString(3, e.getKey());
                    advance.addBatch();
                }
                insert.executeBatch();
                advance.executeBatch();
                c.commit();
                done += batch;
            }
        }
        return done;
    }
}
