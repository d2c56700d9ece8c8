package dev.parley.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.parley.protocol.Extension;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Reactions, threads, edits and receipts (protocol 6.1 to 6.4) on the in-memory store. */
class ExtensionsTest extends EngineHarness {
    private static final String[] ALL = {"reactions", "threads", "edits", "receipts", "search", "resume"};

    private Client alice;
    private Client bob;
    private Client legacyBob;
    private String conv;

    @BeforeEach
    void setUp() {
        useConfig(EngineConfig.builder().resumeLimit(5).extensions(Set.of(Extension.REACTIONS, Extension.THREADS,
                Extension.EDITS, Extension.RECEIPTS, Extension.SEARCH, Extension.RESUME)).build());
        alice = login("alice", ALL);
        bob = login("bob", ALL);
        legacyBob = login("bob");
        conv = createConversation(alice, "direct", "bob");
        bob.next("conversation_created");
        legacyBob.next("conversation_created");
        bob.call("join_conversation", "{\"conversationId\":\"" + conv + "\"}");
        legacyBob.call("join_conversation", "{\"conversationId\":\"" + conv + "\"}");
    }

    private String send(Client c, String content) {
        String id = payload(c.call("send_message", "{\"conversationId\":\"" + conv + "\",\"content\":\"" + content + "\"}"))
                .getAsJsonObject("message").get("id").getAsString();
        bob.next("message_received");
        legacyBob.next("message_received");
        c.call("ping", "{}"); // the send's later events (unread counts) have gone out
        return id;
    }

    @Test
    void authNegotiatesOnlyOfferedExtensions() {
        Client c = connect();
        JsonObject ok = c.call("auth", "{\"token\":\"user:carol\",\"extensions\":[\"reactions\",\"calls\",\"bogus\"]}");
        assertThat(payload(ok).getAsJsonArray("extensions").toString()).isEqualTo("[\"reactions\"]");
    }

