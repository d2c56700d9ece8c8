package dev.parley.core.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.parley.core.spi.AppendResult;
import dev.parley.core.spi.ChatStore;
import dev.parley.core.spi.ConversationRecord;
import dev.parley.core.spi.CreateResult;
import dev.parley.core.spi.FileRecord;
import dev.parley.core.spi.MessagePage;
import dev.parley.core.spi.MessageRecord;
import dev.parley.core.spi.NewConversation;
import dev.parley.core.spi.NewMessage;
import dev.parley.core.spi.PresenceState;
import dev.parley.core.spi.ReactionChange;
import dev.parley.core.spi.SignedIn;
import dev.parley.core.spi.UnreadCount;
import dev.parley.core.spi.UserProfile;
import dev.parley.protocol.Extension;
import dev.parley.protocol.model.ConversationType;
import dev.parley.protocol.model.Participant;
import dev.parley.protocol.model.Reaction;
import dev.parley.protocol.model.Role;
import dev.parley.protocol.model.User;
import dev.parley.protocol.payload.KeyPayloads.PublicKeyInfo;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link ChatStore} must have (protocol sections 3 and 4). An implementation's
 * test extends this class and supplies {@link #newStore()}, a fresh empty store for each test.
 * Stores slower than a database may pass smaller numbers to the concurrency tests through the
 * constructor; durable stores run the full 8 threads x 1000 appends.
 */
public abstract class ChatStoreContract {
    private final int appendThreads;
    private final int appendsPerThread;

    protected ChatStore store;

    protected ChatStoreContract() {
        this(8, 1000);
    }

    protected ChatStoreContract(int appendThreads, int appendsPerThread) {
        this.appendThreads = appendThreads;
        this.appendsPerThread = appendsPerThread;
    }

    /** A new, empty store; it is closed after the test. */
    protected abstract ChatStore newStore();

    @BeforeEach
    void openStore() {
        store = newStore();
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    // ---------------------------------------------------------------- fixtures

    /** Strings a store must keep exactly: quoting, SQL, NUL, emoji, a lone surrogate, whitespace, 64 KiB. */
    protected static List<String> hostileStrings() {
        StringBuilder big = new StringBuilder();
        while (big.length() < 64 * 1024) {
            big.append("a\u00e9\u4e2d\ud83d\ude00'\"\\\u0000");
        }
        return List.of(
                "it's \"quoted\" `ticked` and \\back\\slashed",
                "'); DROP TABLE messages; --",
                "1' OR '1'='1",
                "\u0000",
                "nul\u0000in\u0000the middle\u0000",
                "\ud83d\ude00\ud83d\udc4d\ud83c\udffd e\u0301 \u4e2d\u6587 \u202eevil\u202c \ud83c\uddfa\ud83c\udde6",
                "lone \ud800 surrogate \udfff",
                "  \t\r\n  ",
                "",
                "$1 :name ? <ids> ${x} %s {}",
                big.substring(0, 64 * 1024));
    }

    protected User user(String id) {
        return store.upsertUser(new UserProfile(id, id + "-name", "Display " + id, "https://avatars.test/" + id,
                id + "@mail.test", null, null));
    }

    protected ConversationRecord direct(String creator, String other) {
        return store.createConversation(new NewConversation(ConversationType.DIRECT, null, creator, List.of(other)))
                .conversation();
    }

    protected ConversationRecord group(String name, String creator, String... others) {
        return store.createConversation(new NewConversation(ConversationType.GROUP, name, creator, List.of(others)))
                .conversation();
    }

    protected static NewMessage text(String conversationId, String senderId, String content) {
        return new NewMessage(conversationId, senderId, "text", content, null, null, null, null, null);
    }

    protected static NewMessage withClientId(String conversationId, String senderId, String content, String clientId) {
        return new NewMessage(conversationId, senderId, "text", content, null, null, null, clientId, null);
    }

    protected MessageRecord send(String conversationId, String senderId, String content) {
        return store.appendMessage(text(conversationId, senderId, content)).message();
    }

    /** Lets the clock move past the last timestamp (stores keep millisecond precision). */
    protected static void tick() {
        try {
            Thread.sleep(3);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Work for one of several threads; {@code index} tells the threads apart. */
    @FunctionalInterface
    protected interface ThreadTask<T> {
        T run(int index) throws Exception;
    }

    /** Runs {@code task} on {@code threads} threads released at the same moment; results in index order. */
    protected static <T> List<T> runConcurrently(int threads, ThreadTask<T> task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CyclicBarrier start = new CyclicBarrier(threads);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                int index = i;
                futures.add(pool.submit(() -> {
                    start.await(30, TimeUnit.SECONDS);
                    return task.run(index);
                }));
            }
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) {
                results.add(f.get(5, TimeUnit.MINUTES));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    // ---------------------------------------------------------------- users

    @Test
    void upsertedUserIsFoundAsOthersSeeIt() {
        User returned = store.upsertUser(new UserProfile("u1", "alice", "Alice A.", "https://a.test/1.png",
                "alice@mail.test", "+100", "auth-1"));

        assertThat(returned).isEqualTo(User.of("u1", "alice", "Alice A.", "https://a.test/1.png"));
        assertThat(store.findUsers(List.of("u1"))).containsExactly(returned);
    }

    /** Alice's direct conversation with Bob, and Carol's group "g", which Alice is in. */
    private record AliceInTwo(ConversationRecord direct, ConversationRecord group) {
    }

    private AliceInTwo aliceInADirectAndAGroup() {
        user("alice");
        user("bob");
        user("carol");
        return new AliceInTwo(direct("alice", "bob"), group("g", "carol", "alice"));
    }

    @Test
    void signInWritesTheProfileAndAnswersTheConversationsOfTheUser() {
        AliceInTwo aliceIn = aliceInADirectAndAGroup();
        ConversationRecord ab = aliceIn.direct();
        ConversationRecord g = aliceIn.group();

        SignedIn alice = store.signIn(new UserProfile("alice", "alice2", "Alice Two", null, null, null, null));
        SignedIn dave = store.signIn(new UserProfile("dave", "dave", "Dave", null, null, null, null));

        assertThat(alice.user()).isEqualTo(User.of("alice", "alice2", "Alice Two", null));
        assertThat(alice.conversationIds()).containsExactlyInAnyOrder(ab.id(), g.id());
        assertThat(store.signIn(new UserProfile("bob", "bob", "Bob", null, null, null, null)).conversationIds())
                .containsExactly(ab.id());
        assertThat(dave.user()).isEqualTo(User.of("dave", "dave", "Dave", null));
        assertThat(dave.conversationIds()).isEmpty();
        assertThat(store.findUsers(List.of("alice", "dave"))).containsExactlyInAnyOrder(alice.user(), dave.user());
    }

    @Test
    void upsertReplacesTheProfileOfAnExistingUser() {
        store.upsertUser(new UserProfile("u1", "alice", "Alice", null, null, null, null));
        store.upsertUser(new UserProfile("u1", "alice2", "Alice Two", "https://a.test/2.png", null, null, null));

        assertThat(store.findUsers(List.of("u1")))
                .containsExactly(User.of("u1", "alice2", "Alice Two", "https://a.test/2.png"));
    }

    @Test
    void findUsersReturnsOnlyExistingUsersOnce() {
        user("u1");
        user("u2");

        assertThat(store.findUsers(List.of("u2", "nobody", "u1", "u2")))
                .extracting(User::id).containsExactlyInAnyOrder("u1", "u2");
        assertThat(store.findUsers(List.of())).isEmpty();
        assertThat(store.findUsers(List.of("nobody"))).isEmpty();
    }

    // ---------------------------------------------------------------- creating conversations

    @Test
    void directConversationMakesCreatorAdminAndOtherMember() {
        User alice = user("alice");
        User bob = user("bob");

        CreateResult result = store.createConversation(
                new NewConversation(ConversationType.DIRECT, null, "alice", List.of("bob")));

        assertThat(result.created()).isTrue();
        ConversationRecord c = result.conversation();
        assertThat(c.id()).isNotBlank();
        assertThat(c.type()).isEqualTo(ConversationType.DIRECT);
        assertThat(c.createdBy()).isEqualTo("alice");
        assertThat(c.createdAt()).isNotNull();
        assertThat(c.participantIds()).containsExactly("alice", "bob");
        assertThat(c.participants()).extracting(Participant::role).containsExactly(Role.ADMIN, Role.MEMBER);
        assertThat(c.participants()).extracting(Participant::user).containsExactly(alice, bob);
        assertThat(c.participants()).allSatisfy(p -> assertThat(p.joinedAt()).isNotNull());
        assertThat(c.latestMessage()).isNull();
        assertThat(c.unreadCount()).isZero();
        assertThat(c.latestSeq()).isZero();
        assertThat(c.lastReadSeq()).isZero();
    }

    @Test
    void directConversationExistsOnceWhicheverSideCreatesIt() {
        user("alice");
        user("bob");
        ConversationRecord first = direct("alice", "bob");

        CreateResult again = store.createConversation(
                new NewConversation(ConversationType.DIRECT, null, "alice", List.of("bob")));
        CreateResult reverse = store.createConversation(
                new NewConversation(ConversationType.DIRECT, null, "bob", List.of("alice")));

        assertThat(again.created()).isFalse();
        assertThat(again.conversation().id()).isEqualTo(first.id());
        assertThat(reverse.created()).isFalse();
        assertThat(reverse.conversation().id()).isEqualTo(first.id());
        assertThat(reverse.conversation().participantIds()).containsExactly("alice", "bob");
        assertThat(store.conversationIdsOf("alice")).containsExactly(first.id());
        assertThat(store.conversationIdsOf("bob")).containsExactly(first.id());
    }

    @Test
    void directConversationsWithDifferentPeopleAreDistinct() {
        user("alice");
        user("bob");
        user("carol");

        ConversationRecord withBob = direct("alice", "bob");
        ConversationRecord withCarol = direct("alice", "carol");
        ConversationRecord bobCarol = direct("bob", "carol");

        assertThat(Set.of(withBob.id(), withCarol.id(), bobCarol.id())).hasSize(3);
    }

    @Test
    void concurrentDirectCreatesFromBothSidesMakeOneConversation() throws Exception {
        for (int round = 0; round < 20; round++) {
            String a = "a" + round;
            String b = "b" + round;
            user(a);
            user(b);
            List<CreateResult> results = runConcurrently(4, index -> {
                boolean fromA = index % 2 == 0;
                return store.createConversation(new NewConversation(ConversationType.DIRECT, null,
                        fromA ? a : b, List.of(fromA ? b : a)));
            });

            assertThat(results).extracting(r -> r.conversation().id()).containsOnly(results.get(0).conversation().id());
            assertThat(results).filteredOn(CreateResult::created).hasSize(1);
            assertThat(store.conversationIdsOf(a)).hasSize(1);
            assertThat(store.conversationIdsOf(b)).hasSize(1);
        }
    }

    // ---------------------------------------------------------------- open rooms

    @Test
    void joiningAnAbsentOpenRoomCreatesTheGroupWithThatIdAndTheJoinerAsAdmin() {
        user("alice");

        ConversationRecord room = store.joinOpenConversation("room-7", "alice", 10).orElseThrow();

        assertThat(room.id()).isEqualTo("room-7");
        assertThat(room.type()).isEqualTo(ConversationType.GROUP);
        assertThat(room.name()).isEqualTo("room-7");
        assertThat(room.createdBy()).isEqualTo("alice");
        assertThat(room.participants()).extracting(Participant::role).containsExactly(Role.ADMIN);
        assertThat(store.isParticipant("room-7", "alice")).isTrue();
        assertThat(store.conversationIdsOf("alice")).containsExactly("room-7");
    }

    @Test
    void joiningAnExistingOpenRoomAddsTheJoinerOnceAsMember() {
        user("alice");
        user("bob");
        store.joinOpenConversation("room-1", "alice", 10).orElseThrow();

        ConversationRecord asBob = store.joinOpenConversation("room-1", "bob", 10).orElseThrow();
        ConversationRecord again = store.joinOpenConversation("room-1", "bob", 10).orElseThrow();

        assertThat(asBob.participantIds()).containsExactly("alice", "bob");
        assertThat(again.participantIds()).containsExactly("alice", "bob");
        assertThat(asBob.participants()).extracting(Participant::role).containsExactly(Role.ADMIN, Role.MEMBER);
        assertThat(store.participantIds("room-1")).containsExactly("alice", "bob");
        assertThat(send("room-1", "bob", "hi").seq()).isEqualTo(1);
        assertThat(store.findConversation("room-1", "alice").orElseThrow().latestSeq()).isEqualTo(1);
    }

    @Test
    void aFullOpenRoomRefusesNewJoinersButNotItsParticipants() {
        user("alice");
        user("bob");
        user("carol");
        store.joinOpenConversation("room-1", "alice", 2).orElseThrow();
        store.joinOpenConversation("room-1", "bob", 2).orElseThrow();

        assertThat(store.joinOpenConversation("room-1", "carol", 2)).isEmpty();
        assertThat(store.joinOpenConversation("room-1", "bob", 2)).isPresent();
        assertThat(store.participantIds("room-1")).containsExactly("alice", "bob");
        assertThat(store.isParticipant("room-1", "carol")).isFalse();
    }

    @Test
    void anOpenJoinNeverEntersADirectConversation() {
        user("alice");
        user("bob");
        user("mallory");
        ConversationRecord d = direct("alice", "bob");

        assertThat(store.joinOpenConversation(d.id(), "mallory", 10)).isEmpty();
        assertThat(store.participantIds(d.id())).containsExactlyInAnyOrder("alice", "bob");
    }

    @Test
    void concurrentFirstJoinersOfAnOpenRoomEndInOneConversationTogether() throws Exception {
        int threads = 6;
        for (int round = 0; round < 10; round++) {
            String roomId = "room-" + round;
            for (int i = 0; i < threads; i++) {
                user("u" + i);
            }
            List<ConversationRecord> results = runConcurrently(threads,
                    index -> store.joinOpenConversation(roomId, "u" + index, 100).orElseThrow());

            assertThat(results).extracting(ConversationRecord::id).containsOnly(roomId);
            assertThat(store.participantIds(roomId)).containsExactlyInAnyOrder("u0", "u1", "u2", "u3", "u4", "u5");
            assertThat(store.findConversation(roomId, "u0").orElseThrow().participants())
                    .filteredOn(p -> p.role() == Role.ADMIN).hasSize(1);
        }
    }

    @Test
    void concurrentJoinersOfAnOpenRoomNeverOverfillIt() throws Exception {
        for (int i = 0; i < 8; i++) {
            user("u" + i);
        }
        List<Boolean> joined = runConcurrently(8, index -> store.joinOpenConversation("room-x", "u" + index, 3).isPresent());

        assertThat(joined).filteredOn(j -> j).hasSize(3);
        assertThat(store.participantIds("room-x")).hasSize(3);
    }

    @Test
    void groupHasCreatorFirstAsAdminThenOthersInOrderAsMembers() {
        user("alice");
        user("bob");
        user("carol");
        user("dave");

        ConversationRecord g = group("Project", "carol", "alice", "dave", "bob");

        assertThat(g.type()).isEqualTo(ConversationType.GROUP);
        assertThat(g.name()).isEqualTo("Project");
        assertThat(g.createdBy()).isEqualTo("carol");
        assertThat(g.participantIds()).containsExactly("carol", "alice", "dave", "bob");
        assertThat(g.participants()).extracting(Participant::role)
                .containsExactly(Role.ADMIN, Role.MEMBER, Role.MEMBER, Role.MEMBER);
        assertThat(store.participantIds(g.id())).containsExactly("carol", "alice", "dave", "bob");
    }

    @Test
    void groupIgnoresTheCreatorAndRepeatsAmongOthers() {
        user("alice");
        user("bob");

        ConversationRecord g = group(null, "alice", "bob", "alice", "bob");

        assertThat(g.participantIds()).containsExactly("alice", "bob");
        assertThat(g.name()).isNull();
    }

    @Test
    void groupsWithTheSamePeopleAreDistinct() {
        user("alice");
        user("bob");

        CreateResult first = store.createConversation(new NewConversation(ConversationType.GROUP, "g", "alice", List.of("bob")));
        CreateResult second = store.createConversation(new NewConversation(ConversationType.GROUP, "g", "alice", List.of("bob")));

        assertThat(first.created()).isTrue();
        assertThat(second.created()).isTrue();
        assertThat(second.conversation().id()).isNotEqualTo(first.conversation().id());
    }

    // ---------------------------------------------------------------- membership

    @Test
    void onlyParticipantsFindTheConversation() {
        user("alice");
        user("bob");
        user("eve");
        ConversationRecord c = direct("alice", "bob");

        assertThat(store.findConversation(c.id(), "alice")).map(ConversationRecord::id).contains(c.id());
        assertThat(store.findConversation(c.id(), "bob")).map(ConversationRecord::id).contains(c.id());
        assertThat(store.findConversation(c.id(), "eve")).isEmpty();
        assertThat(store.findConversation("no-such-conversation", "alice")).isEmpty();
    }

    @Test
    void participationQueriesAnswerForKnownAndUnknownConversations() {
        AliceInTwo aliceIn = aliceInADirectAndAGroup();
        ConversationRecord ab = aliceIn.direct();
        ConversationRecord g = aliceIn.group();

        assertThat(store.isParticipant(ab.id(), "alice")).isTrue();
        assertThat(store.isParticipant(ab.id(), "carol")).isFalse();
        assertThat(store.isParticipant("no-such-conversation", "alice")).isFalse();
        assertThat(store.participantIds(ab.id())).containsExactly("alice", "bob");
        assertThat(store.participantIds("no-such-conversation")).isEmpty();
        assertThat(store.conversationIdsOf("alice")).containsExactlyInAnyOrder(ab.id(), g.id());
        assertThat(store.conversationIdsOf("bob")).containsExactly(ab.id());
        assertThat(store.conversationIdsOf("nobody")).isEmpty();
    }

    // ---------------------------------------------------------------- conversation lists

    @Test
    void conversationsAreListedNewestActivityFirst() {
        user("alice");
        user("bob");
        user("carol");
        user("dave");
        ConversationRecord first = direct("alice", "bob");
        tick();
        ConversationRecord second = direct("alice", "carol");
        tick();
        ConversationRecord third = group("g", "dave", "alice");
        tick();

        assertThat(store.listConversations("alice", 10)).extracting(ConversationRecord::id)
                .containsExactly(third.id(), second.id(), first.id());

        send(first.id(), "bob", "wake up");

        assertThat(store.listConversations("alice", 10)).extracting(ConversationRecord::id)
                .containsExactly(first.id(), third.id(), second.id());
        assertThat(store.listConversations("alice", 2)).extracting(ConversationRecord::id)
                .containsExactly(first.id(), third.id());
        assertThat(store.listConversations("bob", 10)).extracting(ConversationRecord::id).containsExactly(first.id());
        assertThat(store.listConversations("nobody", 10)).isEmpty();
    }

    @Test
    void listedConversationCarriesParticipantsLatestMessageAndUnreadCount() {
        user("alice");
        user("bob");
        ConversationRecord c = direct("alice", "bob");
        send(c.id(), "bob", "one");
        send(c.id(), "bob", "two");
        send(c.id(), "bob", "three");
        MessageRecord last = send(c.id(), "alice", "four");

        ConversationRecord forAlice = store.listConversations("alice", 10).get(0);
        ConversationRecord forBob = store.listConversations("bob", 10).get(0);

        assertThat(forAlice.participantIds()).containsExactly("alice", "bob");
        assertThat(forAlice.latestMessage().id()).isEqualTo(last.id());
        assertThat(forAlice.latestMessage().contentFor("alice")).isEqualTo("four");
        assertThat(forAlice.latestMessage().senderId()).isEqualTo("alice");
        assertThat(forAlice.latestMessage().sender().username()).isEqualTo("alice-name");
        assertThat(forAlice.latestMessage().createdAt()).isEqualTo(last.createdAt());
        assertThat(forAlice.latestSeq()).isEqualTo(4);
        assertThat(forAlice.unreadCount()).as("bob's three messages; her own do not count").isEqualTo(3);
        assertThat(forBob.unreadCount()).isEqualTo(1);

        assertThat(store.markRead(c.id(), "alice", 2)).isEqualTo(2);

        ConversationRecord afterRead = store.findConversation(c.id(), "alice").orElseThrow();
        assertThat(afterRead.unreadCount()).isEqualTo(1);
        assertThat(afterRead.lastReadSeq()).isEqualTo(2);
        assertThat(store.listConversations("alice", 10).get(0).unreadCount()).isEqualTo(1);
        assertThat(store.findConversation(c.id(), "bob").orElseThrow().unreadCount()).isEqualTo(1);
    }

    @Test
    void foundConversationMatchesTheListedOne() {
        user("alice");
        user("bob");
        ConversationRecord c = group("team", "alice", "bob");
        send(c.id(), "bob", "hello");

        ConversationRecord listed = store.listConversations("alice", 10).get(0);
        ConversationRecord found = store.findConversation(c.id(), "alice").orElseThrow();

        assertThat(found.id()).isEqualTo(listed.id());
        assertThat(found.name()).isEqualTo("team");
        assertThat(found.participants()).isEqualTo(listed.participants());
        assertThat(found.latestMessage().id()).isEqualTo(listed.latestMessage().id());
        assertThat(found.unreadCount()).isEqualTo(listed.unreadCount()).isEqualTo(1);
        assertThat(found.latestSeq()).isEqualTo(1);
        assertThat(found.createdAt()).isEqualTo(c.createdAt());
    }

    @Test
    void manyConversationsAreListedWithTheirOwnCounts() {
        user("alice");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            user("friend" + i);
            String id = direct("alice", "friend" + i).id();
            ids.add(id);
            for (int j = 0; j <= i % 4; j++) {
                send(id, "friend" + i, "m" + j);
            }
        }

        List<ConversationRecord> listed = store.listConversations("alice", 100);

        assertThat(listed).hasSize(30);
        for (ConversationRecord r : listed) {
            int i = ids.indexOf(r.id());
            assertThat(r.unreadCount()).isEqualTo(i % 4 + 1);
            assertThat(r.latestMessage().contentFor("alice")).isEqualTo("m" + (i % 4));
            assertThat(r.participantIds()).containsExactly("alice", "friend" + i);
        }
    }

    // ---------------------------------------------------------------- appending

    @Test
    void appendAssignsIdSeqAndCreatedAt() {
        user("alice");
        user("bob");
        ConversationRecord c = direct("alice", "bob");
        JsonObject metadata = new JsonObject();
        metadata.addProperty("k", "v");

        AppendResult first = store.appendMessage(new NewMessage(c.id(), "alice", "text", "hello", null, null, null,
                "client-1", metadata));
        AppendResult second = store.appendMessage(text(c.id(), "bob", "hi"));
        AppendResult third = store.appendMessage(text(c.id(), "alice", "how are you"));

        assertThat(first.duplicate()).isFalse();
        MessageRecord m = first.message();
        assertThat(m.id()).isNotBlank();
        assertThat(m.conversationId()).isEqualTo(c.id());
        assertThat(m.seq()).isEqualTo(1);
        assertThat(m.senderId()).isEqualTo("alice");
        assertThat(m.sender()).isEqualTo(User.of("alice", "alice-name", "Display alice", "https://avatars.test/alice"));
        assertThat(m.messageType()).isEqualTo("text");
        assertThat(m.content()).isEqualTo("hello");
        assertThat(m.contents()).isNull();
        assertThat(m.metadata()).isEqualTo(metadata);
        assertThat(m.clientMessageId()).isEqualTo("client-1");
        assertThat(m.createdAt()).isNotNull();
        assertThat(m.deletedAt()).isNull();
        assertThat(m.editedAt()).isNull();
        assertThat(m.replyToId()).isNull();
        assertThat(m.replyTo()).isNull();
        assertThat(m.threadRootId()).isNull();
        assertThat(m.reactions()).isEmpty();
        assertThat(List.of(first, second, third)).extracting(r -> r.message().seq()).containsExactly(1L, 2L, 3L);
        assertThat(Set.of(m.id(), second.message().id(), third.message().id())).hasSize(3);
        assertThat(second.message().createdAt()).isAfterOrEqualTo(m.createdAt());
        assertThat(third.message().createdAt()).isAfterOrEqualTo(second.message().createdAt());
        assertThat(store.findConversation(c.id(), "alice").orElseThrow().latestSeq()).isEqualTo(3);
    }

    @Test
    void appendedMessageIsLoadedAsItWasReturned() {
        user("alice");
        user("bob");
        ConversationRecord c = direct("alice", "bob");
        MessageRecord sent = send(c.id(), "alice", "hello");

        MessageRecord loaded = store.findMessage(c.id(), sent.id(), "bob").orElseThrow();

        assertThat(loaded.id()).isEqualTo(sent.id());
        assertThat(loaded.seq()).isEqualTo(sent.seq());
        assertThat(loaded.createdAt()).isEqualTo(sent.createdAt());
        assertThat(loaded.sender()).isEqualTo(sent.sender());
        assertThat(loaded.contentFor("bob")).isEqualTo("hello");
        assertThat(loaded.metadata()).isEqualTo(new JsonObject());
        assertThat(store.loadMessages(c.id(), "bob", null, 10, false, false).messages())
                .extracting(MessageRecord::id).containsExactly(sent.id());
    }

    @Test
    void sequencesArePerConversation() {
        user("alice");
        user("bob");
        user("carol");
        ConversationRecord ab = direct("alice", "bob");
        ConversationRecord ac = direct("alice", "carol");

        assertThat(send(ab.id(), "alice", "1").seq()).isEqualTo(1);
        assertThat(send(ac.id(), "alice", "1").seq()).isEqualTo(1);
        assertThat(send(ab.id(), "bob", "2").seq()).isEqualTo(2);
        assertThat(send(ac.id(), "carol", "2").seq()).isEqualTo(2);
    }

    @Test
    void concurrentAppendsGetEverySeqExactlyOnce() throws Exception {
        user("alice");
        user("bob");
        ConversationRecord c = direct("alice", "bob");

        List<List<MessageRecord>> perThread = runConcurrently(appendThreads, index -> {
            List<MessageRecord> mine = new ArrayList<>(appendsPerThread);
            String sender = index % 2 == 0 ? "alice" : "bob";
            for (int i = 0; i < appendsPerThread; i++) {
                mine.add(store.appendMessage(text(c.id(), sender, "m" + i)).message());
            }
            return mine;
        });

        int total = appendThreads * appendsPerThread;
        List<Long> seqs = perThread.stream().flatMap(List::stream).map(MessageRecord::seq).sorted().toList();
        assertThat(seqs).containsExactlyElementsOf(LongStream.rangeClosed(1, total).boxed().toList());
        for (List<MessageRecord> mine : perThread) {
            assertThat(mine).extracting(MessageRecord::seq).isSorted();
        }
        assertThat(perThread.stream().flatMap(List::stream).map(MessageRecord::id).collect(Collectors.toSet()))
                .hasSize(total);
        assertThat(store.findConversation(c.id(), "alice").orElseThrow().latestSeq()).isEqualTo(total);
        MessagePage newest = store.loadMessages(c.id(), "alice", null, 100, false, false);
        assertThat(newest.messages()).extracting(MessageRecord::seq)
                .containsExactlyElementsOf(LongStream.rangeClosed(total - 99L, total).boxed().toList());
        assertThat(newest.messages()).extracting(MessageRecord::createdAt).isSorted();
    }

    // ---------------------------------------------------------------- idempotency

    @Test
    void repeatedClientMessageIdReturnsTheStoredMessageAndStoresNothing() {
        user("alice");
        user("bob");
        ConversationRecord c = direct("alice", "bob");
        MessageRecord original = store.appendMessage(withClientId(c.id(), "alice", "first try", "k-1")).message();

        AppendResult retry = store.appendMessage(withClientId(c.id(), "alice", "second try", "k-1"));

        assertThat(retry.duplicate()).isTrue();
        assertThat(retry.message().id()).isEqualTo(original.id());
        assertThat(retry.message().seq()).isEqualTo(original.seq());
        assertThat(retry.message().createdAt()).isEqualTo(original.createdAt());
        assertThat(retry.message().contentFor("alice")).as("the stored body, not the retry's").isEqualTo("first try");
        assertThat(store.loadMessages(c.id(), "alice", null, 10, false, false).messages()).hasSize(1);
        assertThat(store.findConversation(c.id(), "alice").orElseThrow().latestSeq()).isEqualTo(1);
        assertThat(send(c.id(), "alice", "next").seq()).as("no seq was used up by the retry").isEqualTo(2);
    }

    @Test
    void clientMessageIdIsScopedToConversationAndSender() {
        user("alice");
        user("bob");
        user("carol");
        ConversationRecord ab = direct("alice", "bob");
        ConversationRecord ac = direct("alice", "carol");
        MessageRecord original = store.appendMessage(withClientId(ab.id(), "alice", "x", "same")).message();

        AppendResult otherSender = store.appendMessage(withClientId(ab.id(), "bob", "x", "same"));
        AppendResult otherConversation = store.appendMessage(withClientId(ac.id(), "alice", "x", "same"));
        AppendResult withoutKey1 = store.appendMessage(text(ab.id(), "alice", "x"));
        AppendResult withoutKey2 = store.appendMessage(text(ab.id(), "alice", "x"));

        assertThat(otherSender.duplicate()).isFalse();
        assertThat(otherSender.message().id()).isNotEqualTo(original.id());
        assertThat(otherConversation.duplicate()).isFalse();
        assertThat(withoutKey1.duplicate()).isFalse();
        assertThat(withoutKey2.duplicate()).isFalse();
        assertThat(withoutKey2.message().seq()).isEqualTo(4);
    }

    @Test
    void concurrentRetriesWithOneClientMessageIdStoreOneMessage() throws Exception {
        user("alice");
        user("bob");
        ConversationRecord c = direct("alice", "bob");

        for (int round = 0; round < 20; round++) {
            String key = "retry-" + round;
            List<AppendResult> results = runConcurrently(6,
                    index -> store.appendMessage(withClientId(c.id(), "alice", "body " + key, key)));

            assertThat(results).filteredOn(r -> !r.duplicate()).hasSize(1);
            assertThat(results).extracting(r -> r.message().id()).containsOnly(results.get(0).message().id());
            assertThat(results).extracting(r -> r.message().seq()).containsOnly(round + 1L);
        }
        MessagePage page = store.loadMessages(c.id(), "alice", null, 100, false, false);
        assertThat(page.messages()).extracting(MessageRecord::seq)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, 20).boxed().toList());
    }

    // ---------------------------------------------------------------- loading

    @Test
    void loadMessagesPagesBackwardsWithExactHasMore() {
        user("alice");
        user("bob");
        ConversationRecord c = direct("alice", "bob");
        for (int i = 1; i <= 7; i++) {
            send(c.id(), i % 2 == 0 ? "bob" : "alice", "m" + i);
        }

        MessagePage newest = store.loadMessages(c.id(), "alice", null, 3, false, false);
        assertThat(newest.messages()).extracting(MessageRecord::seq).containsExactly(5L, 6L, 7L);
        assertThat(newest.messages()).extracting(m -> m.contentFor("alice")).containsExactly("m5", "m6", "m7");
        assertThat(newest.hasMore()).isTrue();

        MessagePage middle = store.loadMessages(c.id(), "alice", 5L, 3, false, false);
        assertThat(middle.messages()).extracting(MessageRecord::seq).containsExactly(2L, 3L, 4L);
        assertThat(middle.hasMore()).isTrue();

        MessagePage oldest = store.loadMessages(c.id(), "alice", 2L, 3, false, false);
        assertThat(oldest.messages()).extracting(MessageRecord::seq).containsExactly(1L);
        assertThat(oldest.hasMore()).isFalse();

        MessagePage exactlyAll = store.loadMessages(c.id(), "alice", null, 7, false, false);
        assertThat(exactlyAll.messages()).hasSize(7);
        assertThat(exactlyAll.hasMore()).as("a full page is not proof of more").isFalse();

        MessagePage exactlyRest = store.loadMessages(c.id(), "alice", 4L, 3, false, false);
        assertThat(exactlyRest.messages()).extracting(MessageRecord::seq).containsExactly(1L, 2L, 3L);
        assertThat(exactlyRest.hasMore()).isFalse();

        assertThat(store.loadMessages(c.id(), "alice", 1L, 3, false, false).messages()).isEmpty();
        assertThat(store.loadMessages(c.id(), "alice", 100L, 1, true, false).messages())
                .extracting(MessageRecord::seq).containsExactly(7L);
    }

    @Test
    void emptyConversationLoadsEmptyPage() {
        user("alice");
        user("bob");
        ConversationRecord c = direct("alice", "bob");

        MessagePage page = store.loadMessages(c.id(), "alice", null, 50, false, false);

        assertThat(page.messages()).isEmpty();
        assertThat(page.hasMore()).isFalse();
    }

    @Test
    void threadRepliesCountOnTheRootAndCanBeLeftOut() {
        user("alice");
        user("bob");
        ConversationRecord c = group("g", "alice", "bob");
        MessageRecord root = send(c.id(), "alice", "root");
        MessageRecord other = send(c.id(), "bob", "unrelated");
        store.appendMessage(new NewMessage(c.id(), "bob", "text", "reply 1", null, null, root.id(), null, null));
        tick();
        MessageRecord lastReply = store.appendMessage(
                new NewMessage(c.id(), "alice", "text", "reply 2", null, null, root.id(), null, null)).message();

        assertThat(lastReply.threadRootId()).isEqualTo(root.id());
        MessagePage all = store.loadMessages(c.id(), "bob", null, 10, false, false);
        assertThat(all.messages()).extracting(MessageRecord::seq).containsExactly(1L, 2L, 3L, 4L);
        MessageRecord loadedRoot = all.messages().get(0);
        assertThat(loadedRoot.threadReplyCount()).isEqualTo(2);
        assertThat(loadedRoot.threadLastReplyAt()).isEqualTo(lastReply.createdAt());
        assertThat(all.messages().get(1).threadReplyCount()).isZero();
        assertThat(all.messages().get(1).threadLastReplyAt()).isNull();
        assertThat(all.messages().get(3).threadRootId()).isEqualTo(root.id());

        MessagePage withoutReplies = store.loadMessages(c.id(), "bob", null, 10, false, true);
        assertThat(withoutReplies.messages()).extracting(MessageRecord::id).containsExactly(root.id(), other.id());
        assertThat(withoutReplies.hasMore()).isFalse();

        MessagePage newestTopLevel = store.loadMessages(c.id(), "bob", null, 1, false, true);
        assertThat(newestTopLevel.messages()).extracting(MessageRecord::id).containsExactly(other.id());
        assertThat(newestTopLevel.hasMore()).as("the root is older and top-level").isTrue();
        assertThat(store.findMessage(c.id(), root.id(), "alice").orElseThrow().threadReplyCount()).isEqualTo(2);
    }

    @Test
    void replyCarriesAPreviewOfTheQuotedMessage() {
        user("alice");
        user("bob");
        ConversationRecord c = direct("alice", "bob");
        MessageRecord quoted = send(c.id(), "alice", "original");

        MessageRecord reply = store.appendMessage(
                new NewMessage(c.id(), "bob", "text", "answer", null, quoted.id(), null, null, null)).message();

        assertThat(reply.replyToId()).isEqualTo(quoted.id());
        assertThat(reply.replyTo().id()).isEqualTo(quoted.id());
        assertThat(reply.replyTo().senderId()).isEqualTo("alice");
        assertThat(reply.replyTo().contentFor("bob")).isEqualTo("original");
        assertThat(reply.replyTo().deletedAt()).isNull();
        MessageRecord loaded = store.loadMessages(c.id(), "alice", null, 10, false, false).messages().get(1);
        assertThat(loaded.replyTo().id()).isEqualTo(quoted.id());
        assertThat(loaded.replyTo().contentFor("alice")).isEqualTo("original");
        assertThat(store.findMessage(c.id(), reply.id(), "alice").orElseThrow().replyTo().senderId()).isEqualTo("alice");
    }

    @Test
    void findMessageOnlyWithinItsConversation() {
        user("alice");
        user("bob");
        user("carol");
        ConversationRecord ab = direct("alice", "bob");
        ConversationRecord ac = direct("alice", "carol");
        MessageRecord m = send(ab.id(), "alice", "hi");

        assertThat(store.findMessage(ab.id(), m.id(), "alice")).map(MessageRecord::id).contains(m.id());
        assertThat(store.findMessage(ac.id(), m.id(), "alice")).isEmpty();
        assertThat(store.findMessage(ab.id(), "no-such-message", "alice")).isEmpty();
        assertThat(store.findMessage("no-such-conversation", m.id(), "alice")).isEmpty();
    }

    // ---------------------------------------------------------------- per-recipient bodies

    @Test
    void perRecipientBodiesReachEachViewerAsTheirOwnCopy() {
        user("alice");
        user("bob");
        user("carol");
        ConversationRecord c = group("secret", "alice", "bob", "carol");
        NewMessage encrypted = new NewMessage(c.id(), "alice", "text", null,
                Map.of("alice", "for-alice", "bob", "for-bob"), null, null, null, null);

        MessageRecord sent = store.appendMessage(encrypted).message();

        assertThat(sent.isPerRecipient()).isTrue();
        assertThat(sent.contentFor("alice")).isEqualTo("for-alice");
        assertThat(sent.contentFor("bob")).as("the append result serves the fan-out").isEqualTo("for-bob");
        for (String viewer : List.of("alice", "bob", "carol")) {
            String expected = viewer.equals("carol") ? null : "for-" + viewer;
            MessageRecord loaded = store.loadMessages(c.id(), viewer, null, 10, false, false).messages().get(0);
            assertThat(loaded.isPerRecipient()).isTrue();
            assertThat(loaded.contentFor(viewer)).isEqualTo(expected);
            assertThat(store.findMessage(c.id(), sent.id(), viewer).orElseThrow().contentFor(viewer)).isEqualTo(expected);
            assertThat(store.findConversation(c.id(), viewer).orElseThrow().latestMessage().contentFor(viewer))
                    .isEqualTo(expected);
            assertThat(store.listConversations(viewer, 10).get(0).latestMessage().contentFor(viewer)).isEqualTo(expected);
        }
    }

    @Test
    void replyPreviewOfAPerRecipientMessageIsTheViewersCopy() {
        user("alice");
        user("bob");
        ConversationRecord c = direct("alice", "bob");
        MessageRecord quoted = store.appendMessage(new NewMessage(c.id(), "alice", "text", null,
                Map.of("alice", "a-copy", "bob", "b-copy"), null, null, null, null)).message();

        MessageRecord reply = store.appendMessage(new NewMessage(c.id(), "bob", "text", null,
                Map.of("alice", "re-a", "bob", "re-b"), quoted.id(), null, null, null)).message();

        assertThat(reply.replyTo().contentFor("bob")).isEqualTo("b-copy");
        for (String viewer : List.of("alice", "bob")) {
            MessageRecord loaded = store.findMessage(c.id(), reply.id(), viewer).orElseThrow();
            assertThat(loaded.contentFor(viewer)).isEqualTo(viewer.equals("alice") ? "re-a" : "re-b");
            assertThat(loaded.replyTo().contentFor(viewer)).isEqualTo(viewer.equals("alice") ? "a-copy" : "b-copy");
        }
    }

    @Test
    void retryOfAPerRecipientMessageReturnsTheSendersStoredCopy() {
        user("alice");
        user("bob");
        ConversationRecord c = direct("alice", "bob");
        store.appendMessage(new NewMessage(c.id(), "alice", "text", null, Map.of("alice", "a1", "bob", "b1"),
                null, null, "k", null));

        AppendResult retry = store.appendMessage(new NewMessage(c.id(), "alice", "text", null,
                Map.of("alice", "a2", "bob", "b2"), null, null, "k", null));

        assertThat(retry.duplicate()).isTrue();
        assertThat(retry.message().contentFor("alice")).isEqualTo("a1");
    }

    // ---------------------------------------------------------------- read positions

    @Test
    void readPositionNeverMovesBackwards() {
        user("alice");
        user("bob");
        ConversationRecord c = direct("alice", "bob");
        for (int i = 0; i < 5; i++) {
            send(c.id(), "bob", "m" + i);
        }

        assertThat(store.markRead(c.id(), "alice", 3)).isEqualTo(3);
        assertThat(store.markRead(c.id(), "alice", 1)).isEqualTo(3);
        assertThat(store.markRead(c.id(), "alice", 3)).isEqualTo(3);
        assertThat(store.findConversation(c.id(), "alice").orElseThrow().lastReadSeq()).isEqualTo(3);
        assertThat(store.findConversation(c.id(), "alice").orElseThrow().unreadCount()).isEqualTo(2);
        assertThat(store.markRead(c.id(), "alice", 5)).isEqualTo(5);
        assertThat(store.findConversation(c.id(), "alice").orElseThrow().unreadCount()).isZero();
        assertThat(store.findConversation(c.id(), "bob").orElseThrow().lastReadSeq())
                .as("read positions are per user").isZero();
    }

    @Test
    void messagesAfterTheReadPositionAreUnreadAgain() {
        user("alice");
        user("bob");
        ConversationRecord c = direct("alice", "bob");
        send(c.id(), "bob", "1");
        store.markRead(c.id(), "alice", 1);

        send(c.id(), "bob", "2");
        send(c.id(), "alice", "3");

        assertThat(store.findConversation(c.id(), "alice").orElseThrow().unreadCount()).isEqualTo(1);
        assertThat(store.findConversation(c.id(), "bob").orElseThrow().unreadCount()).isEqualTo(1);
    }

    // ---------------------------------------------------------------- exact strings

    @Test
    void hostileContentIsStoredAndReturnedExactly() {
        user("alice");
        user("bob");
        ConversationRecord c = direct("alice", "bob");
        List<String> hostile = hostileStrings();
        List<String> ids = new ArrayList<>();
        for (String s : hostile) {
            AppendResult sent = store.appendMessage(text(c.id(), "alice", s));
            assertThat(sent.message().content()).isEqualTo(s);
            ids.add(sent.message().id());
        }

        List<MessageRecord> loaded = store.loadMessages(c.id(), "bob", null, 100, false, false).messages();

        assertThat(loaded).extracting(MessageRecord::id).containsExactlyElementsOf(ids);
        for (int i = 0; i < hostile.size(); i++) {
            assertThat(loaded.get(i).contentFor("bob")).as("string %d", i).isEqualTo(hostile.get(i));
            assertThat(store.findMessage(c.id(), ids.get(i), "alice").orElseThrow().content()).isEqualTo(hostile.get(i));
        }
    }

    @Test
    void hostilePerRecipientCopiesAreStoredAndReturnedExactly() {
        user("alice");
        user("bob");
        ConversationRecord c = direct("alice", "bob");
        List<String> hostile = hostileStrings();
        for (int i = 0; i < hostile.size(); i++) {
            String forBob = hostile.get(i);
            String forAlice = hostile.get(hostile.size() - 1 - i);
            MessageRecord sent = store.appendMessage(new NewMessage(c.id(), "alice", "text", null,
                    Map.of("alice", forAlice, "bob", forBob), null, null, null, null)).message();

            assertThat(store.findMessage(c.id(), sent.id(), "bob").orElseThrow().contentFor("bob")).isEqualTo(forBob);
            assertThat(store.findMessage(c.id(), sent.id(), "alice").orElseThrow().contentFor("alice")).isEqualTo(forAlice);
        }
    }

    @Test
    void hostileNamesAreStoredAndReturnedExactly() {
        List<String> hostile = hostileStrings();
        user("owner");
        for (int i = 0; i < hostile.size(); i++) {
            String s = hostile.get(i);
            String id = "user-" + i;
            User stored = store.upsertUser(new UserProfile(id, s, s, s, s, s, s));
            assertThat(stored).isEqualTo(User.of(id, s, s, s));
            assertThat(store.findUsers(List.of(id))).as("user %d", i).containsExactly(User.of(id, s, s, s));

            ConversationRecord g = group(s, "owner", id);
            assertThat(g.name()).isEqualTo(s);
            ConversationRecord found = store.findConversation(g.id(), id).orElseThrow();
            assertThat(found.name()).as("name %d", i).isEqualTo(s);
            assertThat(found.participants().get(1).user()).isEqualTo(User.of(id, s, s, s));
        }
    }

    @Test
    void hostileMetadataIsStoredAndReturnedExactly() {
        user("alice");
        user("bob");
        ConversationRecord c = direct("alice", "bob");
        JsonObject metadata = new JsonObject();
        List<String> hostile = hostileStrings();
        JsonArray array = new JsonArray();
        for (int i = 0; i < hostile.size(); i++) {
            metadata.addProperty(hostile.get(i).isEmpty() ? "empty" : "k" + i + hostile.get(i).substring(0,
                    Math.min(8, hostile.get(i).length())), hostile.get(i));
            array.add(hostile.get(i));
        }
        metadata.add("array", array);
        metadata.add("null", JsonNull.INSTANCE);
        metadata.addProperty("number", 12345678901234L);
        metadata.addProperty("fraction", 0.125);
        metadata.addProperty("flag", true);
        JsonObject nested = new JsonObject();
        nested.addProperty("\u0000key", "\u0000value");
        metadata.add("nested", nested);

        MessageRecord sent = store.appendMessage(new NewMessage(c.id(), "alice", "file", null, null, null, null, null,
                metadata)).message();

        assertThat(sent.metadata()).isEqualTo(metadata);
        MessageRecord loaded = store.findMessage(c.id(), sent.id(), "bob").orElseThrow();
        assertThat(loaded.metadata()).isEqualTo(metadata);
        assertThat(loaded.content()).isNull();
        assertThat(loaded.messageType()).isEqualTo("file");
    }

    @Test
    void identifiersLookingLikeSqlAreOrdinaryIds() {
        String weird = "x'); DELETE FROM users; --";
        user(weird);
        user("bob");
        ConversationRecord c = direct(weird, "bob");
        MessageRecord m = store.appendMessage(withClientId(c.id(), weird, "hi", "k:1.2_3-4")).message();

        assertThat(store.findUsers(List.of(weird, "bob"))).hasSize(2);
        assertThat(store.participantIds(c.id())).containsExactly(weird, "bob");
        assertThat(store.findMessage(c.id(), m.id(), "bob").orElseThrow().senderId()).isEqualTo(weird);
        assertThat(store.appendMessage(withClientId(c.id(), weird, "hi", "k:1.2_3-4")).duplicate()).isTrue();
    }

    @Test
    void lookupsOfThousandsOfIdsFindIdsWithQuotesBackslashesAndNonAscii() {
        // A store may send a lookup's ids to its database as one list value; none may be mangled on
        // the way, however many there are.
        List<String> odd = List.of("quote\"d", "back\\slash", "new\nline", "caf\u00e9", "\uD83D\uDE00",
                "[\"a\",\"b\"]");
        odd.forEach(this::user);
        List<String> asked = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            asked.add("absent-" + i);
        }
        asked.addAll(1500, odd);
        assertThat(store.findUsers(asked)).extracting(User::id).containsExactlyInAnyOrderElementsOf(odd);

        ConversationRecord g = group("odd ids", odd.get(0), odd.subList(1, odd.size()).toArray(String[]::new));
        assertThat(store.findConversation(g.id(), odd.get(3)).orElseThrow().participants())
                .extracting(Participant::userId).containsExactlyElementsOf(odd);
        MessageRecord first = store.appendMessage(withClientId(g.id(), odd.get(1), "hi", "k\"1")).message();
        AppendResult again = store.appendMessage(withClientId(g.id(), odd.get(1), "hi", "k\"1"));
        assertThat(again.duplicate()).isTrue();
        assertThat(again.message().id()).isEqualTo(first.id());
        assertThat(store.conversationIdsOf(odd.get(4))).containsExactly(g.id());
    }

    // ---------------------------------------------------------------- extensions (protocol section 6)

    private void requireExtension(Extension extension) {
        assumeTrue(store.supportedExtensions().contains(extension),
                () -> "the store does not implement " + extension.wireName());
    }

    @Test
    void reactionsAreCountedPerEmojiInOrderOfFirstUse() {
        requireExtension(Extension.REACTIONS);
        user("alice");
        user("bob");
        user("carol");
        ConversationRecord c = group("g", "alice", "bob", "carol");
        MessageRecord m = send(c.id(), "alice", "react to me");
        MessageRecord other = send(c.id(), "alice", "quiet");
        String thumbs = "\ud83d\udc4d";
        String odd = "'; --\u0000";

        assertThat(store.addReaction(c.id(), m.id(), "bob", thumbs, 50).orElseThrow().changed()).isTrue();
        assertThat(store.addReaction(c.id(), m.id(), "carol", odd, 50).orElseThrow().changed()).isTrue();
        assertThat(store.addReaction(c.id(), m.id(), "alice", thumbs, 50).orElseThrow().changed()).isTrue();
        ReactionChange repeated = store.addReaction(c.id(), m.id(), "bob", thumbs, 50).orElseThrow();

        assertThat(repeated.changed()).isFalse();
        List<Reaction> expected = List.of(new Reaction(thumbs, 2, List.of("bob", "alice")),
                new Reaction(odd, 1, List.of("carol")));
        assertThat(repeated.reactions()).isEqualTo(expected);
        assertThat(store.findMessage(c.id(), m.id(), "carol").orElseThrow().reactions()).isEqualTo(expected);
        assertThat(store.loadMessages(c.id(), "bob", null, 10, false, false).messages())
                .extracting(MessageRecord::reactions).containsExactly(expected, List.of());
        assertThat(store.findMessage(c.id(), other.id(), "bob").orElseThrow().reactions()).isEmpty();

        ReactionChange removed = store.removeReaction(c.id(), m.id(), "bob", thumbs).orElseThrow();
        assertThat(removed.changed()).isTrue();
        assertThat(removed.reactions()).containsExactly(new Reaction(thumbs, 1, List.of("alice")),
                new Reaction(odd, 1, List.of("carol")));
        assertThat(store.removeReaction(c.id(), m.id(), "bob", thumbs).orElseThrow().changed()).isFalse();
        assertThat(store.removeReaction(c.id(), m.id(), "carol", odd).orElseThrow().reactions())
                .containsExactly(new Reaction(thumbs, 1, List.of("alice")));
    }

    @Test
    void reactionsNeedALiveMessageOfTheConversation() {
        requireExtension(Extension.REACTIONS);
        requireExtension(Extension.EDITS);
        user("alice");
        user("bob");
        user("carol");
        ConversationRecord c = direct("alice", "bob");
        ConversationRecord elsewhere = direct("alice", "carol");
        MessageRecord m = send(c.id(), "alice", "hi");
        MessageRecord gone = send(c.id(), "alice", "bye");
        store.addReaction(c.id(), gone.id(), "bob", "x", 50);
        store.deleteMessage(c.id(), gone.id(), Instant.now());

        assertThat(store.addReaction(c.id(), "no-such-message", "bob", "x", 50)).isEmpty();
        assertThat(store.addReaction(elsewhere.id(), m.id(), "bob", "x", 50)).isEmpty();
        assertThat(store.addReaction(c.id(), gone.id(), "bob", "x", 50)).isEmpty();
        assertThat(store.removeReaction(c.id(), gone.id(), "bob", "x")).isEmpty();
        assertThat(store.findMessage(c.id(), gone.id(), "bob").orElseThrow().reactions()).isEmpty();
    }

    @Test
    void distinctEmojiArePerMessageLimited() {
        requireExtension(Extension.REACTIONS);
        user("alice");
        user("bob");
        ConversationRecord c = direct("alice", "bob");
        MessageRecord m = send(c.id(), "alice", "hi");
        store.addReaction(c.id(), m.id(), "alice", "a", 2);
        store.addReaction(c.id(), m.id(), "alice", "b", 2);

        assertThatThrownBy(() -> store.addReaction(c.id(), m.id(), "bob", "c", 2))
                .isInstanceOf(IllegalStateException.class);
        assertThat(store.addReaction(c.id(), m.id(), "bob", "a", 2).orElseThrow().reactions())
                .extracting(Reaction::emoji).containsExactly("a", "b");
    }

    @Test
    void editReplacesTheBodyAndKeepsTheMessagesPlace() {
        requireExtension(Extension.EDITS);
        user("alice");
        user("bob");
        ConversationRecord c = direct("alice", "bob");
        JsonObject metadata = new JsonObject();
        metadata.addProperty("v", 1);
        MessageRecord original = store.appendMessage(new NewMessage(c.id(), "alice", "text", "typo", null, null, null,
                "k", metadata)).message();
        Instant editedAt = original.createdAt().plusSeconds(5);

        MessageRecord edited = store.editMessage(c.id(), original.id(), "alice", "fixed \u0000 exactly", null, null,
                editedAt).orElseThrow();

        assertThat(edited.id()).isEqualTo(original.id());
        assertThat(edited.seq()).isEqualTo(original.seq());
        assertThat(edited.createdAt()).isEqualTo(original.createdAt());
        assertThat(edited.editedAt()).isEqualTo(editedAt);
        assertThat(edited.contentFor("bob")).isEqualTo("fixed \u0000 exactly");
        assertThat(edited.metadata()).as("metadata kept when none is given").isEqualTo(metadata);
        MessageRecord loaded = store.loadMessages(c.id(), "bob", null, 10, false, false).messages().get(0);
        assertThat(loaded.contentFor("bob")).isEqualTo("fixed \u0000 exactly");
        assertThat(loaded.editedAt()).isEqualTo(editedAt);
        assertThat(store.appendMessage(withClientId(c.id(), "alice", "retry", "k")).message().contentFor("alice"))
                .isEqualTo("fixed \u0000 exactly");

        JsonObject newMetadata = new JsonObject();
        newMetadata.addProperty("v", "two");
        MessageRecord encrypted = store.editMessage(c.id(), original.id(), "alice", null,
                Map.of("alice", "ea", "bob", "eb"), newMetadata, editedAt.plusSeconds(1)).orElseThrow();
        assertThat(encrypted.contentFor("alice")).isEqualTo("ea");
        assertThat(encrypted.contentFor("bob")).as("every copy, for the per-viewer fan-out").isEqualTo("eb");
        assertThat(encrypted.metadata()).isEqualTo(newMetadata);
        assertThat(store.findMessage(c.id(), original.id(), "bob").orElseThrow().contentFor("bob")).isEqualTo("eb");

        MessageRecord shared = store.editMessage(c.id(), original.id(), "alice", "plain again", null, null,
                editedAt.plusSeconds(2)).orElseThrow();
        assertThat(shared.isPerRecipient()).isFalse();
        assertThat(store.findMessage(c.id(), original.id(), "bob").orElseThrow().contentFor("bob"))
                .isEqualTo("plain again");
    }

    @Test
    void editingAMissingOrDeletedMessageFindsNothing() {
        requireExtension(Extension.EDITS);
        user("alice");
        user("bob");
        ConversationRecord c = direct("alice", "bob");
        MessageRecord m = send(c.id(), "alice", "x");
        store.deleteMessage(c.id(), m.id(), Instant.now());

        assertThat(store.editMessage(c.id(), m.id(), "alice", "y", null, null, Instant.now())).isEmpty();
        assertThat(store.editMessage(c.id(), "no-such-message", "alice", "y", null, null, Instant.now())).isEmpty();
        assertThat(store.findMessage(c.id(), m.id(), "alice").orElseThrow().contentFor("alice")).isNull();
    }

    @Test
    void deletionLeavesATombstoneOnce() {
        requireExtension(Extension.EDITS);
        user("alice");
        user("bob");
        ConversationRecord c = direct("alice", "bob");
        JsonObject metadata = new JsonObject();
        metadata.addProperty("secret", "gone");
        MessageRecord first = send(c.id(), "bob", "one");
        MessageRecord second = store.appendMessage(new NewMessage(c.id(), "bob", "text", null,
                Map.of("alice", "two-a", "bob", "two-b"), null, null, null, metadata)).message();
        MessageRecord third = send(c.id(), "bob", "three");
        Instant deletedAt = second.createdAt().plusSeconds(1);

        MessageRecord tombstone = store.deleteMessage(c.id(), second.id(), deletedAt).orElseThrow();
        MessageRecord again = store.deleteMessage(c.id(), second.id(), deletedAt.plusSeconds(60)).orElseThrow();

        assertThat(tombstone.deletedAt()).isEqualTo(deletedAt);
        assertThat(again.deletedAt()).as("the first deletion time").isEqualTo(deletedAt);
        for (MessageRecord t : List.of(tombstone, again, store.findMessage(c.id(), second.id(), "alice").orElseThrow())) {
            assertThat(t.isDeleted()).isTrue();
            assertThat(t.contentFor("alice")).isNull();
            assertThat(t.contentFor("bob")).isNull();
            assertThat(t.metadata()).isEqualTo(new JsonObject());
            assertThat(t.seq()).isEqualTo(2);
            assertThat(t.senderId()).isEqualTo("bob");
            assertThat(t.createdAt()).isEqualTo(second.createdAt());
        }
        assertThat(store.loadMessages(c.id(), "alice", null, 10, false, false).messages())
                .extracting(MessageRecord::id).containsExactly(first.id(), third.id());
        assertThat(store.loadMessages(c.id(), "alice", null, 10, true, false).messages())
                .extracting(MessageRecord::id).containsExactly(first.id(), second.id(), third.id());
        assertThat(store.findConversation(c.id(), "alice").orElseThrow().unreadCount()).isEqualTo(2);
        assertThat(store.deleteMessage(c.id(), "no-such-message", deletedAt)).isEmpty();
    }

    @Test
    void deletingTheLatestMessageMovesTheConversationBack() {
        requireExtension(Extension.EDITS);
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

        store.deleteMessage(older.id(), newest.id(), Instant.now());

        List<ConversationRecord> list = store.listConversations("alice", 10);
        assertThat(list).extracting(ConversationRecord::id).containsExactly(newer.id(), older.id());
        assertThat(list.get(1).latestMessage().id()).isEqualTo(kept.id());
        assertThat(list.get(1).unreadCount()).isEqualTo(1);
        assertThat(list.get(1).latestSeq()).as("seq is never reused").isEqualTo(2);
        assertThat(send(older.id(), "bob", "after").seq()).isEqualTo(3);
    }

    @Test
    void pagesCountOnlyMessagesTheyWouldShow() {
        requireExtension(Extension.EDITS);
        user("alice");
        user("bob");
        ConversationRecord c = direct("alice", "bob");
        MessageRecord first = send(c.id(), "alice", "1");
        send(c.id(), "alice", "2");
        store.deleteMessage(c.id(), first.id(), Instant.now());

        MessagePage visible = store.loadMessages(c.id(), "bob", null, 1, false, false);
        MessagePage withTombstones = store.loadMessages(c.id(), "bob", null, 1, true, false);

        assertThat(visible.messages()).extracting(MessageRecord::seq).containsExactly(2L);
        assertThat(visible.hasMore()).isFalse();
        assertThat(withTombstones.hasMore()).isTrue();
    }

    @Test
    void replyPreviewOfADeletedMessageHasNoBody() {
        requireExtension(Extension.EDITS);
        user("alice");
        user("bob");
        ConversationRecord c = direct("alice", "bob");
        MessageRecord quoted = send(c.id(), "alice", "regrettable");
        MessageRecord reply = store.appendMessage(
                new NewMessage(c.id(), "bob", "text", "why?", null, quoted.id(), null, null, null)).message();

        store.deleteMessage(c.id(), quoted.id(), Instant.now());

        MessageRecord loaded = store.findMessage(c.id(), reply.id(), "bob").orElseThrow();
        assertThat(loaded.replyTo().id()).isEqualTo(quoted.id());
        assertThat(loaded.replyTo().deletedAt()).isNotNull();
        assertThat(loaded.replyTo().contentFor("bob")).isNull();
        assertThat(loaded.contentFor("bob")).isEqualTo("why?");
    }

    @Test
    void readPositionsAndUnreadCountsOfEveryParticipant() {
        requireExtension(Extension.RECEIPTS);
        user("alice");
        user("bob");
        user("carol");
        ConversationRecord c = group("g", "alice", "bob", "carol");
        send(c.id(), "alice", "1");
        send(c.id(), "bob", "2");
        send(c.id(), "bob", "3");
        store.markRead(c.id(), "carol", 2);

        assertThat(store.readPositions(c.id())).containsExactlyInAnyOrderEntriesOf(
                Map.of("alice", 0L, "bob", 0L, "carol", 2L));
        assertThat(store.unreadCounts(c.id())).containsExactlyInAnyOrderEntriesOf(Map.of(
                "alice", new UnreadCount(0, 2), "bob", new UnreadCount(0, 1), "carol", new UnreadCount(2, 1)));
        assertThat(store.readPositions("no-such-conversation")).isEmpty();
        assertThat(store.unreadCounts("no-such-conversation")).isEmpty();
    }

    /**
     * Sends, deletions (of one's own and others' messages) and read positions in a seeded random
     * order; after each step every participant's unread count is that of the messages themselves:
     * other senders' live messages after the read position.
     */
    @Test
    void unreadCountsFollowSendsDeletionsAndReadsExactly() {
        requireExtension(Extension.RECEIPTS);
        requireExtension(Extension.EDITS);
        List<String> users = List.of("alice", "bob", "carol");
        users.forEach(this::user);
        ConversationRecord c = group("g", "alice", "bob", "carol");
        java.util.Random random = new java.util.Random(21);
        List<MessageRecord> sent = new ArrayList<>();
        Set<String> deleted = new java.util.HashSet<>();
        Map<String, Long> readAt = new java.util.HashMap<>(Map.of("alice", 0L, "bob", 0L, "carol", 0L));
        for (int step = 0; step < 200; step++) {
            String who = users.get(random.nextInt(users.size()));
            int op = random.nextInt(10);
            if (op < 6 || sent.isEmpty()) {
                sent.add(send(c.id(), who, "m" + step));
            } else if (op < 8) {
                MessageRecord victim = sent.get(random.nextInt(sent.size()));
                store.deleteMessage(c.id(), victim.id(), Instant.now());
                deleted.add(victim.id());
            } else {
                long seq = 1 + random.nextInt(sent.size());
                readAt.put(who, store.markRead(c.id(), who, seq));
            }
            Map<String, UnreadCount> expected = new java.util.HashMap<>();
            for (String reader : users) {
                long position = readAt.get(reader);
                expected.put(reader, new UnreadCount(position, (int) sent.stream().filter(m -> m.seq() > position
                        && !m.senderId().equals(reader) && !deleted.contains(m.id())).count()));
            }
            int at = step;
            assertThat(store.unreadCounts(c.id())).as("step %d", at).containsExactlyInAnyOrderEntriesOf(expected);
            String reader = users.get(step % users.size());
            assertThat(store.findConversation(c.id(), reader).orElseThrow().unreadCount())
                    .as("step %d, %s's view", at, reader).isEqualTo(expected.get(reader).count());
        }
    }

    @Test
    void threadPagesHoldOnlyLiveRepliesOfThatRoot() {
        requireExtension(Extension.THREADS);
        requireExtension(Extension.EDITS);
        user("alice");
        user("bob");
        ConversationRecord c = group("g", "alice", "bob");
        MessageRecord root = send(c.id(), "alice", "root");
        MessageRecord otherRoot = send(c.id(), "alice", "other root");
        List<MessageRecord> replies = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            replies.add(store.appendMessage(new NewMessage(c.id(), i % 2 == 0 ? "bob" : "alice", "text", "r" + i, null,
                    null, root.id(), null, null)).message());
            send(c.id(), "bob", "noise " + i);
        }
        store.appendMessage(new NewMessage(c.id(), "bob", "text", "elsewhere", null, null, otherRoot.id(), null, null));
        store.deleteMessage(c.id(), replies.get(3).id(), Instant.now());

        MessagePage newest = store.loadThread(c.id(), root.id(), "bob", null, 2);
        assertThat(newest.messages()).extracting(m -> m.contentFor("bob")).containsExactly("r2", "r4");
        assertThat(newest.hasMore()).isTrue();
        MessagePage older = store.loadThread(c.id(), root.id(), "bob", newest.messages().get(0).seq(), 2);
        assertThat(older.messages()).extracting(m -> m.contentFor("bob")).containsExactly("r0", "r1");
        assertThat(older.hasMore()).isFalse();
        assertThat(store.findMessage(c.id(), root.id(), "bob").orElseThrow().threadReplyCount())
                .as("the deleted reply no longer counts").isEqualTo(4);
    }

    @Test
    void searchFindsSharedBodiesCaseInsensitivelyNewestFirst() {
        requireExtension(Extension.SEARCH);
        user("alice");
        user("bob");
        user("carol");
        ConversationRecord ab = direct("alice", "bob");
        ConversationRecord ac = direct("alice", "carol");
        ConversationRecord bc = direct("bob", "carol");
        MessageRecord h1 = send(ab.id(), "alice", "Hello there");
        tick();
        send(ab.id(), "bob", "nothing to see");
        MessageRecord h2 = send(ac.id(), "carol", "well, HELLO");
        tick();
        store.appendMessage(new NewMessage(ab.id(), "bob", "text", null, Map.of("alice", "hello", "bob", "hello"),
                null, null, null, null));
        send(bc.id(), "bob", "hello from a conversation alice is not in");
        MessageRecord h3 = send(ab.id(), "bob", "oh hello\u0000again");

        MessagePage all = store.searchMessages("alice", null, "hElLo", null, 10).orElseThrow();
        assertThat(all.messages()).extracting(MessageRecord::id).containsExactly(h3.id(), h2.id(), h1.id());
        assertThat(all.hasMore()).isFalse();

        MessagePage first = store.searchMessages("alice", null, "hello", null, 2).orElseThrow();
        assertThat(first.messages()).extracting(MessageRecord::id).containsExactly(h3.id(), h2.id());
        assertThat(first.hasMore()).isTrue();
        MessagePage next = store.searchMessages("alice", null, "hello", h2.id(), 2).orElseThrow();
        assertThat(next.messages()).extracting(MessageRecord::id).containsExactly(h1.id());
        assertThat(next.hasMore()).isFalse();

        assertThat(store.searchMessages("alice", ab.id(), "hello", null, 10).orElseThrow().messages())
                .extracting(MessageRecord::id).containsExactly(h3.id(), h1.id());
        assertThat(store.searchMessages("alice", null, "o\u0000a", null, 10).orElseThrow().messages())
                .extracting(MessageRecord::id).containsExactly(h3.id());
        assertThat(store.searchMessages("alice", bc.id(), "hello", null, 10).orElseThrow().messages()).isEmpty();
        assertThat(store.searchMessages("alice", null, "hello", "no-such-message", 10)).isEmpty();
    }

    @Test
    void searchTakesPatternCharactersLiterallyAndSkipsDeletedMessages() {
        requireExtension(Extension.SEARCH);
        requireExtension(Extension.EDITS);
        user("alice");
        user("bob");
        ConversationRecord c = direct("alice", "bob");
        MessageRecord percent = send(c.id(), "alice", "100% sure");
        send(c.id(), "alice", "1000 sure");
        MessageRecord underscore = send(c.id(), "alice", "snake_case");
        send(c.id(), "alice", "snakeXcase");
        MessageRecord backslash = send(c.id(), "alice", "C:\\temp");
        MessageRecord deleted = send(c.id(), "alice", "100% gone");
        store.deleteMessage(c.id(), deleted.id(), Instant.now());

        assertThat(store.searchMessages("bob", c.id(), "0% s", null, 10).orElseThrow().messages())
                .extracting(MessageRecord::id).containsExactly(percent.id());
        assertThat(store.searchMessages("bob", c.id(), "e_c", null, 10).orElseThrow().messages())
                .extracting(MessageRecord::id).containsExactly(underscore.id());
        assertThat(store.searchMessages("bob", c.id(), ":\\t", null, 10).orElseThrow().messages())
                .extracting(MessageRecord::id).containsExactly(backslash.id());
        assertThat(store.searchMessages("bob", c.id(), "gone", null, 10).orElseThrow().messages()).isEmpty();
    }

    @Test
    void resumeReadsMessagesAfterASeqAndChangesSinceATime() {
        requireExtension(Extension.RESUME);
        requireExtension(Extension.EDITS);
        user("alice");
        user("bob");
        ConversationRecord c = direct("alice", "bob");
        List<MessageRecord> sent = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            sent.add(send(c.id(), "alice", "m" + i));
        }
        Instant since = sent.get(5).createdAt().plusSeconds(10);
        store.editMessage(c.id(), sent.get(0).id(), "alice", "old edit", null, null, since.minusSeconds(5));
        store.editMessage(c.id(), sent.get(1).id(), "alice", "new edit", null, null, since.plusSeconds(1));
        store.deleteMessage(c.id(), sent.get(3).id(), since.plusSeconds(2));
        store.editMessage(c.id(), sent.get(4).id(), "alice", "late edit", null, null, since.plusSeconds(3));

        MessagePage after = store.messagesAfter(c.id(), "bob", 2, 2);
        assertThat(after.messages()).extracting(MessageRecord::seq).containsExactly(3L, 5L);
        assertThat(after.hasMore()).isTrue();
        MessagePage rest = store.messagesAfter(c.id(), "bob", 5, 10);
        assertThat(rest.messages()).extracting(MessageRecord::seq).containsExactly(6L);
        assertThat(rest.hasMore()).isFalse();

        MessagePage changed = store.messagesChangedSince(c.id(), "bob", 4, since, 10);
        assertThat(changed.messages()).extracting(MessageRecord::seq).containsExactly(2L, 4L);
        assertThat(changed.messages().get(1).isDeleted()).isTrue();
        assertThat(changed.hasMore()).isFalse();
        MessagePage limited = store.messagesChangedSince(c.id(), "bob", 6, since, 2);
        assertThat(limited.messages()).extracting(MessageRecord::seq).containsExactly(2L, 4L);
        assertThat(limited.hasMore()).isTrue();
    }

    @Test
    void storedPresenceTravelsWithTheUser() {
        requireExtension(Extension.PRESENCE);
        user("alice");
        user("bob");
        ConversationRecord c = direct("alice", "bob");
        send(c.id(), "alice", "hi");
        Instant lastSeen = Instant.parse("2026-01-02T03:04:05.678Z");

        store.setPresence("alice", new PresenceState("away", "at lunch \u0000 \ud83c\udf54", null));
        store.setPresence("bob", new PresenceState("offline", null, lastSeen));

        assertThat(store.presenceOf(List.of("alice", "bob", "carol"))).containsOnly(
                Map.entry("alice", new PresenceState("away", "at lunch \u0000 \ud83c\udf54", null)),
                Map.entry("bob", new PresenceState("offline", null, lastSeen)));
        assertThat(store.presenceOf(List.of())).isEmpty();
        User alice = User.of("alice", "alice-name", "Display alice", "https://avatars.test/alice")
                .withPresence("away", "at lunch \u0000 \ud83c\udf54", null);
        assertThat(store.findUsers(List.of("alice"))).containsExactly(alice);
        assertThat(store.findConversation(c.id(), "bob").orElseThrow().participants().get(0).user()).isEqualTo(alice);
        assertThat(store.loadMessages(c.id(), "bob", null, 10, false, false).messages().get(0).sender())
                .isEqualTo(alice);

        store.setPresence("alice", new PresenceState("online", null, null));
        assertThat(store.presenceOf(List.of("alice"))).containsOnly(
                Map.entry("alice", new PresenceState("online", null, null)));
        User updated = store.upsertUser(new UserProfile("alice", "alice2", "Alice Two", null, null, null, null));
        assertThat(store.findUsers(List.of("alice")).get(0).status()).as("a profile update keeps presence")
                .isEqualTo("online");
        assertThat(updated).as("and returns it").isEqualTo(User.of("alice", "alice2", "Alice Two", null)
                .withPresence("online", null, null));
        assertThat(store.signIn(new UserProfile("bob", "bob-name", "Display bob", null, null, null, null)).user())
                .as("a sign-in returns the stored presence")
                .isEqualTo(User.of("bob", "bob-name", "Display bob", null).withPresence("offline", null, lastSeen));
    }

    @Test
    void contactsAreUsersSharingAConversation() {
        requireExtension(Extension.PRESENCE);
        for (String u : List.of("alice", "bob", "carol", "dave", "erin")) {
            user(u);
        }
        direct("alice", "bob");
        group("g", "carol", "alice", "dave");
        direct("dave", "erin");

        assertThat(store.contactsOf("alice", null)).containsExactlyInAnyOrder("bob", "carol", "dave");
        assertThat(store.contactsOf("alice", List.of("dave", "erin", "alice"))).containsExactly("dave");
        assertThat(store.contactsOf("alice", List.of())).isEmpty();
        assertThat(store.contactsOf("erin", null)).containsExactly("dave");
        assertThat(store.contactsOf("nobody", null)).isEmpty();
    }

    @Test
    void publishedKeysReplaceEarlierOnesOfTheSameType() {
        requireExtension(Extension.KEYS);
        user("alice");
        user("bob");
        Instant t = Instant.parse("2026-01-02T03:04:05.678Z");
        String hostileKey = hostileStrings().get(10);

        store.publishKey(new PublicKeyInfo("alice", "x25519", "old", "f-old", t));
        PublicKeyInfo current = store.publishKey(new PublicKeyInfo("alice", "x25519", hostileKey, "f\u0000new",
                t.plusSeconds(1)));
        PublicKeyInfo signing = store.publishKey(new PublicKeyInfo("alice", "ed25519", "sig", "f-sig", t));
        PublicKeyInfo bobs = store.publishKey(new PublicKeyInfo("bob", "x25519", "bob-key", "f-bob", t));

        assertThat(current.publicKey()).isEqualTo(hostileKey);
        assertThat(store.keysOf(List.of("alice"), "x25519")).containsExactly(current);
        assertThat(store.keysOf(List.of("alice"), null)).containsExactlyInAnyOrder(current, signing);
        assertThat(store.keysOf(List.of("bob", "alice", "carol"), "x25519")).containsExactlyInAnyOrder(bobs, current);
        assertThat(store.keysOf(List.of(), null)).isEmpty();
        assertThat(store.keysOf(List.of("carol"), null)).isEmpty();
    }

    @Test
    void savedFilesAreFoundAndCountTowardsTheUploadersQuota() {
        requireExtension(Extension.FILES);
        user("alice");
        user("bob");
        ConversationRecord c = direct("alice", "bob");
        MessageRecord m = store.appendMessage(new NewMessage(c.id(), "alice", "file", null, null, null, null, null,
                null)).message();
        Instant t = Instant.parse("2026-01-02T03:04:05.678Z");
        String hostileName = "../../etc/passwd'; --\u0000\ud83d\udcc4.txt";
        FileRecord report = new FileRecord("file-1", c.id(), m.id(), "alice", hostileName, "text/plain", 1234,
                "ab".repeat(32), t);
        FileRecord photo = new FileRecord("file-2", c.id(), null, "alice", "p.png", "image/png", 5000, null, t);
        FileRecord bobs = new FileRecord("file-3", c.id(), null, "bob", "b.bin", "application/octet-stream", 7, null, t);

        store.saveFile(report);
        store.saveFile(photo);
        store.saveFile(bobs);

        assertThat(store.findFile("file-1")).contains(report);
        assertThat(store.findFile("file-2")).contains(photo);
        assertThat(store.findFile("no-such-file")).isEmpty();
        assertThat(store.storedFileBytes("alice")).isEqualTo(6234);
        assertThat(store.storedFileBytes("bob")).isEqualTo(7);
        assertThat(store.storedFileBytes("carol")).isZero();
    }

    // ---------------------------------------------------------------- health

    @Test
    void openStoreIsHealthy() {
        assertThat(store.isHealthy()).isTrue();
    }
}
