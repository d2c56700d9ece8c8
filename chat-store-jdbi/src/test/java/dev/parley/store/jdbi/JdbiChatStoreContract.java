package dev.parley.store.jdbi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.core.spi.AppendResult;
import dev.parley.core.spi.ConversationRecord;
import dev.parley.core.spi.MessagePage;
import dev.parley.core.spi.MessageRecord;
import dev.parley.core.spi.NewMessage;
import dev.parley.core.spi.PresenceState;
import dev.parley.core.spi.SignedIn;
import dev.parley.core.spi.StoreException;
import dev.parley.core.spi.UserProfile;
import dev.parley.core.testkit.ChatStoreContract;
import dev.parley.protocol.model.Participant;
import dev.parley.protocol.model.Role;
import dev.parley.protocol.model.User;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

/**
 * What the JDBI store adds to the ChatStore contract, on each database: durability, failure, and
 * group commit (appends written together in one transaction, each caller with its own outcome).
 */
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

    // ---------------------------------------------------------------- group commit

    /** Writes the messages as one batch, as the committer would, and waits for every outcome. */
    private List<Object> writeOneBatch(NewMessage... messages) {
        JdbiChatStore jdbiStore = (JdbiChatStore) store;
        return writeAsOneBatch(jdbiStore::writeBatch,
                Arrays.stream(messages).map(jdbiStore::prepare).toArray(JdbiChatStore.PreparedAppend[]::new));
    }

    /**
     * Hands the items to {@code writer} as one batch, as a committer would, and returns each one's
     * outcome in order: its result, or the exception its caller would get.
     */
    @SafeVarargs
    private static <T, R> List<Object> writeAsOneBatch(Consumer<List<GroupCommit.Pending<T, R>>> writer, T... items) {
        List<GroupCommit.Pending<T, R>> batch = new ArrayList<>();
        for (T item : items) {
            batch.add(new GroupCommit.Pending<>(item));
        }
        writer.accept(batch);
        List<Object> outcomes = new ArrayList<>();
        for (GroupCommit.Pending<T, R> p : batch) {
            try {
                outcomes.add(p.await());
            } catch (RuntimeException e) {
                outcomes.add(e);
            }
        }
        return outcomes;
    }

    @Test
    void oneBatchAcrossConversationsGivesEachConversationItsNextSeqs() {
        user("alice");
        user("bob");
        ConversationRecord ab = direct("alice", "bob");
        ConversationRecord group = group("g", "alice", "bob");
        MessageRecord before = send(ab.id(), "alice", "before");

        List<Object> outcomes = writeOneBatch(
                text(ab.id(), "alice", "a2"),
                text(group.id(), "bob", "g1"),
                new NewMessage(ab.id(), "bob", "text", "a3", null, before.id(), before.id(), "k", null),
                new NewMessage(group.id(), "alice", "text", null, Map.of("alice", "for alice", "bob", "for bob"),
                        null, null, null, null),
                text(ab.id(), "alice", "a4"));

        List<MessageRecord> sent = outcomes.stream().map(o -> ((AppendResult) o).message()).toList();
        assertThat(outcomes).allSatisfy(o -> assertThat(((AppendResult) o).duplicate()).isFalse());
        assertThat(sent).extracting(MessageRecord::seq).containsExactly(2L, 1L, 3L, 2L, 4L);
        assertThat(sent.get(2).replyTo().contentFor("bob")).isEqualTo("before");
        assertThat(sent.get(2).threadRootId()).isEqualTo(before.id());
        assertThat(sent.get(3).contentFor("bob")).isEqualTo("for bob");
        assertThat(store.loadMessages(ab.id(), "bob", null, 10, false, false).messages())
                .extracting(MessageRecord::id, MessageRecord::seq, MessageRecord::createdAt)
                .containsExactly(tuple(before), tuple(sent.get(0)), tuple(sent.get(2)), tuple(sent.get(4)));
        assertThat(store.loadMessages(group.id(), "bob", null, 10, false, false).messages())
                .extracting(m -> m.contentFor("bob")).containsExactly("g1", "for bob");
        assertThat(store.findConversation(ab.id(), "bob").orElseThrow().latestSeq()).isEqualTo(4);
        assertThat(store.findConversation(group.id(), "bob").orElseThrow().latestSeq()).isEqualTo(2);
        assertThat(store.findMessage(ab.id(), before.id(), "bob").orElseThrow().threadReplyCount()).isEqualTo(1);
    }

    private static org.assertj.core.groups.Tuple tuple(MessageRecord m) {
        return org.assertj.core.groups.Tuple.tuple(m.id(), m.seq(), m.createdAt());
    }

    @Test
    void aFailingRowInABatchFailsOnlyItsOwnCaller() {
        user("alice");
        user("bob");
        ConversationRecord c = direct("alice", "bob");

        List<Object> outcomes = writeOneBatch(
                text(c.id(), "alice", "first"),
                new NewMessage(c.id(), "alice", "t".repeat(40), "type too long for its column", null, null, null,
                        null, null),
                text("no-such-conversation", "alice", "lost"),
                text(c.id(), "nobody", "unknown sender"),
                text(c.id(), "bob", "second"));

        assertThat(outcomes.get(0)).isInstanceOf(AppendResult.class);
        assertThat(outcomes.get(1)).isInstanceOf(StoreException.class);
        assertThat(outcomes.get(2)).isInstanceOf(IllegalArgumentException.class);
        assertThat(outcomes.get(3)).isInstanceOf(StoreException.class);
        assertThat(outcomes.get(4)).isInstanceOf(AppendResult.class);
        assertThat(store.loadMessages(c.id(), "bob", null, 10, false, false).messages())
                .extracting(m -> m.contentFor("bob"), MessageRecord::seq)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("first", 1L),
                        org.assertj.core.groups.Tuple.tuple("second", 2L));
        assertThat(send(c.id(), "alice", "next").seq()).as("no seq was used up by the failures").isEqualTo(3);
    }

    @Test
    void messagesHaveNoForeignKeyOnTheirSenderButCopiesKeepTheirsOnMessages() {
        // Migration 3 drops the sender's key: an append checks its sender itself (the test above)
        // and users are never deleted. The copies' key shows that the schema was read at all.
        JdbiChatStore jdbiStore = (JdbiChatStore) store;
        assertThat(referencedTables(jdbiStore, "messages")).doesNotContain("users");
        assertThat(referencedTables(jdbiStore, "message_contents")).contains("messages");
    }

    private static List<String> referencedTables(JdbiChatStore store, String table) {
        return store.run("read the schema", h -> {
            List<String> tables = new java.util.ArrayList<>();
            try (java.sql.ResultSet rs = h.getConnection().getMetaData()
                    .getImportedKeys(null, h.getConnection().getSchema(), table)) {
                while (rs.next()) {
                    tables.add(rs.getString("PKTABLE_NAME").toLowerCase(java.util.Locale.ROOT));
                }
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
            return tables;
        });
    }

    @Test
    void oneBatchOfSignInsStoresEveryUserWithTheLastProfileOfEach() {
        user("alice");
        List<Object> outcomes = writeOneUserBatch(
                profile("alice", "Alice Renamed"),
                profile("bob", "Bob"),
                profile("carol", "Carol"),
                profile("bob", "Bob Again"));

        assertThat(outcomes).allSatisfy(o -> assertThat(o).isInstanceOf(SignedIn.class));
        assertThat(store.findUsers(List.of("alice", "bob", "carol")))
                .extracting(User::id, User::displayName)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("alice", "Alice Renamed"),
                        org.assertj.core.groups.Tuple.tuple("bob", "Bob Again"),
                        org.assertj.core.groups.Tuple.tuple("carol", "Carol"));
    }

    @Test
    void eachSignInOfABatchGetsTheConversationsItsUserIsActiveIn() {
        ConversationRecord ab = aliceInTwoConversationsBobInOneHeLeftTheOther();

        List<Object> outcomes = writeOneUserBatch(profile("alice", "Alice"), profile("bob", "Bob"),
                profile("carol", "Carol"));

        assertThat(outcomes).extracting(o -> ((SignedIn) o).conversationIds())
                .satisfiesExactly(
                        alice -> assertThat(alice).containsExactlyInAnyOrder(ab.id(), "room-a"),
                        bob -> assertThat(bob).containsExactly(ab.id()),
                        carol -> assertThat(carol).isEmpty());
    }

    /** A disconnect storm's reads are answered in batches: each caller gets its own user's ids. */
    @Test
    void eachReadOfABatchGetsTheConversationIdsOfItsOwnUser() {
        ConversationRecord ab = aliceInTwoConversationsBobInOneHeLeftTheOther();

        List<Object> outcomes = writeAsOneBatch(((JdbiChatStore) store)::readConversationIds,
                "bob", "alice", "nobody", "bob");

        assertThat(outcomes).hasSize(4).allSatisfy(o -> assertThat(o).isInstanceOf(List.class));
        assertThat(outcomes.get(0)).isEqualTo(List.of(ab.id()));
        assertThat(new HashSet<>((List<?>) outcomes.get(1))).isEqualTo(Set.of(ab.id(), "room-a"));
        assertThat(outcomes.get(2)).isEqualTo(List.of());
        assertThat(outcomes.get(3)).isEqualTo(List.of(ab.id()));
    }

    /** Alice and Bob share a direct conversation; both joined room-a, which Bob left. */
    private ConversationRecord aliceInTwoConversationsBobInOneHeLeftTheOther() {
        user("alice");
        user("bob");
        ConversationRecord ab = direct("alice", "bob");
        store.joinOpenConversation("room-a", "alice", 10).orElseThrow();
        store.joinOpenConversation("room-a", "bob", 10).orElseThrow();
        ((JdbiChatStore) store).run("leave", h -> h.execute("UPDATE participants SET left_at = joined_at"
                + " WHERE conversation_id = 'room-a' AND user_id = 'bob'"));
        return ab;
    }

    @Test
    void aFailingProfileInABatchFailsOnlyItsOwnSignIn() {
        List<Object> outcomes = writeOneUserBatch(
                profile("alice", "Alice"),
                profile("u".repeat(300), "id too long for its column"),
                profile("bob", "Bob"));

        assertThat(outcomes.get(0)).isInstanceOf(SignedIn.class);
        assertThat(outcomes.get(1)).isInstanceOf(StoreException.class);
        assertThat(outcomes.get(2)).isInstanceOf(SignedIn.class);
        assertThat(store.findUsers(List.of("alice", "bob"))).extracting(User::id).containsExactlyInAnyOrder("alice", "bob");
    }

    @Test
    void concurrentSignInsAreAllStored() throws Exception {
        int users = 200;
        ExecutorService pool = Executors.newFixedThreadPool(50);
        try {
            List<Future<User>> signIns = new ArrayList<>();
            for (int i = 0; i < users; i++) {
                UserProfile p = profile("user-" + i, "User " + i);
                signIns.add(pool.submit(() -> store.upsertUser(p)));
            }
            for (Future<User> f : signIns) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        List<String> ids = IntStream.range(0, users).mapToObj(i -> "user-" + i).toList();
        assertThat(store.findUsers(ids)).extracting(User::displayName)
                .containsExactlyInAnyOrderElementsOf(IntStream.range(0, users).mapToObj(i -> "User " + i).toList());
    }

    private static UserProfile profile(String id, String displayName) {
        return new UserProfile(id, id, displayName, null, null, null, null);
    }

    /**
     * One batch of presence writes, as the presence committer would write it: the last write of a
     * user stands, and a user without a row yet gets one.
     */
    @Test
    void aBatchOfPresenceWritesKeepsEachUsersLastState() {
        user("alice");
        Instant lastSeen = Instant.parse("2026-01-02T03:04:05.678Z");
        JdbiChatStore jdbiStore = (JdbiChatStore) store;

        List<Object> outcomes = writeAsOneBatch(jdbiStore::writePresence,
                new JdbiChatStore.PresenceWrite("alice", new PresenceState("online", "here", null)),
                new JdbiChatStore.PresenceWrite("newcomer", new PresenceState("away", null, null)),
                new JdbiChatStore.PresenceWrite("alice", new PresenceState("offline", "here", lastSeen)));

        assertThat(outcomes).containsOnlyNulls().hasSize(3);
        assertThat(store.presenceOf(List.of("alice", "newcomer"))).containsOnly(
                Map.entry("alice", new PresenceState("offline", "here", lastSeen)),
                Map.entry("newcomer", new PresenceState("away", null, null)));
    }

    /** Writes the profiles as one batch, as the user committer would, and waits for every outcome. */
    private List<Object> writeOneUserBatch(UserProfile... profiles) {
        return writeAsOneBatch(((JdbiChatStore) store)::writeUsers, profiles);
    }

    /**
     * One batch of open-room joins, as the join committer would write it: each caller gets its own
     * answer, in order, and the room never holds more than its limit.
     */
    @Test
    void aBatchOfOpenJoinsAnswersEachJoinerAndNeverOverfillsARoom() {
        for (String u : List.of("alice", "bob", "carol", "dave", "erin")) {
            user(u);
        }
        store.joinOpenConversation("room-a", "alice", 3).orElseThrow();
        store.joinOpenConversation("room-b", "dave", 10).orElseThrow();
        store.joinOpenConversation("room-b", "erin", 10).orElseThrow();
        JdbiChatStore jdbiStore = (JdbiChatStore) store;
        jdbiStore.run("leave", h -> h.execute("UPDATE participants SET left_at = joined_at"
                + " WHERE conversation_id = 'room-b' AND user_id = 'erin'"));
        ConversationRecord d = direct("alice", "bob");

        List<Object> outcomes = writeAsOneBatch(jdbiStore::writeOpenJoins,
                new JdbiChatStore.OpenJoin("room-a", "bob", 3),
                new JdbiChatStore.OpenJoin("room-a", "ghost", 3),
                new JdbiChatStore.OpenJoin("room-a", "bob", 3),
                new JdbiChatStore.OpenJoin("room-b", "erin", 10),
                new JdbiChatStore.OpenJoin(d.id(), "carol", 10),
                new JdbiChatStore.OpenJoin("room-a", "carol", 3),
                new JdbiChatStore.OpenJoin("room-a", "dave", 3),
                new JdbiChatStore.OpenJoin("room-a", "alice", 3));

        assertThat(outcomes.get(1)).isInstanceOf(StoreException.class); // no such user
        assertThat(view(outcomes.get(0)).participantIds()).contains("bob");
        assertThat(outcomes.subList(2, 8)).extracting(o -> ((Optional<?>) o).isPresent())
                .containsExactly(true, true, false, true, false, true);
        ConversationRecord a = store.findConversation("room-a", "alice").orElseThrow();
        assertThat(a.participantIds()).containsExactly("alice", "bob", "carol");
        assertThat(a.participants()).extracting(Participant::role).containsExactly(Role.ADMIN, Role.MEMBER, Role.MEMBER);
        assertThat(store.participantIds("room-b")).containsExactly("dave", "erin");
        assertThat(store.participantIds(d.id())).containsExactlyInAnyOrder("alice", "bob");
        assertThat(store.joinOpenConversation("room-a", "dave", 3)).isEmpty();
    }

    /**
     * Each joiner of a batch is answered with the conversation as that user sees it: a member coming
     * back keeps the messages it read, a new member has read none, and a message with a copy per
     * recipient reads as each viewer's copy.
     */
    @Test
    void eachJoinerOfABatchIsAnsweredWithItsOwnViewOfTheRoom() {
        for (String u : List.of("alice", "bob", "carol", "dave")) {
            user(u);
        }
        store.joinOpenConversation("room-a", "alice", 10).orElseThrow();
        store.joinOpenConversation("room-a", "bob", 10).orElseThrow();
        store.joinOpenConversation("room-b", "dave", 10).orElseThrow();
        MessageRecord first = send("room-a", "alice", "first");
        store.markRead("room-a", "bob", first.seq());
        send("room-a", "bob", "bob's own");
        store.appendMessage(new NewMessage("room-a", "alice", "text", null,
                Map.of("alice", "for alice", "bob", "for bob"), null, null, null, null));
        JdbiChatStore jdbiStore = (JdbiChatStore) store;
        jdbiStore.run("leave", h -> h.execute("UPDATE participants SET left_at = joined_at"
                + " WHERE conversation_id = 'room-a' AND user_id = 'bob'"));

        List<Object> outcomes = writeAsOneBatch(jdbiStore::writeOpenJoins,
                new JdbiChatStore.OpenJoin("room-a", "bob", 10),
                new JdbiChatStore.OpenJoin("room-a", "carol", 10),
                new JdbiChatStore.OpenJoin("room-b", "carol", 10));

        ConversationRecord bob = view(outcomes.get(0));
        ConversationRecord carol = view(outcomes.get(1));
        assertThat(bob.lastReadSeq()).isEqualTo(first.seq());
        assertThat(bob.unreadCount()).isEqualTo(1);
        assertThat(bob.latestMessage().contents()).containsExactly(Map.entry("bob", "for bob"));
        assertThat(carol.lastReadSeq()).isZero();
        assertThat(carol.unreadCount()).isEqualTo(3);
        assertThat(carol.latestMessage().contents()).isEmpty();
        assertThat(bob.participantIds()).containsExactly("alice", "bob", "carol");
        assertThat(view(outcomes.get(2)).participantIds()).containsExactly("dave", "carol");
        assertThat(outcomes).containsExactly(store.findConversation("room-a", "bob"),
                store.findConversation("room-a", "carol"), store.findConversation("room-b", "carol"));
    }

    @Test
    void aRoomMissingWhenItsBatchRunsIsCreatedByItsFirstJoiner() {
        for (String u : List.of("alice", "bob", "carol")) {
            user(u);
        }

        List<Object> outcomes = writeAsOneBatch(((JdbiChatStore) store)::writeOpenJoins,
                new JdbiChatStore.OpenJoin("room-new", "bob", 2),
                new JdbiChatStore.OpenJoin("room-new", "alice", 2),
                new JdbiChatStore.OpenJoin("room-new", "carol", 2));

        assertThat(view(outcomes.get(0)).createdBy()).isEqualTo("bob");
        assertThat(view(outcomes.get(1)).participants()).extracting(Participant::userId, Participant::role)
                .containsExactly(Tuple.tuple("bob", Role.ADMIN), Tuple.tuple("alice", Role.MEMBER));
        assertThat(outcomes.get(2)).isEqualTo(Optional.empty()); // the room holds two
    }

    private static ConversationRecord view(Object outcome) {
        return ((Optional<?>) outcome).map(ConversationRecord.class::cast).orElseThrow();
    }

    @Test
    void aClientMessageIdRepeatedInOneBatchStoresOneMessage() {
        user("alice");
        user("bob");
        ConversationRecord c = direct("alice", "bob");
        MessageRecord earlier = store.appendMessage(withClientId(c.id(), "alice", "earlier", "k0")).message();

        List<Object> outcomes = writeOneBatch(
                withClientId(c.id(), "alice", "first", "k1"),
                withClientId(c.id(), "alice", "second", "k1"),
                withClientId(c.id(), "bob", "bob's own k1", "k1"),
                withClientId(c.id(), "alice", "retry of earlier", "k0"),
                withClientId(c.id(), "alice", "third", "k1"));

        List<AppendResult> results = outcomes.stream().map(o -> (AppendResult) o).toList();
        assertThat(results).extracting(AppendResult::duplicate).containsExactly(false, true, false, true, true);
        MessageRecord first = results.get(0).message();
        assertThat(results.get(1).message().id()).isEqualTo(first.id());
        assertThat(results.get(4).message().id()).isEqualTo(first.id());
        assertThat(results.get(4).message().contentFor("alice")).isEqualTo("first");
        assertThat(results.get(3).message().id()).isEqualTo(earlier.id());
        assertThat(results.get(3).message().contentFor("alice")).isEqualTo("earlier");
        assertThat(store.loadMessages(c.id(), "alice", null, 10, false, false).messages())
                .extracting(m -> m.contentFor("alice")).containsExactly("earlier", "first", "bob's own k1");
    }

    @Test
    void closeWhileAppendsArePendingSettlesEveryAppend() throws Exception {
        user("alice");
        user("bob");
        ConversationRecord shared = direct("alice", "bob");
        List<String> acknowledged = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger failures = new AtomicInteger();
        int threads = 16;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> senders = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            String sender = t % 2 == 0 ? "alice" : "bob";
            senders.add(pool.submit(() -> {
                for (int i = 0; ; i++) {
                    try {
                        acknowledged.add(store.appendMessage(text(shared.id(), sender, "m" + i)).message().id());
                    } catch (StoreException e) {
                        failures.incrementAndGet();
                        return;
                    }
                }
            }));
        }
        try {
            while (acknowledged.size() < 200) {
                Thread.sleep(5);
            }
            store.close();
            for (Future<?> f : senders) {
                f.get(2, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(failures).as("every sender ends with a failed append after close").hasValue(threads);
        assertThatThrownBy(() -> send(shared.id(), "alice", "after close")).isInstanceOf(StoreException.class);
        store = reopenStore();
        List<MessageRecord> stored = store.loadMessages(shared.id(), "alice", null, 100_000, false, false).messages();
        assertThat(stored).extracting(MessageRecord::id).containsAll(acknowledged);
        assertThat(stored).extracting(MessageRecord::seq)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, stored.size()).boxed().toList());
    }
}
