package dev.parley.store.jdbi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.spi.ChatStore;
import dev.parley.core.spi.ConversationRecord;
import dev.parley.core.spi.MessageRecord;
import dev.parley.protocol.model.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
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
                List<MessageRecord> sent = new ArrayList<>();
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

    /**
     * First joiners of the same open rooms on two nodes: one node's room creation loses to the
     * other's (a unique violation), and its joiners end in the winner's room anyway.
     */
    private static final int ROOMS = 100;

    @Test
    void firstJoinersOfOpenRoomsOnTwoNodesEndInOneRoomEach() throws Exception {
        // One joiner per node, so that each node's batches hold one join: a failed batch of several
        // would be retried one by one anyway.
        List<String> users = List.of("u0", "u1");
        users.forEach(this::user);
        try (JdbiChatStore otherNode = db.open()) {
            List<List<ConversationRecord>> perThread = runConcurrently(users.size(), index -> {
                JdbiChatStore node = index % 2 == 0 ? (JdbiChatStore) store : otherNode;
                List<ConversationRecord> joined = new ArrayList<>();
                for (int room = 0; room < ROOMS; room++) {
                    joined.add(node.joinOpenConversation("room-" + room, users.get(index), 100).orElseThrow());
                }
                return joined;
            });

            assertThat(perThread).allSatisfy(joined -> assertThat(joined).extracting(ConversationRecord::id)
                    .containsExactlyElementsOf(IntStream.range(0, ROOMS).mapToObj(r -> "room-" + r).toList()));
            for (int room = 0; room < ROOMS; room++) {
                ConversationRecord r = otherNode.findConversation("room-" + room, "u0").orElseThrow();
                assertThat(r.participantIds()).containsExactlyInAnyOrderElementsOf(users);
                assertThat(r.participants()).filteredOn(p -> p.role() == Role.ADMIN).hasSize(1);
            }
        }
    }
}
