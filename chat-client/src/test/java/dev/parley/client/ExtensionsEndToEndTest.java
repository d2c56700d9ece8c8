package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.parley.core.EngineConfig;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.Extension;
import dev.parley.protocol.MessageType;
import dev.parley.protocol.model.Message;
import dev.parley.protocol.model.Reaction;
import dev.parley.protocol.payload.EditPayloads.MessageDeleted;
import dev.parley.protocol.payload.PresencePayloads.PresenceInfo;
import dev.parley.protocol.payload.PresencePayloads.PresenceSet;
import dev.parley.protocol.payload.ReactionPayloads.ReactionUpdated;
import dev.parley.protocol.payload.ReceiptPayloads.MarkedRead;
import dev.parley.protocol.payload.ReceiptPayloads.ReadReceipt;
import dev.parley.protocol.payload.SearchPayloads.SearchResults;
import dev.parley.protocol.payload.ThreadPayloads.ThreadLoaded;
import java.nio.file.Path;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The typed calls, state and listener callbacks of the message extensions (reactions, threads,
 * edits, receipts, presence, search), between several SDK clients over loopback against the
 * reference server on its embedded database; and a client that negotiated no extension, which
 * must see none of their frames.
 */
class ExtensionsEndToEndTest extends EndToEndBase {
    static final List<Extension> MESSAGE_EXTENSIONS = List.of(Extension.REACTIONS, Extension.THREADS,
            Extension.EDITS, Extension.RECEIPTS, Extension.PRESENCE, Extension.SEARCH);

    @TempDir
    Path dataDir;

    @Override
    TestServer startServer(int port) throws Exception {
        return ReferenceServer.start(config, port, dataDir);
    }

    @Override
    String token(String userId) {
        return ReferenceServer.token(userId);
    }

    /** Every message extension and resume; pages of two, so that paging shows with few messages. */
    @Override
    EngineConfig.Builder engineConfig() {
        Set<Extension> offered = EnumSet.copyOf(MESSAGE_EXTENSIONS);
        offered.add(Extension.RESUME);
        EngineConfig.Builder b = super.engineConfig();
        return b.extensions(offered)
                .searchRate(EngineConfig.RateLimit.perSecond(1000, 1000))
                .limits(EngineConfig.DEFAULTS.limits().toBuilder().defaultPageSize(2).build());
    }

    // ---- reactions ----

    @Test
    void reactionsReachTheOtherUserAndTheHeldMessages() {
        Party alice = party("alice");
        Party bob = party("bob");
        Party carol = party("carol");
        String conv = alice.client.createDirectConversation("bob").join().id();
        bob.client.joinConversation(conv).join();
        Message m = alice.client.sendMessage(conv, "react to me").join().data();
        await("bob holds the message", () -> bob.client.messages(conv).size() == 1);

        assertThat(bob.client.addReaction(conv, m.id(), "\uD83D\uDC4D").join().reactions())
                .containsExactly(new Reaction("\uD83D\uDC4D", 1, List.of("bob")));
        assertThat(reactions(bob.client.messages(conv).get(0))).isEqualTo(Map.of("\uD83D\uDC4D", Set.of("bob")));
        await("alice hears of bob's reaction", () -> alice.events.reactions.size() == 1);
        ReactionUpdated heard = alice.events.reactions.get(0);
        assertThat(List.of(heard.userId(), heard.emoji(), heard.action())).containsExactly("bob", "\uD83D\uDC4D", "added");
        assertThat(reactions(alice.client.messages(conv).get(0))).isEqualTo(Map.of("\uD83D\uDC4D", Set.of("bob")));

        alice.client.addReaction(conv, m.id(), "\uD83D\uDC4D").join();
        alice.client.addReaction(conv, m.id(), "party").join();
        await("bob sees alice's two reactions", () -> reactions(bob.client.messages(conv).get(0))
                .equals(Map.of("\uD83D\uDC4D", Set.of("bob", "alice"), "party", Set.of("alice"))));
        assertThat(bob.client.messages(conv).get(0).reactions()).extracting(Reaction::emoji, Reaction::count)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("\uD83D\uDC4D", 2),
                        org.assertj.core.groups.Tuple.tuple("party", 1));

