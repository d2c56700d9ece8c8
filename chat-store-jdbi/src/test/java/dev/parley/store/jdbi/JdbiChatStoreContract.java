package dev.parley.store.jdbi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import dev.parley.core.spi.ConversationRecord;
import dev.parley.core.spi.MessagePage;
import dev.parley.core.spi.MessageRecord;
import dev.parley.core.spi.NewMessage;
import dev.parley.core.spi.StoreException;
import dev.parley.core.testkit.ChatStoreContract;
import dev.parley.protocol.model.Reaction;
import dev.parley.protocol.model.User;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the JDBI store adds to the ChatStore contract, on each database: it survives a restart,
 * and it reads tombstones and reactions (rows the SPI cannot write yet, arranged here in SQL) the
 * way the protocol describes them.
 */
abstract class JdbiChatStoreContract extends ChatStoreContract {

    /** A second store on the same database as {@link #newStore()}'s, without emptying it. */
    protected abstract JdbiChatStore reopenStore();

    private JdbiChatStore jdbiStore() {
        return (JdbiChatStore) store;
    }

    private void delete(MessageRecord m) {
        jdbiStore().jdbi().useHandle(h -> h.createUpdate("UPDATE messages SET deleted_at = :t WHERE id = :id")
                .bind("t", Instant.now().atOffset(ZoneOffset.UTC)).bind("id", m.id()).execute());
    }

    private void react(MessageRecord m, String userId, String emoji) {
        tick();
        jdbiStore().jdbi().useHandle(h -> h.createUpdate("INSERT INTO reactions (message_id, user_id, emoji, created_at)"
                        + " VALUES (:m, :u, :e, :t)")
                .bind("m", m.id()).bind("u", userId).bind("e", ExactText.encode(emoji))
                .bind("t", Instant.now().atOffset(ZoneOffset.UTC)).execute());
    }

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

    @Test
    void tombstonesAreLeftOutUnlessAskedFor() {
        user("alice");
        user("bob");
        ConversationRecord c = direct("alice", "bob");
        JsonObject metadata = new JsonObject();
        metadata.addProperty("secret", "gone");
        MessageRecord first = send(c.id(), "bob", "one");
        MessageRecord second = store.appendMessage(new NewMessage(c.id(), "bob", "text", null,
                Map.of("alice", "two-a", "bob", "two-b"), null, null, null, metadata)).message();
        MessageRecord third = send(c.id(), "bob", "three");
        delete(second);

        MessagePage visible = store.loadMessages(c.id(), "alice", null, 10, false, false);
        assertThat(visible.messages()).extracting(MessageRecord::id).containsExactly(first.id(), third.id());

        MessagePage all = store.loadMessages(c.id(), "alice", null, 10, true, false);
        assertThat(all.messages()).extracting(MessageRecord::id).containsExactly(first.id(), second.id(), third.id());
        MessageRecord tombstone = all.messages().get(1);
        assertThat(tombstone.isDeleted()).isTrue();
        assertThat(tombstone.contentFor("alice")).isNull();
        assertThat(tombstone.content()).isNull();
        assertThat(tombstone.contents()).isNull();
        assertThat(tombstone.metadata()).isEqualTo(new JsonObject());
        assertThat(tombstone.seq()).isEqualTo(2);
        assertThat(tombstone.senderId()).isEqualTo("bob");
        assertThat(tombstone.createdAt()).isEqualTo(second.createdAt());
        assertThat(store.findMessage(c.id(), second.id(), "alice").orElseThrow().isDeleted()).isTrue();
        assertThat(store.findConversation(c.id(), "alice").orElseThrow().unreadCount()).isEqualTo(2);
    }

    @Test
    void hasMoreCountsOnlyMessagesThePageWouldShow() {
        user("alice");
        user("bob");
        ConversationRecord c = direct("alice", "bob");
        MessageRecord first = send(c.id(), "alice", "1");
        send(c.id(), "alice", "2");
        delete(first);

        MessagePage visible = store.loadMessages(c.id(), "bob", null, 1, false, false);
        MessagePage withTombstones = store.loadMessages(c.id(), "bob", null, 1, true, false);

        assertThat(visible.messages()).extracting(MessageRecord::seq).containsExactly(2L);
        assertThat(visible.hasMore()).isFalse();
        assertThat(withTombstones.hasMore()).isTrue();
    }