    @Test
    void engineRefusesExtensionsItOrItsStoreCannotServe() {
        assertThatThrownBy(() -> newEngine(EngineConfig.builder().extensions(Set.of(Extension.FILES)).build()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void reactionsAreCountedEventedAndHiddenFromLegacyClients() {
        String m = send(alice, "hello");
        JsonObject added = payload(bob.call("add_reaction",
                "{\"conversationId\":\"" + conv + "\",\"messageId\":\"" + m + "\",\"emoji\":\"👍\"}"));
        assertThat(added.getAsJsonArray("reactions").get(0).getAsJsonObject().get("count").getAsInt()).isEqualTo(1);
        JsonObject event = payload(alice.next("reaction_updated"));
        assertThat(event.get("userId").getAsString()).isEqualTo("bob");
        assertThat(event.get("action").getAsString()).isEqualTo("added");
        // Adding again changes nothing and sends no event.
        bob.call("add_reaction", "{\"conversationId\":\"" + conv + "\",\"messageId\":\"" + m + "\",\"emoji\":\"👍\"}");
        alice.transport.expectNothing(Duration.ofMillis(200));
        legacyBob.transport.expectNothing(Duration.ofMillis(50));

        JsonArray page = payload(alice.call("load_messages", "{\"conversationId\":\"" + conv + "\"}")).getAsJsonArray("messages");
        JsonObject reaction = page.get(0).getAsJsonObject().getAsJsonArray("reactions").get(0).getAsJsonObject();
        assertThat(reaction.get("emoji").getAsString()).isEqualTo("👍");
        assertThat(reaction.getAsJsonArray("user_ids").toString()).isEqualTo("[\"bob\"]");

        JsonObject removed = payload(bob.call("remove_reaction",
                "{\"conversationId\":\"" + conv + "\",\"messageId\":\"" + m + "\",\"emoji\":\"👍\"}"));
        assertThat(removed.getAsJsonArray("reactions")).isEmpty();
        assertThat(payload(alice.next("reaction_updated")).get("action").getAsString()).isEqualTo("removed");
        bob.callError("add_reaction", "{\"conversationId\":\"" + conv + "\",\"messageId\":\"nope\",\"emoji\":\"x\"}",
                "NOT_FOUND");
        bob.callError("add_reaction", "{\"conversationId\":\"" + conv + "\",\"messageId\":\"" + m + "\",\"emoji\":\""
                + "x".repeat(33) + "\"}", "PAYLOAD_TOO_LARGE");
    }

    @Test
    void fiftyDistinctEmojiAtMost() {
        String m = send(alice, "popular");
        for (int i = 0; i < 50; i++) {
            assertThat(alice.call("add_reaction", "{\"conversationId\":\"" + conv + "\",\"messageId\":\"" + m
                    + "\",\"emoji\":\"e" + i + "\"}").get("type").getAsString()).isEqualTo("reaction_added");
            clock.advance(Duration.ofMillis(100)); // stay under the message rate limit
        }
        JsonObject err = alice.callError("add_reaction",
                "{\"conversationId\":\"" + conv + "\",\"messageId\":\"" + m + "\",\"emoji\":\"one-more\"}", "INVALID_DATA");
        assertThat(err.getAsJsonObject("details").get("maxItems").getAsInt()).isEqualTo(50);
    }

    @Test
    void onlyTheSenderEditsAndEditsAreEvented() {
        String m = send(alice, "draft");
        bob.callError("edit_message", "{\"conversationId\":\"" + conv + "\",\"messageId\":\"" + m + "\",\"content\":\"hack\"}",
                "ACCESS_DENIED");
        JsonObject edited = payload(alice.call("edit_message",
                "{\"conversationId\":\"" + conv + "\",\"messageId\":\"" + m + "\",\"content\":\"final\"}")).getAsJsonObject("message");
        assertThat(edited.get("encrypted_content").getAsString()).isEqualTo("final");
        assertThat(edited.get("edited_at").isJsonNull()).isFalse();
        assertThat(edited.get("seq").getAsLong()).isEqualTo(1);
        JsonObject update = payload(bob.next("message_updated"));
        assertThat(update.get("action").getAsString()).isEqualTo("edited");
        assertThat(update.getAsJsonObject("message").get("encrypted_content").getAsString()).isEqualTo("final");
        legacyBob.transport.expectNothing(Duration.ofMillis(200));
        alice.callError("edit_message", "{\"conversationId\":\"" + conv + "\",\"messageId\":\"" + m + "\"}",
                "MISSING_REQUIRED_FIELDS");
    }

    @Test
    void deletionLeavesATombstoneIsIdempotentAndOnlyForSenderOrGroupAdmin() {
        String m = send(alice, "oops");
        bob.callError("delete_message", "{\"conversationId\":\"" + conv + "\",\"messageId\":\"" + m + "\"}", "ACCESS_DENIED");
        JsonObject deleted = payload(alice.call("delete_message",
                "{\"conversationId\":\"" + conv + "\",\"messageId\":\"" + m + "\"}"));
        String deletedAt = deleted.get("deletedAt").getAsString();
        JsonObject update = payload(bob.next("message_updated"));
        assertThat(update.get("action").getAsString()).isEqualTo("deleted");
        assertThat(update.getAsJsonObject("message").get("encrypted_content").isJsonNull()).isTrue();
        assertThat(payload(bob.next("unread_update")).get("unreadCount").getAsInt()).isZero();
        clock.advance(Duration.ofSeconds(5));
        JsonObject again = payload(alice.call("delete_message",
                "{\"conversationId\":\"" + conv + "\",\"messageId\":\"" + m + "\"}"));
        assertThat(again.get("deletedAt").getAsString()).isEqualTo(deletedAt);
        bob.transport.expectNothing(Duration.ofMillis(200));

        assertThat(payload(bob.call("load_messages", "{\"conversationId\":\"" + conv + "\"}")).getAsJsonArray("messages"))
                .isEmpty();
        JsonArray withTombstones = payload(bob.call("load_messages",
                "{\"conversationId\":\"" + conv + "\",\"includeDeleted\":true}")).getAsJsonArray("messages");
        assertThat(withTombstones.get(0).getAsJsonObject().get("deleted_at").getAsString()).isEqualTo(deletedAt);
        alice.callError("edit_message", "{\"conversationId\":\"" + conv + "\",\"messageId\":\"" + m + "\",\"content\":\"x\"}",
                "NOT_FOUND");
    }

    @Test
    void groupAdminMayDeleteOthersMessages() {
        login("carol");
        String group = createConversation(alice, "group", "bob", "carol");
        bob.call("join_conversation", "{\"conversationId\":\"" + group + "\"}");
        String m = payload(bob.call("send_message", "{\"conversationId\":\"" + group + "\",\"content\":\"spam\"}"))
                .getAsJsonObject("message").get("id").getAsString();
        assertThat(alice.call("delete_message", "{\"conversationId\":\"" + group + "\",\"messageId\":\"" + m + "\"}")
                .get("type").getAsString()).isEqualTo("message_deleted");
    }

    @Test
    void readPositionsMoveForwardOnlyAndAreAnnounced() {
        String m1 = send(alice, "one");
        String m2 = send(alice, "two");
        Client bobTablet = login("bob", ALL);
        JsonObject marked = payload(bob.call("mark_read",
                "{\"conversationId\":\"" + conv + "\",\"messageId\":\"" + m2 + "\"}"));
        assertThat(marked.get("lastReadSeq").getAsLong()).isEqualTo(2);
        assertThat(marked.get("lastReadMessageId").getAsString()).isEqualTo(m2);
        assertThat(marked.get("unreadCount").getAsInt()).isZero();
        JsonObject receipt = payload(alice.next("read_receipt"));
        assertThat(receipt.get("userId").getAsString()).isEqualTo("bob");
        assertThat(receipt.get("lastReadSeq").getAsLong()).isEqualTo(2);
        assertThat(payload(bobTablet.next("unread_update")).get("unreadCount").getAsInt()).isZero();

        JsonObject older = payload(bob.call("mark_read", "{\"conversationId\":\"" + conv + "\",\"messageId\":\"" + m1 + "\"}"));
        assertThat(older.get("lastReadSeq").getAsLong()).isEqualTo(2);
        alice.transport.expectNothing(Duration.ofMillis(200));

        send(alice, "three");
        assertThat(payload(bobTablet.next("unread_update")).get("unreadCount").getAsInt()).isEqualTo(1);
        JsonObject page = payload(alice.call("load_messages", "{\"conversationId\":\"" + conv + "\"}"));
        assertThat(page.getAsJsonArray("readState").get(0).getAsJsonObject().get("lastReadSeq").getAsLong()).isEqualTo(2);
        legacyBob.transport.expectNothing(Duration.ofMillis(100));
    }

    @Test
    void threadRepliesCountOnTheRootAndLoadAsAThread() {
        String root = send(alice, "topic");
        for (int i = 0; i < 3; i++) {
            bob.call("send_message", "{\"conversationId\":\"" + conv + "\",\"content\":\"r" + i + "\",\"threadRootId\":\"" + root + "\"}");
            JsonObject update = payload(alice.next("thread_updated"));
            assertThat(update.get("threadReplyCount").getAsInt()).isEqualTo(i + 1);
        }
        JsonObject thread = payload(alice.call("load_thread",
                "{\"conversationId\":\"" + conv + "\",\"threadRootId\":\"" + root + "\",\"limit\":2}"));
        assertThat(thread.getAsJsonObject("root").get("thread_reply_count").getAsInt()).isEqualTo(3);
        assertThat(thread.getAsJsonArray("messages")).hasSize(2);
        assertThat(thread.get("hasMore").getAsBoolean()).isTrue();
        JsonObject onlyRoots = payload(alice.call("load_messages",
                "{\"conversationId\":\"" + conv + "\",\"excludeThreadReplies\":true}"));
        assertThat(onlyRoots.getAsJsonArray("messages")).hasSize(1);
        String reply = thread.getAsJsonArray("messages").get(0).getAsJsonObject().get("id").getAsString();
        bob.callError("send_message", "{\"conversationId\":\"" + conv + "\",\"content\":\"x\",\"threadRootId\":\"" + reply + "\"}",
                "INVALID_DATA");
        bob.callError("load_thread", "{\"conversationId\":\"" + conv + "\",\"threadRootId\":\"nope\"}", "NOT_FOUND");
    }

    @Test
    void nonParticipantsAreRefusedForEveryExtensionRequest() {
        String m = send(alice, "private");
        Client eve = login("eve", ALL);
        String target = "\"conversationId\":\"" + conv + "\",\"messageId\":\"" + m + "\"";
        eve.callError("add_reaction", "{" + target + ",\"emoji\":\"x\"}", "ACCESS_DENIED");
        eve.callError("remove_reaction", "{" + target + ",\"emoji\":\"x\"}", "ACCESS_DENIED");
        eve.callError("edit_message", "{" + target + ",\"content\":\"x\"}", "ACCESS_DENIED");
        eve.callError("delete_message", "{" + target + "}", "ACCESS_DENIED");
        eve.callError("mark_read", "{" + target + "}", "ACCESS_DENIED");
        eve.callError("load_thread", "{\"conversationId\":\"" + conv + "\",\"threadRootId\":\"" + m + "\"}", "ACCESS_DENIED");
    }

    @Test
    void searchFindsCaseInsensitiveSubstringsNewestFirstWithPaging() {
        send(alice, "Lunch at noon?");
        clock.advance(Duration.ofSeconds(1));
        send(alice, "no lunch today");
        clock.advance(Duration.ofSeconds(1));
        String gone = send(alice, "LUNCH secret");
        alice.call("delete_message", "{\"conversationId\":\"" + conv + "\",\"messageId\":\"" + gone + "\"}");
        alice.call("send_message", "{\"conversationId\":\"" + conv + "\",\"encryptedContents\":{\"bob\":\"lunch cipher\"}}");
        clock.advance(Duration.ofSeconds(1));
        JsonObject first = payload(bob.call("search_messages",
                "{\"conversationId\":\"" + conv + "\",\"query\":\"lunch\",\"limit\":1}"));
        assertThat(first.getAsJsonArray("messages")).hasSize(1);
        JsonObject newest = first.getAsJsonArray("messages").get(0).getAsJsonObject();
        assertThat(newest.get("encrypted_content").getAsString()).isEqualTo("no lunch today");
        assertThat(first.get("hasMore").getAsBoolean()).isTrue();
        clock.advance(Duration.ofSeconds(1));
        JsonObject second = payload(bob.call("search_messages", "{\"query\":\"LUNCH\",\"beforeMessageId\":\""
                + newest.get("id").getAsString() + "\"}"));
        assertThat(second.get("conversationId").isJsonNull()).isTrue();
        assertThat(second.getAsJsonArray("messages")).hasSize(1);
        assertThat(second.getAsJsonArray("messages").get(0).getAsJsonObject().get("encrypted_content").getAsString())
                .isEqualTo("Lunch at noon?");
        assertThat(second.get("hasMore").getAsBoolean()).isFalse();

        Client eve = login("eve", ALL);
        eve.callError("search_messages", "{\"conversationId\":\"" + conv + "\",\"query\":\"lunch\"}", "ACCESS_DENIED");
        clock.advance(Duration.ofSeconds(1));
        assertThat(payload(eve.call("search_messages", "{\"query\":\"lunch\"}")).getAsJsonArray("messages")).isEmpty();
        eve.callError("search_messages", "{\"query\":\"" + "q".repeat(201) + "\"}", "INVALID_DATA");
        eve.callError("search_messages", "{\"query\":\"x\",\"limit\":51}", "INVALID_DATA");
    }

    @Test
    void searchIsRateLimitedPerUser() {
        bob.call("search_messages", "{\"query\":\"a\"}");
        bob.call("search_messages", "{\"query\":\"a\"}");
        JsonObject limited = bob.callError("search_messages", "{\"query\":\"a\"}", "RATE_LIMITED");
        assertThat(limited.getAsJsonObject("details").get("retryAfterMs").getAsLong()).isPositive();
    }

    @Test
    void resumeJoinsAndReturnsExactlyTheMissedMessagesAndChanges() {
        String m1 = send(alice, "one");
        send(alice, "two");
        clock.advance(Duration.ofSeconds(10));
        alice.call("edit_message", "{\"conversationId\":\"" + conv + "\",\"messageId\":\"" + m1 + "\",\"content\":\"uno\"}");
        send(alice, "three");
        Client back = login("bob", ALL);
        JsonObject resumed = payload(back.call("resume", "{\"conversations\":[{\"conversationId\":\"" + conv
                + "\",\"lastSeq\":2},{\"conversationId\":\"nope\",\"lastSeq\":0}],\"since\":\"2025-03-01T09:00:05.000Z\"}"));
        JsonObject r = resumed.getAsJsonArray("conversations").get(0).getAsJsonObject();
        assertThat(r.get("joined").getAsBoolean()).isTrue();
        assertThat(r.get("latestSeq").getAsLong()).isEqualTo(3);
        assertThat(r.getAsJsonArray("messages")).hasSize(1);
        assertThat(r.getAsJsonArray("messages").get(0).getAsJsonObject().get("seq").getAsLong()).isEqualTo(3);
        assertThat(r.getAsJsonArray("updated")).hasSize(1);
        assertThat(r.getAsJsonArray("updated").get(0).getAsJsonObject().get("encrypted_content").getAsString()).isEqualTo("uno");
        assertThat(r.get("mustReload").getAsBoolean()).isFalse();
        JsonObject denied = resumed.getAsJsonArray("conversations").get(1).getAsJsonObject();
        assertThat(denied.get("joined").getAsBoolean()).isFalse();
        assertThat(denied.get("error").getAsString()).isEqualTo("ACCESS_DENIED");

        alice.call("send_message", "{\"conversationId\":\"" + conv + "\",\"content\":\"live\"}");
        assertThat(payload(back.next("message_received")).getAsJsonObject("message").get("seq").getAsLong()).isEqualTo(4);
    }

    @Test
    void resumeAsksForAReloadWhenTheGapIsTooLarge() {
        for (int i = 0; i < 6; i++) {
            send(alice, "m" + i);
        }
        JsonObject r = payload(bob.call("resume", "{\"conversations\":[{\"conversationId\":\"" + conv + "\",\"lastSeq\":0}]}"))
                .getAsJsonArray("conversations").get(0).getAsJsonObject();
        assertThat(r.get("mustReload").getAsBoolean()).isTrue();
        assertThat(r.getAsJsonArray("messages")).isEmpty();
        JsonObject fits = payload(bob.call("resume", "{\"conversations\":[{\"conversationId\":\"" + conv + "\",\"lastSeq\":1}]}"))
                .getAsJsonArray("conversations").get(0).getAsJsonObject();
        assertThat(fits.get("mustReload").getAsBoolean()).isFalse();
        assertThat(fits.getAsJsonArray("messages")).hasSize(5);
    }
}
