package dev.parley.store.jdbi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.core.spi.ConversationRecord;
import dev.parley.core.spi.MessagePage;
import dev.parley.core.spi.MessageRecord;
import dev.parley.core.spi.NewMessage;
import dev.parley.core.spi.StoreException;
import dev.parley.core.spi.UserProfile;
import dev.parley.core.testkit.ChatStoreContract;
import dev.parley.protocol.model.User;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the JDBI store adds to the ChatStore contract, on each database: durability and failure. */
abstract class JdbiChatStoreContract extends ChatStoreContract {

    /** A second store on the same database as {@link #newStore()}'s, without emptying it. */
    protected abstract JdbiChatStore reopenStore();

    @Test
    void everythingSurvivesARestart() {
        user("alice");
        user("bob");
        ConversationRecord c = group("before \u0000 restart", "alice", "bob");
        MessageRecord shared = store.appendMessage(withClientId(c.id(), "alice", "kept \u0000 exactly", "k-1")).message();
        MessageRecord perRecipient = store.appendMessage(new NewMessage(c.id(), "bob", "text", null,
                Map.of("alice", "a", "bob", "b"), shared.id(), null, null, null)).message();
        store.markRead(c.id(), "alice", 1);
        store.close();

        store = reopenStore();

        assertThat(store.findUsers(List.of("alice", "bob"))).hasSize(2);
        ConversationRecord after = store.findConversation(c.id(), "alice").orElseThrow();
        assertThat(after.name()).isEqualTo("before \u0000 restart");
        assertThat(after.participantIds()).containsExactly("alice", "bob");
        assertThat(after.createdAt()).isEqualTo(c.createdAt());
        assertThat(after.lastReadSeq()).isEqualTo(1);
        assertThat(after.unreadCount()).isEqualTo(1);
        assertThat(after.latestMessage().contentFor("alice")).isEqualTo("a");
        List<MessageRecord> messages = store.loadMessages(c.id(), "bob", null, 10, false, false).messages();
        assertThat(messages).extracting(MessageRecord::id).containsExactly(shared.id(), perRecipient.id());
        assertThat(messages.get(0).content()).isEqualTo("kept \u0000 exactly");
        assertThat(messages.get(0).createdAt()).isEqualTo(shared.createdAt());
        assertThat(messages.get(1).contentFor("bob")).isEqualTo("b");
        assertThat(messages.get(1).replyTo().contentFor("bob")).isEqualTo("kept \u0000 exactly");
        assertThat(store.appendMessage(withClientId(c.id(), "alice", "retry", "k-1")).duplicate()).isTrue();
        assertThat(send(c.id(), "alice", "after restart").seq()).isEqualTo(3);
    }

    /**
     * Search matches on a lower-cased image of the body with surrogates replaced, so different emoji
     * look alike there and only the exact check tells them apart: hits older than a whole batch of
     * such look-alikes must still be found. Edits change what matches; a cursor deleted between two
     * pages still pages on.
     */
    @Test
    void searchReadsPastLookAlikesFollowsEditsAndPagesOnFromADeletedCursor() {
        user("alice");
        user("bob");
        ConversationRecord c = direct("alice", "bob");
        MessageRecord first = send(c.id(), "alice", "grin \ud83d\ude01 one");
        tick();
        MessageRecord second = send(c.id(), "bob", "GRIN \ud83d\ude01 two");
        for (int i = 0; i < 60; i++) { // more than one batch of the store's search
            tick();
            send(c.id(), "alice", "grin \ud83d\ude00 " + i);
        }

        MessagePage newest = store.searchMessages("bob", c.id(), "grin \ud83d\ude01", null, 1).orElseThrow();
        assertThat(newest.messages()).extracting(MessageRecord::id).containsExactly(second.id());
        assertThat(newest.hasMore()).isTrue();
        MessagePage older = store.searchMessages("bob", null, "grin \ud83d\ude01", second.id(), 1).orElseThrow();
        assertThat(older.messages()).extracting(MessageRecord::id).containsExactly(first.id());
        assertThat(older.hasMore()).isFalse();

        store.editMessage(c.id(), first.id(), "alice", "a smirk instead", null, null, Instant.now());
        assertThat(store.searchMessages("bob", c.id(), "SMIRK", null, 10).orElseThrow().messages())
                .extracting(MessageRecord::id).containsExactly(first.id());
        assertThat(store.searchMessages("bob", c.id(), "grin \ud83d\ude01", null, 10).orElseThrow().messages())
                .extracting(MessageRecord::id).containsExactly(second.id());

        MessagePage top = store.searchMessages("alice", c.id(), "\ud83d\ude00", null, 2).orElseThrow();
        assertThat(top.messages()).extracting(MessageRecord::content).containsExactly("grin \ud83d\ude00 59",
                "grin \ud83d\ude00 58");
        store.deleteMessage(c.id(), top.messages().get(1).id(), Instant.now());
        MessagePage next = store.searchMessages("alice", c.id(), "\ud83d\ude00", top.messages().get(1).id(), 2)
                .orElseThrow();
        assertThat(next.messages()).extracting(MessageRecord::content).containsExactly("grin \ud83d\ude00 57",
                "grin \ud83d\ude00 56");
        assertThat(next.hasMore()).isTrue();
    }

    @Test
    void closedStoreFailsWithStoreExceptionAndIsUnhealthy() {
        user("alice");
        store.close();

        assertThat(store.isHealthy()).isFalse();
        assertThatThrownBy(() -> store.findUsers(List.of("alice"))).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> store.upsertUser(new UserProfile("bob", "b", "B", null, null,
                null, null))).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> store.listConversations("alice", 10)).isInstanceOf(StoreException.class);

        store = reopenStore();
        assertThat(store.findUsers(List.of("alice"))).extracting(User::id).containsExactly("alice");
    }
}
