package dev.parley.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.parley.protocol.model.AuthUser;
import dev.parley.protocol.model.Conversation;
import dev.parley.protocol.model.ConversationType;
import dev.parley.protocol.model.Message;
import dev.parley.protocol.model.Participant;
import dev.parley.protocol.model.ReplyPreview;
import dev.parley.protocol.model.Role;
import dev.parley.protocol.model.User;
import dev.parley.protocol.payload.AuthPayloads.Auth;
import dev.parley.protocol.payload.AuthPayloads.AuthSuccess;
import dev.parley.protocol.payload.AuthPayloads.Limits;
import dev.parley.protocol.payload.CallPayloads.CallStatus;
import dev.parley.protocol.payload.ConversationPayloads.ConversationCreated;
import dev.parley.protocol.payload.ConversationPayloads.ConversationRequest;
import dev.parley.protocol.payload.ConversationPayloads.CreateConversation;
import dev.parley.protocol.payload.MessagePayloads.LoadMessages;
import dev.parley.protocol.payload.MessagePayloads.MessageSent;
import dev.parley.protocol.payload.MessagePayloads.MessagesLoaded;
import dev.parley.protocol.payload.MessagePayloads.SendMessage;
import dev.parley.protocol.payload.SystemPayloads.Empty;
import dev.parley.protocol.payload.SystemPayloads.ErrorPayload;
import dev.parley.protocol.payload.TypingPayloads.TypingUpdate;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Wire compatibility with the legacy QryptChat browser client: the frames it sends (fixtures written
 * in its exact shapes) are read, and the frames we send carry exactly the fields it reads.
 */
class LegacyCompatibilityTest {
    private static final JsonCodec CODEC = JsonCodec.standard();
    private static final Pattern WIRE_TIME = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z");
    private static final Pattern LOOKS_LIKE_TIME = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T.*");
    private static final Pattern SNAKE_CASE = Pattern.compile("[a-z][a-z0-9]*(_[a-z0-9]+)*");
    private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    private static final String CONVERSATION = "7d0f6a52-3b8e-4c1f-9a2d-5e6b7c8d9e01";
    private static final String BOB = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
    private static final String CAROL = "c4d5e6f7-a8b9-4c0d-9e1f-2a3b4c5d6e7f";

    /** The type names the legacy client accepts; it drops any frame of another type. */
    private static final Set<String> LEGACY_CLIENT_TYPES = Set.of("auth", "auth_success", "auth_error", "load_conversations",
            "conversations_loaded", "join_conversation", "leave_conversation", "conversation_joined", "conversation_left",
            "create_conversation", "conversation_created", "send_message", "message_sent", "message_received", "load_messages",
            "messages_loaded", "load_more_messages", "typing_start", "typing_stop", "typing_update", "create_group",
            "group_created", "join_group", "group_joined", "load_groups", "groups_loaded", "user_online", "user_offline", "error",
            "ping", "pong", "key_share", "key_request", "key_response");