        bob.client.addReaction(conv, m.id(), "\uD83D\uDC4D").join(); // already there: no event
        bob.client.removeReaction(conv, m.id(), "\uD83D\uDC4D").join();
        await("alice sees the removal", () -> reactions(alice.client.messages(conv).get(0))
                .equals(Map.of("\uD83D\uDC4D", Set.of("alice"), "party", Set.of("alice"))));
        await("alice's listener hears both changes", () -> alice.events.reactions.size() >= 2);
        assertThat(alice.events.reactions).extracting(ReactionUpdated::action).containsExactly("added", "removed");

        assertRejected(carol.client.addReaction(conv, m.id(), "x"), ErrorCode.ACCESS_DENIED);
        assertRejected(bob.client.addReaction(conv, "no-such-message", "x"), ErrorCode.NOT_FOUND);
        assertRejected(bob.client.addReaction(conv, m.id(), ""), ErrorCode.MISSING_REQUIRED_FIELDS);
        assertRejected(bob.client.addReaction(conv, m.id(), "x".repeat(33)), ErrorCode.PAYLOAD_TOO_LARGE);
        assertThat(reactions(bob.client.messages(conv).get(0))).containsOnlyKeys("\uD83D\uDC4D", "party");
    }

    // ---- threads ----

    @Test
    void threadRepliesReachLoadedThreadsAndCountOnTheRoot() {
        Party alice = party("alice");
        Party bob = party("bob");
        Party carol = party("carol");
        String conv = alice.client.createDirectConversation("bob").join().id();
        bob.client.joinConversation(conv).join();
        Message root = alice.client.sendMessage(conv, "root").join().data();
        await("bob holds the root", () -> bob.client.messages(conv).size() == 1);
        ThreadLoaded empty = bob.client.loadThread(conv, root.id()).join();
        assertThat(empty.messages()).isEmpty();
        assertThat(bob.client.thread(conv, root.id()).replies()).isEmpty();

        List<Message> replies = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            SendResult r = alice.client.replyInThread(conv, root.id(), "reply " + i).join();
            assertThat(r.success()).as(r.error()).isTrue();
            assertThat(r.data().threadRootId()).isEqualTo(root.id());
            replies.add(r.data());
        }
        assertThat(held(alice.client, conv, root.id()).threadReplyCount())
                .as("the sender's root is read back: its own connection gets no thread_updated").isEqualTo(3);
        await("bob's thread holds the replies and the new count", () -> {
            MessageThread t = bob.client.thread(conv, root.id());
            return t.replies().size() == 3 && t.root().threadReplyCount() == 3;
        });
        assertThat(bob.client.thread(conv, root.id()).replies()).extracting(Message::encryptedContent)
                .containsExactly("reply 1", "reply 2", "reply 3");
        await("bob's held root counts them", () -> held(bob.client, conv, root.id()).threadReplyCount() == 3);
        assertThat(held(bob.client, conv, root.id()).threadLastReplyAt()).isEqualTo(replies.get(2).createdAt());
        await("bob's listener hears of the thread", () -> !bob.events.threads.isEmpty());

        ThreadLoaded newest = alice.client.loadThread(conv, root.id()).join();
        assertThat(newest.messages()).extracting(Message::id).containsExactly(replies.get(1).id(), replies.get(2).id());
        assertThat(newest.hasMore()).isTrue();
        ThreadLoaded older = alice.client.loadMoreThread(conv, root.id()).join();
        assertThat(older.messages()).extracting(Message::id).containsExactly(replies.get(0).id());
        assertThat(older.hasMore()).isFalse();
        MessageThread whole = alice.client.thread(conv, root.id());
        assertThat(whole.replies()).extracting(Message::id).containsExactlyElementsOf(replies.stream().map(Message::id).toList());
        assertThat(whole.hasMore()).isFalse();

        assertRejected(carol.client.loadThread(conv, root.id()), ErrorCode.ACCESS_DENIED);
        assertThat(carol.client.replyInThread(conv, root.id(), "let me in").join().code()).isEqualTo(ErrorCode.ACCESS_DENIED);
        assertThat(bob.client.replyInThread(conv, replies.get(0).id(), "nested").join().code())
                .as("threads are one level deep").isEqualTo(ErrorCode.INVALID_DATA);
        assertThat(bob.client.replyInThread(conv, "no-such-message", "lost").join().code()).isEqualTo(ErrorCode.NOT_FOUND);
        assertRejected(bob.client.loadThread(conv, "no-such-message"), ErrorCode.NOT_FOUND);
    }

    // ---- edits and deletes ----

    @Test
    void editsAndDeletionsReachEveryoneAndRepeatHarmlessly() {
        Party alice = party("alice");
        Party bob = party("bob");
        Party carol = party("carol");
        String group = alice.client.createGroupConversation("team", List.of("bob", "carol")).join().id();
        bob.client.joinConversation(group).join();
        carol.client.joinConversation(group).join();
        Message typo = alice.client.sendMessage(group, "typo").join().data();
        Message bobs = bob.client.sendMessage(group, "bob's words").join().data();
        await("everyone holds both", () -> carol.client.messages(group).size() == 2 && bob.client.messages(group).size() == 2);

        Message fixed = alice.client.editMessage(group, typo.id(), "fixed").join();
        assertThat(fixed.editedAt()).isNotNull();
        assertThat(held(alice.client, group, typo.id()).encryptedContent()).isEqualTo("fixed");
        await("bob and carol see the edit", () -> "fixed".equals(held(bob.client, group, typo.id()).encryptedContent())
                && "fixed".equals(held(carol.client, group, typo.id()).encryptedContent()));
        assertThat(held(carol.client, group, typo.id()).seq()).isEqualTo(typo.seq());
        await("bob's listener hears the edit", () -> !bob.events.edited.isEmpty()); // callbacks run after the state changed
        assertThat(bob.events.edited).extracting(Message::id).containsExactly(typo.id());

        assertRejected(bob.client.editMessage(group, typo.id(), "hijacked"), ErrorCode.ACCESS_DENIED);
        assertRejected(carol.client.deleteMessage(group, bobs.id()), ErrorCode.ACCESS_DENIED);
        assertRejected(alice.client.editMessage(group, typo.id(), ""), ErrorCode.MISSING_REQUIRED_FIELDS);

        MessageDeleted byAdmin = alice.client.deleteMessage(group, bobs.id()).join();
        assertThat(held(alice.client, group, bobs.id())).satisfies(t -> {
            assertThat(t.isDeleted()).isTrue();
            assertThat(t.encryptedContent()).isNull();
        });
        await("bob and carol hold the tombstone", () -> held(bob.client, group, bobs.id()).isDeleted()
                && held(carol.client, group, bobs.id()).isDeleted());
        assertThat(held(carol.client, group, bobs.id()).encryptedContent()).isNull();

        assertThat(alice.client.deleteMessage(group, bobs.id()).join().deletedAt()).isEqualTo(byAdmin.deletedAt());
        assertThat(bob.client.deleteMessage(group, bobs.id()).join().deletedAt()).isEqualTo(byAdmin.deletedAt());
        assertRejected(bob.client.editMessage(group, bobs.id(), "revive"), ErrorCode.NOT_FOUND);
        alice.client.editMessage(group, typo.id(), "fixed twice").join();
        // Listeners run in order, so once carol's listener has heard the later edit it has heard everything before it.
        await("carol's listener hears the later edit", () -> carol.events.edited.stream()
                .anyMatch(m -> "fixed twice".equals(m.encryptedContent())));
        assertThat(carol.events.deleted).as("deleting again sends nothing").extracting(Message::id).containsExactly(bobs.id());

        String direct = alice.client.createDirectConversation("bob").join().id();
        Message inDirect = alice.client.sendMessage(direct, "just us").join().data();
        assertRejected(carol.client.editMessage(direct, inDirect.id(), "intruder"), ErrorCode.ACCESS_DENIED);
        assertRejected(carol.client.deleteMessage(direct, inDirect.id()), ErrorCode.ACCESS_DENIED);
        assertRejected(bob.client.deleteMessage(direct, inDirect.id()), ErrorCode.ACCESS_DENIED); // no admins in direct chats
    }

    // ---- read receipts ----

    @Test
    void readPositionsAndUnreadCountsFollowReadsOnEveryDevice() {
        Party alice = party("alice");
        Party bob = party("bob");
        Party bobPhone = party("bob");
        Party carol = party("carol");
        String conv = alice.client.createDirectConversation("bob").join().id();
        bob.client.joinConversation(conv).join();
        List<Message> sent = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            sent.add(alice.client.sendMessage(conv, "m" + i).join().data());
        }
        await("both of bob's devices count 3 unread", () -> bob.client.unreadCount(conv) == 3
                && bobPhone.client.unreadCount(conv) == 3);

        MarkedRead read = bob.client.markRead(conv, sent.get(1).id()).join();
        assertThat(read.lastReadSeq()).isEqualTo(sent.get(1).seq());
        assertThat(read.unreadCount()).isEqualTo(1);
        assertThat(bob.client.unreadCount(conv)).isEqualTo(1);
        await("bob's phone hears of the read", () -> bobPhone.client.unreadCount(conv) == 1);
        await("bob's phone's listener hears the count", () -> Integer.valueOf(1).equals(bobPhone.events.unread.get(conv)));
        await("alice gets bob's receipt", () -> alice.client.readPositions(conv).getOrDefault("bob", 0L) == sent.get(1).seq());
        await("alice's listener hears the receipt", () -> !alice.events.receipts.isEmpty());
        assertThat(alice.events.receipts).extracting(ReadReceipt::userId, ReadReceipt::lastReadMessageId)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("bob", sent.get(1).id()));

        MarkedRead backwards = bob.client.markRead(conv, sent.get(0).id()).join();
        assertThat(backwards.lastReadSeq()).as("never backwards").isEqualTo(sent.get(1).seq());
        assertThat(backwards.unreadCount()).isEqualTo(1);

        Message fourth = alice.client.sendMessage(conv, "m4").join().data();
        await("a new message is unread again", () -> bob.client.unreadCount(conv) == 2);
        assertThat(bob.client.loadConversations().join()).filteredOn(c -> c.id().equals(conv)).singleElement()
                .satisfies(c -> {
                    assertThat(c.unreadCount()).isEqualTo(2);
                    assertThat(c.lastReadSeq()).isEqualTo(sent.get(1).seq());
                });

        bob.client.loadMessages(conv).join(); // marks read up to the newest message (3.7)
        assertThat(bob.client.unreadCount(conv)).isZero();
        await("bob's phone sees it read", () -> bobPhone.client.unreadCount(conv) == 0);
        await("alice gets the implicit receipt", () -> alice.client.readPositions(conv).getOrDefault("bob", 0L) == fourth.seq());
        alice.client.loadMessages(conv).join();
        assertThat(alice.client.readPositions(conv)).containsEntry("bob", fourth.seq());

        assertRejected(carol.client.markRead(conv, fourth.id()), ErrorCode.ACCESS_DENIED);
        assertRejected(bob.client.markRead(conv, "no-such-message"), ErrorCode.NOT_FOUND);
        assertRejected(bob.client.markRead(conv, ""), ErrorCode.MISSING_REQUIRED_FIELDS);
    }

    // ---- presence ----

    @Test
    void statusesReachContactsOnlyAndLastSeenFollowsTheLastConnection() {
        Party alice = party("alice");
        Party bob = party("bob");
        Party carol = party("carol");
        alice.client.createDirectConversation("bob").join();

        PresenceSet set = alice.client.setPresence(PresenceStatus.AWAY, "at lunch").join();
        assertThat(List.of(set.status(), set.customStatus())).containsExactly("away", "at lunch");
        assertThat(alice.client.presence("alice").status()).isEqualTo("away");
        // The state is updated before listeners run, so wait for the callback too.
        await("bob sees alice away and is told", () -> isPresence(bob.client.presence("alice"), "away", "at lunch")
                && bob.events.presence.stream().anyMatch(p -> p.userId().equals("alice")));

        assertThat(alice.client.setPresence(PresenceStatus.BUSY).join().customStatus()).as("kept").isEqualTo("at lunch");
        await("bob sees alice busy", () -> isPresence(bob.client.presence("alice"), "busy", "at lunch"));
        assertThat(alice.client.setPresence(PresenceStatus.ONLINE, null).join().customStatus()).as("cleared").isNull();
        await("bob sees alice online again", () -> isPresence(bob.client.presence("alice"), "online", null));

        assertThat(bob.client.loadPresence(List.of("alice", "carol")).join()).extracting(PresenceInfo::userId)
                .as("carol shares no conversation with bob").containsExactly("alice");
        assertThat(carol.client.loadPresence(List.of("alice")).join()).as("not a contact: left out").isEmpty();
        assertThat(carol.events.presence).extracting(PresenceInfo::userId).doesNotContain("alice");
        assertThat(carol.client.presence("alice")).isNull();
        assertRejected(alice.client.setPresence(PresenceStatus.AWAY, "x".repeat(101)), ErrorCode.PAYLOAD_TOO_LARGE);

        alice.client.close();
        await("bob sees alice gone with a last-seen time", () -> {
            PresenceInfo p = bob.client.presence("alice");
            return "offline".equals(p.status()) && p.lastSeen() != null;
        });
    }

    // ---- search ----

    @Test
    void searchFindsSharedBodiesInOneOrEveryConversationPageByPage() {
        Party alice = party("alice");
        Party bob = party("bob");
        Party carol = party("carol");
        String ab = alice.client.createDirectConversation("bob").join().id();
        String ac = alice.client.createDirectConversation("carol").join().id();
        List<String> hellos = new ArrayList<>();
        for (int i = 1; i <= 22; i++) {
            hellos.add(alice.client.sendMessage(ab, String.format("Hello #%02d", i)).join().data().id());
        }
        bob.client.sendMessage(ab, "nothing to see").join();
        Message toCarol = carol.client.sendMessage(ac, "hello carol").join().data();

        SearchResults first = bob.client.searchMessages(ab, "HELLO").join();
        assertThat(first.messages()).hasSize(20).allSatisfy(m -> assertThat(m.conversationId()).isEqualTo(ab));
        assertThat(first.hasMore()).isTrue();
        SearchResults second = bob.client.searchMoreMessages(first).join();
        assertThat(second.hasMore()).isFalse();
        List<String> found = new ArrayList<>(first.messages().stream().map(Message::id).toList());
        found.addAll(second.messages().stream().map(Message::id).toList());
        List<String> newestFirst = new ArrayList<>(hellos);
        java.util.Collections.reverse(newestFirst);
        assertThat(found).containsExactlyElementsOf(newestFirst);
        assertThat(bob.client.searchMoreMessages(second).join().messages()).isEmpty();

        SearchResults everywhere = alice.client.searchMessages(null, "hello carol").join();
        assertThat(everywhere.conversationId()).isNull();
        assertThat(everywhere.messages()).extracting(Message::id).containsExactly(toCarol.id());
        assertThat(everywhere.messages().get(0).conversationId()).isEqualTo(ac);
        SearchResults all = alice.client.searchMessages(null, "hello").join();
        assertThat(all.messages().get(0).id()).isEqualTo(toCarol.id());
        assertThat(alice.client.searchMoreMessages(all).join().messages()).hasSize(3);
        assertThat(bob.client.searchMessages(null, "carol").join().messages()).as("not bob's conversation").isEmpty();

        alice.client.deleteMessage(ab, hellos.get(0)).join();
        assertThat(bob.client.searchMessages(ab, "#01").join().messages()).as("deleted").isEmpty();

        assertRejected(carol.client.searchMessages(ab, "hello"), ErrorCode.ACCESS_DENIED);
        assertRejected(bob.client.searchMessages(ab, "x".repeat(201)), ErrorCode.INVALID_DATA);
        assertRejected(bob.client.searchMessages(ab, ""), ErrorCode.MISSING_REQUIRED_FIELDS);
    }

    // ---- a client that negotiated nothing ----

    @Test
    void aClientWithoutExtensionsGetsNoneOfTheirFramesAndStillChats() {
        Party alice = party("alice");
        Party bob = party("bob");
        Party legacy = party("carol", ChatClient.Builder::noExtensions);
        assertThat(legacy.client.connectionState().extensions()).isEmpty();
        assertThat(alice.client.connectionState().extensions()).contains("reactions", "threads", "edits", "receipts",
                "presence", "search");
        String group = alice.client.createGroupConversation("all", List.of("bob", "carol")).join().id();
        bob.client.joinConversation(group).join();
        legacy.client.joinConversation(group).join();
        Message m = alice.client.sendMessage(group, "hello all").join().data();
        await("everyone holds it", () -> bob.client.messages(group).size() == 1 && legacy.client.messages(group).size() == 1);

        bob.client.addReaction(group, m.id(), "+1").join();
        alice.client.replyInThread(group, m.id(), "in a thread").join();
        alice.client.editMessage(group, m.id(), "hello everyone").join();
        bob.client.markRead(group, m.id()).join();
        alice.client.setPresence(PresenceStatus.BUSY, "focus").join();
        Message gone = alice.client.sendMessage(group, "oops").join().data();
        alice.client.deleteMessage(group, gone.id()).join();
        await("the others got every kind of event", () -> !alice.events.reactions.isEmpty()
                && !alice.events.receipts.isEmpty() && !bob.events.edited.isEmpty() && !bob.events.deleted.isEmpty()
                && !bob.events.presence.isEmpty() && held(bob.client, group, m.id()).threadReplyCount() == 1);

        Message fromLegacy = legacy.client.sendMessage(group, "still here").join().data();
        await("alice gets the legacy client's message", () -> alice.client.messages(group).stream()
                .anyMatch(x -> x.id().equals(fromLegacy.id())));
        await("the legacy client holds every message", () -> legacy.client.messages(group).size() == 4);

        Set<String> extensionTypes = Arrays.stream(MessageType.values()).filter(t -> t.extension() != null)
                .map(MessageType::wireName).collect(Collectors.toSet());
        assertThat(legacy.frames.received).contains("message_received", "message_sent")
                .doesNotContainAnyElementsOf(extensionTypes);
        assertThat(alice.frames.received).contains("reaction_updated", "read_receipt");
        assertThat(bob.frames.received).contains("thread_updated", "message_updated", "presence_update", "unread_update");
        assertThat(held(legacy.client, group, m.id()).encryptedContent()).as("sees the edit on its next load only")
                .isEqualTo("hello all");
        assertThat(legacy.events.isEmpty()).isTrue();
    }

    // ---- the generic request ----

    @Test
    void theGenericRequestAppliesAnswersLikeTheTypedCalls() {
        Party alice = party("alice");
        Party bob = party("bob");
        String conv = alice.client.createDirectConversation("bob").join().id();
        Message m = alice.client.sendMessage(conv, "typo").join().data();
        bob.client.joinConversation(conv).join();

        JsonObject answer = alice.client.request(MessageType.EDIT_MESSAGE, json("{\"conversationId\":\"" + conv
                + "\",\"messageId\":\"" + m.id() + "\",\"content\":\"fixed\"}")).join();
        assertThat(answer.getAsJsonObject("message").get("encrypted_content").getAsString()).isEqualTo("fixed");
        assertThat(held(alice.client, conv, m.id()).encryptedContent()).isEqualTo("fixed");
        alice.client.request(MessageType.ADD_REACTION, json("{\"conversationId\":\"" + conv + "\",\"messageId\":\""
                + m.id() + "\",\"emoji\":\"+1\"}")).join();
        assertThat(reactions(held(alice.client, conv, m.id()))).isEqualTo(Map.of("+1", Set.of("alice")));
        assertThatThrownBy(() -> alice.client.request(MessageType.AUTH, json("{\"token\":\"x\"}")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // ---- helpers ----

    /** One SDK client with every message extension asked for, its callbacks and the frame types it received. */
    private record Party(ChatClient client, Events events, FrameLog frames) {
    }

    private Party party(String user) {
        return party(user, b -> { });
    }

    private Party party(String user, Consumer<ChatClient.Builder> tweak) {
        Events events = new Events();
        FrameLog frames = new FrameLog(user);
        ChatClient c = client(user, server.uri(), null, b -> {
            b.extensions(MESSAGE_EXTENSIONS).listener(events).logger(frames);
            tweak.accept(b);
        });
        c.connect().join();
        return new Party(c, events, frames);
    }

    private static Message held(ChatClient client, String conversationId, String messageId) {
        return client.messages(conversationId).stream().filter(m -> m.id().equals(messageId)).findFirst()
                .orElseThrow(() -> new AssertionError(messageId + " is not held"));
    }

    private static Map<String, Set<String>> reactions(Message m) {
        Map<String, Set<String>> out = new TreeMap<>();
        for (Reaction r : m.reactions() == null ? List.<Reaction>of() : m.reactions()) {
            assertThat(r.count()).isEqualTo(r.userIds().size());
            out.put(r.emoji(), new TreeSet<>(r.userIds()));
        }
        return out;
    }

    private static boolean isPresence(PresenceInfo p, String status, String customStatus) {
        return p != null && status.equals(p.status()) && java.util.Objects.equals(customStatus, p.customStatus());
    }

    private static ChatException assertRejected(CompletableFuture<?> call, ErrorCode code) {
        ChatException[] caught = new ChatException[1];
        assertThatThrownBy(call::join).cause().isInstanceOfSatisfying(ChatException.class, e -> {
            assertThat(e.kind()).isEqualTo(ChatException.Kind.REJECTED);
            assertThat(e.code()).isEqualTo(code);
            caught[0] = e;
        });
        return caught[0];
    }

    private static JsonObject json(String text) {
        return JsonParser.parseString(text).getAsJsonObject();
    }

    /** The message extensions' callbacks as one client's listener saw them. */
    static final class Events implements ChatListener {
        final List<ReactionUpdated> reactions = new CopyOnWriteArrayList<>();
        final List<MessageThread> threads = new CopyOnWriteArrayList<>();
        final List<Message> edited = new CopyOnWriteArrayList<>();
        final List<Message> deleted = new CopyOnWriteArrayList<>();
        final Map<String, Integer> unread = new ConcurrentHashMap<>();
        final List<ReadReceipt> receipts = new CopyOnWriteArrayList<>();
        final List<PresenceInfo> presence = new CopyOnWriteArrayList<>();
        final List<String> other = new CopyOnWriteArrayList<>();

        @Override
        public void onReactionChanged(ReactionUpdated update) {
            reactions.add(update);
        }

        @Override
        public void onThreadChanged(MessageThread thread) {
            threads.add(thread);
        }

        @Override
        public void onMessageEdited(Message message) {
            edited.add(message);
        }

        @Override
        public void onMessageDeleted(Message message) {
            deleted.add(message);
        }

        @Override
        public void onUnreadCountChanged(String conversationId, int unreadCount) {
            unread.put(conversationId, unreadCount);
        }

        @Override
        public void onReadReceipt(ReadReceipt receipt) {
            receipts.add(receipt);
        }

        @Override
        public void onPresenceChanged(PresenceInfo info) {
            presence.add(info);
        }

        @Override
        public void onEvent(String type, JsonObject payload) {
            other.add(type);
        }

        /** No extension callback at all (unread counts from loaded conversations aside). */
        boolean isEmpty() {
            return reactions.isEmpty() && threads.isEmpty() && edited.isEmpty() && deleted.isEmpty()
                    && receipts.isEmpty() && presence.isEmpty() && other.isEmpty();
        }
    }

    /** The types of the frames a client received, read from its debug log (which names each one). */
    static final class FrameLog implements ChatLogger {
        final List<String> received = new CopyOnWriteArrayList<>();
        private final String user;

        FrameLog(String user) {
            this.user = user;
        }

        @Override
        public void debug(String message) {
            if (message.startsWith("<- ")) {
                received.add(message.split(" ")[1]);
            }
            System.out.println(LocalTime.now() + " " + user + " " + message);
        }

        @Override
        public void warn(String message, Throwable error) {
            debug("WARN " + message + (error == null ? "" : " " + error));
        }
    }
}