    @Test
    void deletingTheLatestMessageMovesTheConversationBack() {
        user("alice");
        user("bob");
        user("carol");
        ConversationRecord older = direct("alice", "bob");
        MessageRecord kept = send(older.id(), "bob", "kept");
        tick();
        ConversationRecord newer = direct("alice", "carol");
        tick();
        MessageRecord newest = send(older.id(), "bob", "newest");
        assertThat(store.listConversations("alice", 10)).extracting(ConversationRecord::id)
                .containsExactly(older.id(), newer.id());

        delete(newest);

        List<ConversationRecord> list = store.listConversations("alice", 10);
        assertThat(list).extracting(ConversationRecord::id).containsExactly(newer.id(), older.id());
        ConversationRecord olderView = list.get(1);
        assertThat(olderView.latestMessage().id()).isEqualTo(kept.id());
        assertThat(olderView.unreadCount()).isEqualTo(1);
        assertThat(olderView.latestSeq()).as("seq is never reused").isEqualTo(2);
        assertThat(send(older.id(), "bob", "after").seq()).isEqualTo(3);
    }

    @Test
    void replyPreviewOfADeletedMessageHasNoBody() {
        user("alice");
        user("bob");
        ConversationRecord c = direct("alice", "bob");
        MessageRecord quoted = send(c.id(), "alice", "regrettable");
        MessageRecord reply = store.appendMessage(
                new NewMessage(c.id(), "bob", "text", "why?", null, quoted.id(), null, null, null)).message();

        delete(quoted);

        MessageRecord loaded = store.findMessage(c.id(), reply.id(), "bob").orElseThrow();
        assertThat(loaded.replyTo().id()).isEqualTo(quoted.id());
        assertThat(loaded.replyTo().deletedAt()).isNotNull();
        assertThat(loaded.replyTo().contentFor("bob")).isNull();
        assertThat(loaded.contentFor("bob")).isEqualTo("why?");
    }

    @Test
    void reactionsAreGroupedByEmojiInOrderOfFirstUse() {
        user("alice");
        user("bob");
        user("carol");
        ConversationRecord c = group("g", "alice", "bob", "carol");
        MessageRecord m = send(c.id(), "alice", "react to me");
        MessageRecord other = send(c.id(), "alice", "no reactions");
        react(m, "bob", "\ud83d\udc4d");
        react(m, "carol", "\u2764\ufe0f");
        react(m, "alice", "\ud83d\udc4d");
        react(m, "carol", ":+1:");

        MessageRecord loaded = store.findMessage(c.id(), m.id(), "bob").orElseThrow();

        assertThat(loaded.reactions()).containsExactly(
                new Reaction("\ud83d\udc4d", 2, List.of("bob", "alice")),
                new Reaction("\u2764\ufe0f", 1, List.of("carol")),
                new Reaction(":+1:", 1, List.of("carol")));
        assertThat(store.findMessage(c.id(), other.id(), "bob").orElseThrow().reactions()).isEmpty();

        delete(m);
        assertThat(store.findMessage(c.id(), m.id(), "bob").orElseThrow().reactions())
                .as("a tombstone drops its reactions").isEmpty();
    }

    @Test
    void closedStoreFailsWithStoreExceptionAndIsUnhealthy() {
        user("alice");
        store.close();

        assertThat(store.isHealthy()).isFalse();
        assertThatThrownBy(() -> store.findUsers(List.of("alice"))).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> store.upsertUser(new dev.parley.core.spi.UserProfile("bob", "b", "B", null, null,
                null, null))).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> store.listConversations("alice", 10)).isInstanceOf(StoreException.class);

        store = reopenStore();
        assertThat(store.findUsers(List.of("alice"))).extracting(User::id).containsExactly("alice");
    }
}