    static String fixture(String path) {
        try (InputStream in = LegacyCompatibilityTest.class.getResourceAsStream("/fixtures/" + path)) {
            assertThat(in).as("fixture %s", path).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // --- frames the legacy client sends ---

    @Test
    void serverOriginatedFramesGetDistinctVersion4Ids() throws InterruptedException {
        Set<String> ids = java.util.concurrent.ConcurrentHashMap.newKeySet();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            threads.add(new Thread(() -> {
                for (int i = 0; i < 50_000; i++) {
                    ids.add(JsonCodec.newRequestId());
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread thread : threads) {
            thread.join();
        }
        assertThat(ids).hasSize(200_000).allSatisfy(id -> assertThat(id).matches(UUID));
        String frame = CODEC.encode(MessageType.PONG, Empty.INSTANCE, null, Instant.EPOCH);
        assertThat(JsonParser.parseString(frame).getAsJsonObject().get("requestId").getAsString()).matches(UUID);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "auth,                                          auth",
        "load_conversations,                            load_conversations",
        "join_conversation,                             join_conversation",
        "load_messages,                                 load_messages",
        "typing_start,                                  typing_start",
        "typing_stop,                                   typing_stop",
        "send_message,                                  send_message",
        "send_message_reply,                            send_message",
        "leave_conversation,                            leave_conversation",
        "create_conversation_direct,                    create_conversation",
        "create_conversation_group,                     create_conversation",
        "create_conversation_original_server_fields,    create_conversation",
        "late_send_message_encrypted_contents,          send_message"})
    void everyLegacyClientFrameIsRead(String name, String type) {
        String text = fixture("legacy-client/" + name + ".json");
        Envelope env = CODEC.decodeRequest(text);
        Record payload = CODEC.readRequestPayload(env);

        assertThat(env.type()).isEqualTo(type);
        assertThat(env.requestId()).matches(UUID);
        assertThat(env.timestamp()).matches(WIRE_TIME);
        assertThat(payload).isInstanceOf(env.messageType().requestPayload());
    }

    private static Record legacy(String name) {
        return Frames.read(fixture("legacy-client/" + name + ".json"));
    }

    @Test
    void legacyFramesCarryTheValuesTheClientMeant() {
        assertThat(((Auth) legacy("auth")).token()).startsWith("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.");
        assertThat(((Auth) legacy("auth")).extensions()).isNull();
        assertThat(legacy("load_conversations")).isEqualTo(Empty.INSTANCE);
        assertThat(legacy("join_conversation")).isEqualTo(new ConversationRequest(CONVERSATION));
        assertThat(legacy("typing_stop")).isEqualTo(new ConversationRequest(CONVERSATION));

        LoadMessages load = (LoadMessages) legacy("load_messages");
        assertThat(load.pageSize(ProtocolLimits.DEFAULTS)).isEqualTo(50);
        assertThat(load.markRead()).isNull();

        SendMessage send = (SendMessage) legacy("send_message");
        assertThat(send).isEqualTo(new SendMessage(CONVERSATION, "Hi Bob! Lunch at 12? 🍜", null, "text", null, null, null, null));
        assertThat(((SendMessage) legacy("send_message_reply")).replyToId()).isEqualTo("3c2b1a09-f8e7-4d6c-b5a4-938271605f4e");

        SendMessage late = (SendMessage) legacy("late_send_message_encrypted_contents");
        assertThat(late.content()).isNull();
        assertThat(late.encryptedContents()).containsOnlyKeys("0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", BOB);
    }

    @Test
    void legacyCreateConversationShapesResolveToTheRightType() {
        CreateConversation direct = (CreateConversation) legacy("create_conversation_direct");
        assertThat(direct.participantIds()).containsExactly(BOB);
        assertThat(direct.resolvedType(1)).isEqualTo(ConversationType.DIRECT);

        CreateConversation group = (CreateConversation) legacy("create_conversation_group");
        assertThat(group.name()).isEqualTo("Lunch crew");
        assertThat(group.resolvedType(2)).isEqualTo(ConversationType.GROUP);

        CreateConversation original = (CreateConversation) legacy("create_conversation_original_server_fields");
        assertThat(original.participantIds()).containsExactly(BOB, CAROL);
        assertThat(original.isGroup()).isTrue();
        assertThat(original.resolvedType(2)).isEqualTo(ConversationType.GROUP);
    }

    // --- frames we send, compared field by field with hand-written expectations ---

    private static final Instant CREATED = Instant.parse("2025-03-01T09:00:10.012Z");
    private static final User ALICE = User.of("u-alice", "alice", "Alice", null);
    private static final User BOB_USER = User.of("u-bob", "bob", "Bob", "https://example.org/bob.png");
    private static final Message M1 = new Message("m-1", "c-1", "u-alice", ALICE, "text", "Hi Bob!", null, null, null,
            Instant.parse("2025-03-01T09:01:02.015Z"), 1, "cm-a-1", null, null, null, null, null, null);
    private static final Message M2 = new Message("m-2", "c-1", "u-bob", BOB_USER, "text", "Hello!", "m-1",
            new ReplyPreview("m-1", "u-alice", "Hi Bob!", null), null, Instant.parse("2025-03-01T09:01:10.011Z"), 2, null,
            null, null, null, null, null, null);

    private static Conversation aliceViewOfNewDirect() {
        return Conversation.builder().id("c-1").type(ConversationType.DIRECT).name("Bob").avatarUrl("https://example.org/bob.png")
                .createdBy("u-alice").createdAt(CREATED).updatedAt(CREATED)
                .participants(List.of(new Participant("u-alice", Role.ADMIN, CREATED, ALICE),
                        new Participant("u-bob", Role.MEMBER, CREATED, BOB_USER)))
                .build();
    }

    private static void assertEncodesAs(String fixture, MessageType type, Object payload, String requestId, String timestamp) {
        JsonElement expected = JsonParser.parseString(fixture("server/" + fixture + ".json"));
        JsonElement actual = JsonParser.parseString(CODEC.encode(type, payload, requestId, Instant.parse(timestamp)));
        assertThat(actual).isEqualTo(expected);
    }

    @Test
    void authSuccessHasTheUnionOfUserFields() {
        assertEncodesAs("auth_success", MessageType.AUTH_SUCCESS,
                new AuthSuccess(AuthUser.of(ALICE, "alice@example.org", null, null), Instant.parse("2025-03-01T10:00:00Z"), 1,
                        List.of(), new Limits(1048576, 65536, 26214400, 49152)),
                "a1", "2025-03-01T09:00:00.041Z");
    }

    @Test
    void conversationCreatedHasTheConversationInlineAndNestedAndCreated() {
        assertEncodesAs("conversation_created", MessageType.CONVERSATION_CREATED,
                ConversationCreated.of(aliceViewOfNewDirect(), true), "a2", "2025-03-01T09:00:10.020Z");
    }

    @Test
    void messageSentHasTheFullBaseMessage() {
        assertEncodesAs("message_sent", MessageType.MESSAGE_SENT, MessageSent.of(M1, false), "a5", "2025-03-01T09:01:02.020Z");
    }

    @Test
    void messagesLoadedHasTheFieldsTheLegacyListReads() {
        assertEncodesAs("messages_loaded", MessageType.MESSAGES_LOADED, new MessagesLoaded("c-1", List.of(M1, M2), false, null),
                "b4", "2025-03-01T09:05:00.006Z");
    }

    @Test
    void typingUpdateHasUserIdAndIsTyping() {
        assertEncodesAs("typing_update", MessageType.TYPING_UPDATE, new TypingUpdate("c-1", "u-alice", "alice", true),
                "s-03", "2025-03-01T09:01:00.003Z");
    }

    @Test
    void anErrorAnswerHasAStringErrorTheCodeAndTheDetails() {
        ProtocolException e = Frames.refused("{\"type\":\"join_conversation\",\"payload\":{},\"requestId\":\"b1\"}");
        assertEncodesAs("error_missing_fields", MessageType.ERROR, JsonCodec.errorPayload(e, null), "b1", "2025-03-01T09:00:11.009Z");
    }

    // --- rules that hold for every frame we send ---

    @Test
    void everyServerFrameHasTheEnvelopeTheLegacyClientAccepts() {
        List<String> problems = new ArrayList<>();
        Samples.serverPayloads().forEach((type, payload) -> {
            for (String requestId : new String[] {null, "r-1"}) {
                JsonObject frame = Frames.json(CODEC.encode(type, payload, requestId, Instant.ofEpochSecond(1740819600, 123456789)));
                if (!frame.keySet().equals(Set.of("type", "payload", "requestId", "timestamp"))) {
                    problems.add(type + ": envelope keys " + frame.keySet());
                }
                if (!frame.get("payload").isJsonObject()) {
                    problems.add(type + ": payload is not an object");
                }
                JsonElement id = frame.get("requestId");
                if (!id.isJsonPrimitive() || !id.getAsJsonPrimitive().isString() || id.getAsString().isEmpty()
                        || (requestId == null && !UUID.matcher(id.getAsString()).matches())) {
                    problems.add(type + ": requestId " + id);
                }
                if (!frame.get("timestamp").getAsString().equals("2025-03-01T09:00:00.123Z")) {
                    problems.add(type + ": timestamp " + frame.get("timestamp"));
                }
                checkTimestamps(type + ".payload", frame.get("payload"), problems);
            }
        });
        assertThat(problems).isEmpty();
    }

    @Test
    void anAbsentPayloadIsWrittenAsAnEmptyObject() {
        JsonObject frame = Frames.json(CODEC.encode(MessageType.PONG, null, "p-1", Samples.T0));
        assertThat(frame.getAsJsonObject("payload").entrySet()).isEmpty();
    }

    @Test
    void theBaseTypesWeSendAreAllKnownToTheLegacyClient() {
        for (MessageType t : MessageType.values()) {
            if (t.extension() == null && t.isServerSendable()) {
                assertThat(LEGACY_CLIENT_TYPES).as("legacy client knows %s", t.wireName()).contains(t.wireName());
            }
        }
    }

    private static void checkTimestamps(String path, JsonElement el, List<String> problems) {
        if (el.isJsonObject()) {
            el.getAsJsonObject().entrySet().forEach(e -> {
                if (!e.getKey().equals("metadata")) {
                    checkTimestamps(path + "." + e.getKey(), e.getValue(), problems);
                }
            });
        } else if (el.isJsonArray()) {
            for (int i = 0; i < el.getAsJsonArray().size(); i++) {
                checkTimestamps(path + "[" + i + "]", el.getAsJsonArray().get(i), problems);
            }
        } else if (el.isJsonPrimitive() && el.getAsJsonPrimitive().isString()
                && LOOKS_LIKE_TIME.matcher(el.getAsString()).matches() && !WIRE_TIME.matcher(el.getAsString()).matches()) {
            problems.add(path + ": timestamp " + el.getAsString());
        }
    }

    @Test
    void resourcesUseSnakeCaseNamesThroughout() {
        List<String> problems = new ArrayList<>();
        for (Object resource : List.of(Samples.conversation(), Samples.room(), Samples.message(), Samples.reply(), Samples.fileMessage(),
                Samples.tombstone(), Samples.CAROL_WITH_PRESENCE, AuthUser.of(Samples.CAROL_WITH_PRESENCE, "c@example.org", "+1", "sub-1"))) {
            checkSnakeCase(resource.getClass().getSimpleName(), CODEC.toJsonTree(resource), problems);
        }
        assertThat(problems).isEmpty();
    }

    private static void checkSnakeCase(String path, JsonElement el, List<String> problems) {
        if (el.isJsonObject()) {
            for (Map.Entry<String, JsonElement> e : el.getAsJsonObject().entrySet()) {
                if (!SNAKE_CASE.matcher(e.getKey()).matches()) {
                    problems.add(path + "." + e.getKey());
                }
                // metadata is the client's own opaque object, apart from the file record the server writes.
                if (!e.getKey().equals("metadata")) {
                    checkSnakeCase(path + "." + e.getKey(), e.getValue(), problems);
                }
            }
        } else if (el.isJsonArray()) {
            el.getAsJsonArray().forEach(item -> checkSnakeCase(path + "[]", item, problems));
        }
    }

    @Test
    void fileInfoInMetadataIsSnakeCase() {
        JsonObject file = CODEC.toJsonTree(Samples.fileMessage()).getAsJsonObject().getAsJsonObject("metadata").getAsJsonObject("file");
        assertThat(file.keySet()).containsExactly("file_id", "name", "mime_type", "size", "sha256");
    }

    @Test
    void conversationAliasPairsAlwaysCarryTheSameValue() {
        String[][] pairs = {{"id", "conversation_id"}, {"type", "conversation_type"}, {"name", "conversation_name"},
            {"avatar_url", "conversation_avatar_url"}, {"latest_message_created_at", "last_message_at"}};
        Conversation withMessage = Conversation.builder().id("c-2").type(ConversationType.GROUP).name("Team")
                .avatarUrl("https://example.org/t.png").latestMessage(M2).build();
        for (Conversation c : List.of(Samples.conversation(), Samples.room(), aliceViewOfNewDirect(), withMessage)) {
            JsonObject json = CODEC.toJsonTree(c).getAsJsonObject();
            for (String[] pair : pairs) {
                assertThat(json.has(pair[0]) && json.has(pair[1])).as("both %s and %s present", pair[0], pair[1]).isTrue();
                assertThat(json.get(pair[1])).as(pair[1]).isEqualTo(json.get(pair[0]));
            }
        }
        JsonObject json = CODEC.toJsonTree(withMessage).getAsJsonObject();
        assertThat(json.get("latest_message_id").getAsString()).isEqualTo("m-2");
        assertThat(json.get("latest_message_content").getAsString()).isEqualTo("Hello!");
        assertThat(json.get("latest_message_sender_id").getAsString()).isEqualTo("u-bob");
        assertThat(json.get("latest_message_sender_username").getAsString()).isEqualTo("bob");
        assertThat(json.get("last_message_at").getAsString()).isEqualTo("2025-03-01T09:01:10.011Z");
    }

    @Test
    void nullableResourceFieldsArePresentAsNull() {
        JsonObject room = CODEC.toJsonTree(Conversation.builder().id("c-3").type(ConversationType.GROUP).build()).getAsJsonObject();
        for (String key : List.of("name", "conversation_name", "avatar_url", "conversation_avatar_url", "description", "group_id",
                "group_name", "created_by", "created_at", "updated_at", "latest_message_id", "latest_message_content",
                "latest_message_sender_id", "latest_message_sender_username", "latest_message_created_at", "last_message_at")) {
            assertThat(room.get(key)).as(key).isNotNull().satisfies(v -> assertThat(v.isJsonNull()).isTrue());
        }
        assertThat(room.getAsJsonArray("participants")).isEmpty();

        JsonObject message = CODEC.toJsonTree(Samples.tombstone()).getAsJsonObject();
        for (String key : List.of("encrypted_content", "reply_to_id", "reply_to", "client_message_id", "edited_at")) {
            assertThat(message.get(key)).as(key).isNotNull().satisfies(v -> assertThat(v.isJsonNull()).isTrue());
        }
        assertThat(message.getAsJsonObject("metadata").entrySet()).as("metadata defaults to {}").isEmpty();
        assertThat(CODEC.toJsonTree(ALICE).getAsJsonObject().get("avatar_url").isJsonNull()).isTrue();
    }

    @Test
    void presenceFieldsOfUsersAppearOnlyWithAStatus() {
        assertThat(CODEC.toJsonTree(ALICE).getAsJsonObject().keySet()).containsExactly("id", "username", "display_name", "avatar_url");
        JsonObject away = CODEC.toJsonTree(ALICE.withPresence("away", null, null)).getAsJsonObject();
        assertThat(away.keySet()).containsExactly("id", "username", "display_name", "avatar_url", "status", "custom_status", "last_seen");
        assertThat(away.get("custom_status").isJsonNull()).isTrue();

        JsonObject authUser = CODEC.toJsonTree(AuthUser.of(ALICE, null, null, null)).getAsJsonObject();
        assertThat(authUser.keySet()).containsExactly("id", "username", "display_name", "avatar_url", "email", "phone", "auth_user_id");
    }

    @Test
    void threadAndReactionFieldsOfMessagesAppearOnlyWhereTheirExtensionSetsThem() {
        JsonObject plain = CODEC.toJsonTree(M1).getAsJsonObject();
        assertThat(plain.keySet()).containsExactly("id", "conversation_id", "sender_id", "sender", "message_type", "encrypted_content",
                "reply_to_id", "reply_to", "metadata", "created_at", "seq", "client_message_id", "edited_at", "deleted_at");

        Message threaded = new Message("m-5", "c-1", "u-bob", BOB_USER, "text", "x", null, null, null, CREATED, 5, null, null, null,
                null, 0, null, List.of());
        JsonObject withExtensions = CODEC.toJsonTree(threaded).getAsJsonObject();
        assertThat(withExtensions.keySet()).contains("thread_root_id", "thread_reply_count", "thread_last_reply_at", "reactions");
        assertThat(withExtensions.get("thread_root_id").isJsonNull()).isTrue();
        assertThat(withExtensions.get("thread_last_reply_at").isJsonNull()).isTrue();
        assertThat(withExtensions.get("thread_reply_count").getAsInt()).isZero();
        assertThat(withExtensions.getAsJsonArray("reactions")).isEmpty();
    }

    @Test
    void optionalPayloadFieldsAreLeftOutUnlessSet() {
        assertThat(Frames.json(CODEC.toJson(MessageSent.of(M1, false))).has("duplicate")).isFalse();
        assertThat(Frames.json(CODEC.toJson(MessageSent.of(M1, true))).get("duplicate").getAsBoolean()).isTrue();
        assertThat(Frames.json(CODEC.toJson(new MessagesLoaded("c-1", List.of(), false, null))).keySet())
                .containsExactly("conversationId", "messages", "hasMore");
        assertThat(Frames.json(CODEC.toJson(new ErrorPayload("x", "SERVER_ERROR", null, null, null))).keySet())
                .containsExactly("error", "code", "requestId");
        assertThat(Frames.json(CODEC.toJson(new ErrorPayload("x", "SERVER_ERROR", null, null, null))).get("requestId").isJsonNull())
                .as("an error's requestId is null, not absent, when the failed frame had none").isTrue();
        assertThat(Frames.json(CODEC.toJson(new CallStatus("call-1", "relayed", null, null))).keySet())
                .containsExactly("callId", "status");
        assertThat(Frames.json(CODEC.toJson(new CallStatus("call-1", "calling", BOB_USER, null))).getAsJsonObject("targetUser")
                .get("username").getAsString()).isEqualTo("bob");
        assertThat(Frames.json(CODEC.toJson(new CallStatus("call-1", "ended", null, Optional.empty()))).keySet())
                .containsExactly("callId", "status", "duration");
    }

    @Test
    void conversationCreatedIsTheSameConversationTwice() {
        JsonObject payload = CODEC.toJsonTree(ConversationCreated.of(Samples.conversation(), false)).getAsJsonObject();
        JsonObject nested = payload.getAsJsonObject("conversation");
        JsonObject inline = payload.deepCopy();
        inline.remove("conversation");
        inline.remove("created");
        assertThat(inline).isEqualTo(nested);
        assertThat(payload.get("created").getAsBoolean()).isFalse();
        assertThat(payload.get("id").getAsString()).isEqualTo("c-1");
    }
}
