package dev.parley.store.jdbi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.spi.ChatStore;
import dev.parley.core.spi.ConversationRecord;
import dev.parley.core.spi.MessageRecord;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole ChatStore contract on PostgreSQL, including 8 threads x 1000 appends into one
 * conversation, in a schema of its own that is emptied before each test.
 */
class PostgresChatStoreTest extends JdbiChatStoreContract {
    private static TestPostgres db;

    @BeforeAll
    static void createSchema() {
        db = TestPostgres.createSchema();
    }

    @AfterAll
    static void dropSchema() {
        if (db != null) {
            db.close();
        }
    }

    @Override
    protected ChatStore newStore() {
        JdbiChatStore store = db.open();
        db.truncate();
        return store;
    }

    @Override
    protected JdbiChatStore reopenStore() {
        return db.open();
    }

    @Test
    void twoNodesOnOneDatabaseShareOneSequence() throws Exception {
        user("alice");
        user("bob");
        ConversationRecord c = direct("alice", "bob");
        try (JdbiChatStore otherNode = db.open()) {
            List<List<MessageRecord>> perThread = runConcurrently(6, index -> {
                JdbiChatStore node = index % 2 == 0 ? (JdbiChatStore) store : otherNode;
                List<MessageRecord> sent = new java.util.ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    sent.add(node.appendMessage(withClientId(c.id(), "alice", "m", "t" + index + "-" + i)).message());
                }
                return sent;
            });

            assertThat(perThread.stream().flatMap(List::stream).map(MessageRecord::seq).sorted().toList())
                    .containsExactlyElementsOf(LongStream.rangeClosed(1, 1200).boxed().toList());
            assertThat(otherNode.findConversation(c.id(), "bob").orElseThrow().unreadCount()).isEqualTo(1200);
        }
    }
}
