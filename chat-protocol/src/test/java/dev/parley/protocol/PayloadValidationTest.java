package dev.parley.protocol;

import static dev.parley.protocol.Frames.read;
import static dev.parley.protocol.Frames.refused;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.model.ConversationType;
import dev.parley.protocol.payload.AuthPayloads.Auth;
import dev.parley.protocol.payload.CallPayloads.CallOffer;
import dev.parley.protocol.payload.ConversationPayloads.CreateConversation;
import dev.parley.protocol.payload.EditPayloads.EditMessage;
import dev.parley.protocol.payload.FilePayloads.FileChunk;
import dev.parley.protocol.payload.FilePayloads.FileUploadComplete;
import dev.parley.protocol.payload.MessagePayloads.LoadMessages;
import dev.parley.protocol.payload.MessagePayloads.LoadMoreMessages;
import dev.parley.protocol.payload.MessagePayloads.SendMessage;
import dev.parley.protocol.payload.PresencePayloads.SetPresence;
import dev.parley.protocol.payload.ResumePayloads.Resume;
import dev.parley.protocol.payload.SearchPayloads.SearchMessages;
import dev.parley.protocol.payload.ThreadPayloads.LoadThread;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** One test per validation rule, each pinning the wire error code and its {@code details}. */
class PayloadValidationTest {
    private static final ProtocolLimits DEFAULTS = ProtocolLimits.DEFAULTS;

    static String quoted(String s) {
        return Frames.CODEC.toJson(s);
    }

    static void assertInvalid(ProtocolException e, String field, String reason) {
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_DATA);
        assertThat(e.details()).containsEntry("field", field).containsEntry("reason", reason);
        assertThat(e.requestId()).isEqualTo("r-1");
    }

    static void assertMissing(ProtocolException e, String... fields) {
        assertThat(e.code()).isEqualTo(ErrorCode.MISSING_REQUIRED_FIELDS);
        assertThat(e.details()).containsOnlyKeys("fields").containsEntry("fields", List.of(fields));
        assertThat(e.requestId()).isEqualTo("r-1");
    }

    static void assertTooLarge(ProtocolException e, String field, long maxBytes) {
        assertThat(e.code()).isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE);
        assertThat(e.details()).containsOnly(Map.entry("field", field), Map.entry("maxBytes", maxBytes));
    }

    static void assertTooManyItems(ProtocolException e, String field, long maxItems) {
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_DATA);
        assertThat(e.details()).containsEntry("field", field).containsEntry("maxItems", maxItems);
    }

    @Nested
    class MissingRequiredFields {
        @Test
        void everyMissingFieldIsListedAtOnceInComponentOrder() {
            assertMissing(refused("load_more_messages", "{}"), "conversationId", "beforeMessageId");
            assertMissing(refused("file_upload_start", "{\"sha256\":null}"), "conversationId", "fileName", "mimeType", "size");
            assertMissing(refused("add_reaction", "{\"messageId\":\"m-1\"}"), "conversationId", "emoji");
        }

        @Test
        void anEmptyStringCountsAsMissing() {
            assertMissing(refused("join_conversation", "{\"conversationId\":\"\"}"), "conversationId");
            assertMissing(refused("auth", "{\"token\":\"\"}"), "token");
        }

        @Test
        void nullCountsAsMissing() {
            assertMissing(refused("typing_start", "{\"conversationId\":null}"), "conversationId");
            assertMissing(refused("auth", "{\"token\":null,\"extensions\":null}"), "token");
        }

        @Test
        void anEmptyArrayCountsAsMissing() {
            assertMissing(refused("create_conversation", "{\"type\":\"group\",\"participant_ids\":[]}"), "participant_ids");
            assertMissing(refused("get_presence", "{\"userIds\":[]}"), "userIds");
            assertMissing(refused("resume", "{\"conversations\":[]}"), "conversations");
        }

        @Test
        void missingFieldsOfNestedEntriesNameTheirPath() {
            assertMissing(refused("resume", "{\"conversations\":[{\"conversationId\":\"c-1\",\"lastSeq\":0},{\"conversationId\":\"\"}]}"),
                    "conversations[1].conversationId", "conversations[1].lastSeq");
        }

        @Test
        void aZeroNumberIsPresent() {
            Resume r = read("resume", "{\"conversations\":[{\"conversationId\":\"c-1\",\"lastSeq\":0}]}", Resume.class);
            assertThat(r.conversations().get(0).lastSeq()).isZero();
        }
    }

    @Nested
    class WrongJsonTypes {
        @ParameterizedTest
        @ValueSource(strings = {"5", "true", "[\"c-1\"]", "{\"id\":\"c-1\"}"})
        void aStringFieldRefusesOtherTypes(String value) {
            assertInvalid(refused("join_conversation", "{\"conversationId\":" + value + "}"), "conversationId", "must be a string");
        }

        @ParameterizedTest
        @ValueSource(strings = {"\"20\"", "1.5", "20.0", "1e2", "true", "[20]", "{}"})
        void anIntegerFieldRefusesOtherTypesAndFractions(String value) {
            assertInvalid(refused("load_messages", "{\"conversationId\":\"c-1\",\"limit\":" + value + "}"), "limit", "must be an integer");
        }

        @Test
        void anIntegerFieldRefusesValuesBeyond32Bits() {
            assertInvalid(refused("load_messages", "{\"conversationId\":\"c-1\",\"limit\":3000000000}"), "limit",
                    "must be an integer within 32 bits");
        }

        @ParameterizedTest
        @ValueSource(strings = {"\"true\"", "1", "0", "[]", "{}"})
        void aBooleanFieldRefusesOtherTypes(String value) {
            assertInvalid(refused("load_messages", "{\"conversationId\":\"c-1\",\"markRead\":" + value + "}"), "markRead", "must be a boolean");
        }

        @ParameterizedTest
        @ValueSource(strings = {"\"u-bob\"", "7", "{\"0\":\"u-bob\"}", "true"})
        void anArrayFieldRefusesOtherTypes(String value) {
            assertInvalid(refused("create_conversation", "{\"participant_ids\":" + value + "}"), "participant_ids", "must be an array");
        }

        @Test
        void arrayItemsAreCheckedOneByOne() {
            assertInvalid(refused("create_conversation", "{\"participant_ids\":[\"u-bob\",null]}"), "participant_ids[1]", "must not be null");
            assertInvalid(refused("create_conversation", "{\"participant_ids\":[7]}"), "participant_ids[0]", "must be a string");
            assertInvalid(refused("create_conversation", "{\"participant_ids\":[\"u-bob\",\"\"]}"), "participant_ids",
                    "must hold non-empty user ids");
        }

        @ParameterizedTest
        @ValueSource(strings = {"[]", "\"{}\"", "3", "false"})
        void anObjectFieldRefusesOtherTypes(String value) {
            assertInvalid(refused("send_message", "{\"conversationId\":\"c-1\",\"content\":\"x\",\"metadata\":" + value + "}"),
                    "metadata", "must be an object");
            assertInvalid(refused("send_message", "{\"conversationId\":\"c-1\",\"encryptedContents\":" + value + "}"),
                    "encryptedContents", "must be an object");
        }

        @Test
        void mapValuesAreCheckedOneByOne() {
            assertInvalid(refused("send_message", "{\"conversationId\":\"c-1\",\"encryptedContents\":{\"u-bob\":5}}"),
                    "encryptedContents.u-bob", "must be a string");
            assertInvalid(refused("send_message", "{\"conversationId\":\"c-1\",\"encryptedContents\":{\"u-bob\":null}}"),
                    "encryptedContents.u-bob", "must not be null");
        }

        @ParameterizedTest
        @ValueSource(strings = {"\"yesterday\"", "\"2025-03-01\"", "\"2025-03-01T09:00:00\"", "\"2025-13-01T09:00:00Z\""})
        void aTimestampFieldRefusesTextThatIsNotRfc3339(String value) {
            assertInvalid(refused("resume", "{\"conversations\":[{\"conversationId\":\"c-1\",\"lastSeq\":1}],\"since\":" + value + "}"),
                    "since", "must be an RFC 3339 timestamp");
        }

        @Test
        void aTimestampFieldRefusesNumbers() {
            assertInvalid(refused("resume", "{\"conversations\":[{\"conversationId\":\"c-1\",\"lastSeq\":1}],\"since\":1740819600000}"),
                    "since", "must be a string");
        }

        @Test
        void nestedEntriesMustBeObjectsAndNameTheirPath() {
            assertInvalid(refused("resume", "{\"conversations\":[\"c-1\"]}"), "conversations[0]", "must be an object");
            assertInvalid(refused("resume", "{\"conversations\":[{\"conversationId\":5,\"lastSeq\":1}]}"),
                    "conversations[0].conversationId", "must be a string");
            assertInvalid(refused("resume", "{\"conversations\":[{\"conversationId\":\"c-1\",\"lastSeq\":1},"
                    + "{\"conversationId\":\"c-2\",\"lastSeq\":-1}]}"), "conversations[1].lastSeq", "must be at least 0");
        }

        @Test
        void identifiersLongerThan128CharactersAreInvalid() {
            String id = "c".repeat(129);
            assertInvalid(refused("join_conversation", "{\"conversationId\":\"" + id + "\"}"), "conversationId", "at most 128 characters");
            assertThat(read("join_conversation", "{\"conversationId\":\"" + "c".repeat(128) + "\"}", Record.class)).isNotNull();
        }
    }

    @Nested
    class Sizes {
        private String sendContent(String content) {
            return "{\"conversationId\":\"c-1\",\"content\":" + quoted(content) + "}";
        }

        @Test
        void contentOfExactly64KibIsAcceptedAndOneByteMoreIsTooLarge() {
            SendMessage ok = read("send_message", sendContent("a".repeat(65536)), SendMessage.class);
            assertThat(ok.content()).hasSize(65536);

            assertTooLarge(refused("send_message", sendContent("a".repeat(65537))), "content", 65536);
        }

        @Test
        void contentIsMeasuredInUtf8BytesNotCharacters() {
            assertThat(read("send_message", sendContent("é".repeat(32768)), SendMessage.class).content()).hasSize(32768);
            assertTooLarge(refused("send_message", sendContent("é".repeat(32768) + "a")), "content", 65536);

            assertThat(read("send_message", sendContent("😀".repeat(16384)), SendMessage.class).content()).hasSize(32768);
            assertTooLarge(refused("send_message", sendContent("😀".repeat(16384) + "a")), "content", 65536);

            // 21,846 characters of three bytes each: far fewer characters than bytes, still too large.
            assertTooLarge(refused("send_message", sendContent("€".repeat(21846))), "content", 65536);
        }

        @Test
        void editedContentHasTheSameLimit() {
            assertTooLarge(refused("edit_message", "{\"conversationId\":\"c-1\",\"messageId\":\"m-1\",\"content\":"
                    + quoted("x".repeat(65537)) + "}"), "content", 65536);
        }

        @Test
        void eachEncryptedContentsValueHasTheContentLimit() {
            String ok = "{\"conversationId\":\"c-1\",\"encryptedContents\":{\"u-alice\":" + quoted("a".repeat(65536))
                    + ",\"u-bob\":" + quoted("b".repeat(65536)) + "}}";
            assertThat(read("send_message", ok, SendMessage.class).encryptedContents()).hasSize(2);

            String tooLarge = "{\"conversationId\":\"c-1\",\"encryptedContents\":{\"u-alice\":\"a\",\"u-bob\":"
                    + quoted("b".repeat(65537)) + "}}";
            assertTooLarge(refused("send_message", tooLarge), "encryptedContents", 65536);
        }

        @Test
        void metadataIsLimitedTo4KibSerialized() {
            // {"k":"..."} is 8 bytes around the value.
            String ok = "{\"conversationId\":\"c-1\",\"content\":\"x\",\"metadata\":{\"k\":\"" + "m".repeat(4088) + "\"}}";
            assertThat(read("send_message", ok, SendMessage.class).metadata().toString()).hasSize(4096);

            String tooLarge = "{\"conversationId\":\"c-1\",\"content\":\"x\",\"metadata\":{\"k\":\"" + "m".repeat(4089) + "\"}}";
            assertTooLarge(refused("send_message", tooLarge), "metadata", 4096);
        }

        @Test
        void aConversationNameOfMoreThan100CharactersIsTooLarge() {
            CreateConversation ok = read("create_conversation",
                    "{\"participant_ids\":[\"u-bob\"],\"name\":" + quoted("🎉".repeat(100)) + "}", CreateConversation.class);
            assertThat(ok.name().codePointCount(0, ok.name().length())).isEqualTo(100);

            ProtocolException e = refused("create_conversation", "{\"participant_ids\":[\"u-bob\"],\"name\":" + quoted("n".repeat(101)) + "}");
            assertThat(e.code()).isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE);
            assertThat(e.details()).containsEntry("field", "name").containsEntry("maxChars", 100L);
        }

        @Test
        void aCustomStatusOfMoreThan100CharactersIsTooLarge() {
            ProtocolException e = refused("set_presence", "{\"status\":\"away\",\"customStatus\":" + quoted("s".repeat(101)) + "}");
            assertThat(e.code()).isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE);
            assertThat(e.details()).containsEntry("field", "customStatus").containsEntry("maxChars", 100L);
        }

        @Test
        void anEmojiIsAtMost32Bytes() {
            String emoji = "👩‍👩‍👧‍👦"; // a family: 25 bytes in one grapheme
            assertThat(read("add_reaction", "{\"conversationId\":\"c-1\",\"messageId\":\"m-1\",\"emoji\":" + quoted(emoji) + "}", Record.class))
                    .isNotNull();
            assertTooLarge(refused("add_reaction", "{\"conversationId\":\"c-1\",\"messageId\":\"m-1\",\"emoji\":"
                    + quoted(emoji + "👍👍") + "}"), "emoji", 32);
        }

        @Test
        void aPublicKeyIsAtMost8Kib() {
            assertThat(read("publish_key", "{\"keyType\":\"x25519\",\"publicKey\":" + quoted("k".repeat(8192)) + "}", Record.class)).isNotNull();
            assertTooLarge(refused("publish_key", "{\"keyType\":\"x25519\",\"publicKey\":" + quoted("k".repeat(8193)) + "}"),
                    "publicKey", 8192);
        }

        @Test
        void anOpaqueCallStringIsMeasuredByItsTextAndAnObjectByItsJson() {
            CallOffer ok = read("call_offer", "{\"targetUserId\":\"u-bob\",\"sdpOffer\":" + quoted("v".repeat(65536)) + "}", CallOffer.class);
            assertThat(ok.sdpOffer().getAsString()).hasSize(65536);
            assertTooLarge(refused("call_offer", "{\"targetUserId\":\"u-bob\",\"sdpOffer\":" + quoted("v".repeat(65537)) + "}"),
                    "sdpOffer", 65536);
            // {"sdp":"..."} is 10 bytes around the value.
            assertTooLarge(refused("call_answer", "{\"callId\":\"call-1\",\"sdpAnswer\":{\"sdp\":" + quoted("v".repeat(65527)) + "}}"),
                    "sdpAnswer", 65536);
        }

        @Test
        void aFileLargerThanMaxFileBytesIsRefusedAtStart() {
            String start = "{\"conversationId\":\"c-1\",\"fileName\":\"a.bin\",\"mimeType\":\"application/octet-stream\",\"size\":";
            assertThat(read("file_upload_start", start + DEFAULTS.maxFileBytes() + "}", Record.class)).isNotNull();
            assertTooLarge(refused("file_upload_start", start + (DEFAULTS.maxFileBytes() + 1) + "}"), "size", DEFAULTS.maxFileBytes());
            assertInvalid(refused("file_upload_start", start + "0}"), "size", "must be at least 1");
        }

        @Test
        void limitsFollowTheCodecsConfiguration() {
            JsonCodec small = new JsonCodec(ProtocolLimits.builder().maxContentBytes(10).maxMetadataBytes(20).maxNameChars(3).build());
            assertTooLarge(Frames.refused(small, Frames.frame("send_message", "{\"conversationId\":\"c\",\"content\":\"12345678901\"}")),
                    "content", 10);
            assertThat(Frames.read(small, Frames.frame("send_message", "{\"conversationId\":\"c\",\"content\":\"1234567890\"}"))).isNotNull();
            ProtocolException name = Frames.refused(small, Frames.frame("create_conversation", "{\"participant_ids\":[\"u\"],\"name\":\"abcd\"}"));
            assertThat(name.details()).containsEntry("maxChars", 3L);
        }
    }

    @Nested
    class ItemCounts {
        private String ids(int n) {
            return IntStream.range(0, n).mapToObj(i -> "\"u-" + i + "\"").collect(Collectors.joining(",", "[", "]"));
        }

        @Test
        void getPresenceTakesAtMost200UserIds() {
            assertThat(read("get_presence", "{\"userIds\":" + ids(200) + "}", Record.class)).isNotNull();
            assertTooManyItems(refused("get_presence", "{\"userIds\":" + ids(201) + "}"), "userIds", 200);
            assertTooManyItems(refused("get_keys", "{\"userIds\":" + ids(201) + "}"), "userIds", 200);
        }

        @Test
        void authTakesAtMost32Extensions() {
            assertThat(read("auth", "{\"token\":\"t\",\"extensions\":" + ids(32) + "}", Auth.class).extensions()).hasSize(32);
            assertTooManyItems(refused("auth", "{\"token\":\"t\",\"extensions\":" + ids(33) + "}"), "extensions", 32);
        }

        @Test
        void encryptedContentsTakesAtMost256Recipients() {
            String copies = IntStream.range(0, 257).mapToObj(i -> "\"u-" + i + "\":\"ct\"").collect(Collectors.joining(",", "{", "}"));
            assertTooManyItems(refused("send_message", "{\"conversationId\":\"c-1\",\"encryptedContents\":" + copies + "}"),
                    "encryptedContents", 256);
        }

        @Test
        void resumeTakesAtMost100Conversations() {
            String entries = IntStream.range(0, 101).mapToObj(i -> "{\"conversationId\":\"c-" + i + "\",\"lastSeq\":0}")
                    .collect(Collectors.joining(",", "[", "]"));
            assertTooManyItems(refused("resume", "{\"conversations\":" + entries + "}"), "conversations", 100);
        }

        @Test
        void aGroupHasAtMost256DistinctIdsIncludingTheCreator() {
            Record ok = read(Frames.frame("create_conversation", "{\"type\":\"group\",\"participant_ids\":" + ids(256) + "}"));
            assertThat(((CreateConversation) ok).distinctParticipantIds()).hasSize(256);
            assertTooManyItems(refused("create_conversation", "{\"type\":\"group\",\"participant_ids\":" + ids(257) + "}"),
                    "participant_ids", 255);
        }
    }

    @Nested
    class Patterns {
        private String send(String clientMessageId) {
            return "{\"conversationId\":\"c-1\",\"content\":\"x\",\"clientMessageId\":" + quoted(clientMessageId) + "}";
        }

        @ParameterizedTest
        @ValueSource(strings = {"cm-1", "5b0e7c1e-0f4e-4a53-9a55-2d7b1f3f7a10", "a.b_c:d-E9", "x"})
        void validClientMessageIdsAreAccepted(String id) {
            assertThat(read("send_message", send(id), SendMessage.class).clientMessageId()).isEqualTo(id);
        }

        @Test
        void aClientMessageIdOf64CharactersIsTheLongestAccepted() {
            assertThat(read("send_message", send("k".repeat(64)), SendMessage.class).clientMessageId()).hasSize(64);
            assertInvalid(refused("send_message", send("k".repeat(65))), "clientMessageId",
                    "1 to 64 characters of A-Z a-z 0-9 . _ : -");
        }

        @ParameterizedTest
        @ValueSource(strings = {"has space", "", "slash/no", "ümlaut", "semi;colon", "new\nline"})
        void clientMessageIdsOutsideThePatternAreInvalid(String id) {
            assertInvalid(refused("send_message", send(id)), "clientMessageId", "1 to 64 characters of A-Z a-z 0-9 . _ : -");
        }

        @Test
        void keyTypesAndHashesFollowTheirPatterns() {
            assertInvalid(refused("publish_key", "{\"publicKey\":\"k\",\"keyType\":\"X25519\"}"), "keyType",
                    "1 to 32 characters of a-z 0-9 _ -");
            assertInvalid(refused("file_upload_start", "{\"conversationId\":\"c-1\",\"fileName\":\"a\",\"mimeType\":\"text/plain\","
                    + "\"size\":1,\"sha256\":\"abc\"}"), "sha256", "64 hex digits");
        }
    }

    @Nested
    class OneOfAndRange {
        @ParameterizedTest
        @ValueSource(strings = {"video", "TEXT", "", "sticker"})
        void unknownMessageTypesAreInvalid(String messageType) {
            assertInvalid(refused("send_message", "{\"conversationId\":\"c-1\",\"content\":\"x\",\"messageType\":" + quoted(messageType) + "}"),
                    "messageType", "must be one of text, image, file, system");
        }

        @Test
        void aSystemMessageCannotBeSentByAClient() {
            assertInvalid(refused("send_message", "{\"conversationId\":\"c-1\",\"content\":\"x\",\"messageType\":\"system\"}"),
                    "messageType", "system messages are sent by the server only");
        }

        @Test
        void messageTypeDefaultsToText() {
            assertThat(read("send_message", "{\"conversationId\":\"c-1\",\"content\":\"x\"}", SendMessage.class).messageTypeOrDefault())
                    .isEqualTo("text");
        }

        @ParameterizedTest
        @ValueSource(strings = {"sleeping", "Online", "invisible"})
        void unknownPresenceStatusesAreInvalid(String status) {
            assertInvalid(refused("set_presence", "{\"status\":" + quoted(status) + "}"), "status", "must be one of online, away, busy, offline");
        }

        @Test
        void otherEnumeratedFields() {
            assertInvalid(refused("create_conversation", "{\"type\":\"room\",\"participant_ids\":[\"u-bob\"]}"), "type",
                    "must be one of direct, group");
            assertInvalid(refused("call_offer", "{\"targetUserId\":\"u-bob\",\"sdpOffer\":\"v=0\",\"callType\":\"screen\"}"), "callType",
                    "must be one of voice, video");
            assertInvalid(refused("file_upload_complete", "{\"uploadId\":\"up-1\",\"messageType\":\"text\"}"), "messageType",
                    "must be one of file, image");
        }

        @ParameterizedTest
        @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
        void aPageLimitBelowOneIsInvalid(int limit) {
            assertInvalid(refused("load_messages", "{\"conversationId\":\"c-1\",\"limit\":" + limit + "}"), "limit", "must be at least 1");
            assertInvalid(refused("load_thread", "{\"conversationId\":\"c-1\",\"threadRootId\":\"m-1\",\"limit\":" + limit + "}"), "limit",
                    "must be at least 1");
        }

        @ParameterizedTest
        @CsvSource({"1,1", "50,50", "100,100", "101,100", "500,100", "2147483647,100"})
        void largePageLimitsAreClampedToTheMaximum(int requested, int pageSize) {
            LoadMessages load = read("load_messages", "{\"conversationId\":\"c-1\",\"limit\":" + requested + "}", LoadMessages.class);
            assertThat(load.pageSize(DEFAULTS)).isEqualTo(pageSize);
            LoadMoreMessages more = read("load_more_messages",
                    "{\"conversationId\":\"c-1\",\"beforeMessageId\":\"m-9\",\"limit\":" + requested + "}", LoadMoreMessages.class);
            assertThat(more.pageSize(DEFAULTS)).isEqualTo(pageSize);
            LoadThread thread = read("load_thread", "{\"conversationId\":\"c-1\",\"threadRootId\":\"m-1\",\"limit\":" + requested + "}",
                    LoadThread.class);
            assertThat(thread.pageSize(DEFAULTS)).isEqualTo(pageSize);
        }

        @Test
        void anAbsentPageLimitMeansTheDefault() {
            assertThat(read("load_messages", "{\"conversationId\":\"c-1\"}", LoadMessages.class).pageSize(DEFAULTS)).isEqualTo(50);
            assertThat(read("load_messages", "{\"conversationId\":\"c-1\",\"limit\":null}", LoadMessages.class).pageSize(DEFAULTS))
                    .isEqualTo(50);
        }

        @Test
        void searchLimitsAreRefusedRatherThanClamped() {
            assertThat(read("search_messages", "{\"query\":\"lunch\"}", SearchMessages.class).limitOrDefault()).isEqualTo(20);
            assertThat(read("search_messages", "{\"query\":\"lunch\",\"limit\":50}", SearchMessages.class).limitOrDefault()).isEqualTo(50);
            assertInvalid(refused("search_messages", "{\"query\":\"lunch\",\"limit\":51}"), "limit", "must be within 1..50");
            assertInvalid(refused("search_messages", "{\"query\":" + quoted("q".repeat(201)) + "}"), "query", "at most 200 characters");
        }

        @Test
        void chunkIndexesStartAtZero() {
            assertThat(read("file_chunk_get", "{\"fileId\":\"f-1\",\"index\":0}", Record.class)).isNotNull();
            assertInvalid(refused("file_chunk_get", "{\"fileId\":\"f-1\",\"index\":-1}"), "index", "must be within 0..2147483647");
        }
    }

    @Nested
    class MessageBodies {
        @Test
        void contentAndEncryptedContentsTogetherAreInvalid() {
            assertInvalid(refused("send_message", "{\"conversationId\":\"c-1\",\"content\":\"x\",\"encryptedContents\":{\"u-bob\":\"ct\"}}"),
                    "content", "give either content or encryptedContents, not both");
            assertInvalid(refused("edit_message", "{\"conversationId\":\"c-1\",\"messageId\":\"m-1\",\"content\":\"x\","
                    + "\"encryptedContents\":{\"u-bob\":\"ct\"}}"), "content", "give either content or encryptedContents, not both");
            assertInvalid(refused("file_upload_complete", "{\"uploadId\":\"up-1\",\"content\":\"x\",\"encryptedContents\":{\"u-bob\":\"ct\"}}"),
                    "content", "give either content or encryptedContents, not both");
        }

        @ParameterizedTest
        @ValueSource(strings = {"{\"conversationId\":\"c-1\"}", "{\"conversationId\":\"c-1\",\"content\":\"\"}",
            "{\"conversationId\":\"c-1\",\"content\":null,\"encryptedContents\":{}}", "{\"conversationId\":\"c-1\",\"encryptedContents\":null}"})
        void aMessageWithoutABodyMissesContent(String payload) {
            assertMissing(refused("send_message", payload), "content");
        }

        @Test
        void anEditWithoutABodyMissesContent() {
            assertMissing(refused("edit_message", "{\"conversationId\":\"c-1\",\"messageId\":\"m-1\"}"), "content");
        }

        @Test
        void aFileMessageMayHaveNoBody() {
            FileUploadComplete done = read("file_upload_complete", "{\"uploadId\":\"up-1\"}", FileUploadComplete.class);
            assertThat(done.content()).isNull();
            assertThat(done.messageTypeOrDefault()).isEqualTo("file");
        }

        @Test
        void everyPerRecipientCopyNeedsAUserIdAndABody() {
            assertInvalid(refused("send_message", "{\"conversationId\":\"c-1\",\"encryptedContents\":{\"u-bob\":\"\"}}"),
                    "encryptedContents", "each entry needs a user id and a non-empty body");
            assertInvalid(refused("send_message", "{\"conversationId\":\"c-1\",\"encryptedContents\":{\"\":\"ct\"}}"),
                    "encryptedContents", "each entry needs a user id and a non-empty body");
        }

        @Test
        void perRecipientCopiesAreKeptAsGiven() {
            EditMessage edit = read("edit_message", "{\"conversationId\":\"c-1\",\"messageId\":\"m-1\",\"encryptedContents\":"
                    + "{\"u-alice\":\"ct-a\",\"u-bob\":\"ct-b\"}}", EditMessage.class);
            assertThat(edit.encryptedContents()).containsExactly(Map.entry("u-alice", "ct-a"), Map.entry("u-bob", "ct-b"));
        }
    }

    @Nested
    class CreateConversationRules {
        @Test
        void theOriginalServersParticipantIdsAndIsGroupAreAccepted() {
            CreateConversation c = read("create_conversation", "{\"participantIds\":[\"u-bob\",\"u-carol\"],\"isGroup\":true,\"name\":\"Team\"}",
                    CreateConversation.class);
            assertThat(c.participantIds()).containsExactly("u-bob", "u-carol");
            assertThat(c.resolvedType(2)).isEqualTo(ConversationType.GROUP);

            CreateConversation direct = read("create_conversation", "{\"participantIds\":[\"u-bob\"],\"isGroup\":false}",
                    CreateConversation.class);
            assertThat(direct.resolvedType(1)).isEqualTo(ConversationType.DIRECT);
        }

        @Test
        void canonicalFieldsWinOverTheOriginalOnes() {
            CreateConversation c = read("create_conversation",
                    "{\"participant_ids\":[\"u-bob\"],\"participantIds\":[\"u-mallory\"],\"type\":\"group\",\"isGroup\":false}",
                    CreateConversation.class);
            assertThat(c.participantIds()).containsExactly("u-bob");
            assertThat(c.resolvedType(1)).isEqualTo(ConversationType.GROUP);
        }

        @Test
        void nullCanonicalFieldsFallBackToTheOriginalOnes() {
            CreateConversation c = read("create_conversation", "{\"participant_ids\":null,\"participantIds\":[\"u-bob\"]}",
                    CreateConversation.class);
            assertThat(c.participantIds()).containsExactly("u-bob");
        }

        @Test
        void isGroupMustBeABoolean() {
            assertInvalid(refused("create_conversation", "{\"participantIds\":[\"u-bob\"],\"isGroup\":\"yes\"}"), "isGroup", "must be a boolean");
        }

        @Test
        void duplicatesAreRemovedInOrder() {
            CreateConversation c = read("create_conversation", "{\"participant_ids\":[\"u-bob\",\"u-carol\",\"u-bob\"]}",
                    CreateConversation.class);
            assertThat(c.distinctParticipantIds()).containsExactly("u-bob", "u-carol");
        }

        @ParameterizedTest(name = "{0} with {1} other(s) -> {2}")
        @CsvSource(delimiter = '|', value = {
            "{\"type\":\"direct\"}                      | 1 | DIRECT",
            "{\"type\":\"group\"}                       | 1 | GROUP",
            "{\"type\":\"direct\",\"isGroup\":true}     | 1 | DIRECT",
            "{\"isGroup\":true}                         | 1 | GROUP",
            "{\"isGroup\":false}                        | 3 | DIRECT",
            "{}                                         | 1 | DIRECT",
            "{\"name\":\"\"}                            | 1 | DIRECT",
            "{\"name\":\"Pair\"}                        | 1 | GROUP",
            "{}                                         | 2 | GROUP",
            "{}                                         | 0 | GROUP"})
        void resolvedTypeFollowsTypeThenIsGroupThenTheShape(String fields, int others, ConversationType expected) {
            String payload = fields.trim().replaceFirst("^\\{", "{\"participant_ids\":[\"u-x\"]" + (fields.trim().equals("{}") ? "" : ","));
            CreateConversation c = read("create_conversation", payload, CreateConversation.class);
            assertThat(c.resolvedType(others)).isEqualTo(expected);
        }
    }

    @Nested
    class PresenceRules {
        @Test
        void customStatusDistinguishesAbsentNullAndAValue() {
            assertThat(read("set_presence", "{\"status\":\"away\"}", SetPresence.class).customStatus()).isNull();
            assertThat(read("set_presence", "{\"status\":\"away\",\"customStatus\":null}", SetPresence.class).customStatus())
                    .isEqualTo(Optional.empty());
            assertThat(read("set_presence", "{\"status\":\"away\",\"customStatus\":\"Lunch\"}", SetPresence.class).customStatus())
                    .contains("Lunch");
        }

        @Test
        void customStatusMustBeAString() {
            assertInvalid(refused("set_presence", "{\"status\":\"away\",\"customStatus\":5}"), "customStatus", "must be a string");
        }

        @Test
        void statusIsRequired() {
            assertMissing(refused("set_presence", "{\"customStatus\":\"x\"}"), "status");
        }
    }

    @Nested
    class FileChunks {
        private String chunk(String data) {
            return "{\"uploadId\":\"up-1\",\"index\":0,\"data\":" + quoted(data) + "}";
        }

        @ParameterizedTest
        @ValueSource(strings = {"AAECAw==", "AAECAwQ=", "AAECAwQF", "+/+/", "QQ=="})
        void standardBase64IsAccepted(String data) {
            assertThat(read("file_chunk", chunk(data), FileChunk.class).data()).isEqualTo(data);
        }

        @ParameterizedTest
        @ValueSource(strings = {"AAECAw=", "AAECA", "AA*A", "A===", "AAAA====", "AA=A", "-_-_", "AAAA\nAAAA", "AAAA AAAA", "ÄÄÄÄ"})
        void anythingElseIsInvalid(String data) {
            assertInvalid(refused("file_chunk", chunk(data)), "data", "must be standard base64");
        }

        @Test
        void emptyDataIsMissing() {
            assertMissing(refused("file_chunk", chunk("")), "data");
        }

        @Test
        void aChunkDecodesToAtMostFileChunkBytes() {
            assertThat(read("file_chunk", chunk("A".repeat(65536)), FileChunk.class).data()).hasSize(65536);
            assertTooLarge(refused("file_chunk", chunk("A".repeat(65540))), "data", 49152);
        }

        @Test
        void theIndexIsANonNegativeInteger() {
            assertInvalid(refused("file_chunk", "{\"uploadId\":\"up-1\",\"index\":-1,\"data\":\"AAAA\"}"), "index", "must be within 0..2147483647");
            assertInvalid(refused("file_chunk", "{\"uploadId\":\"up-1\",\"index\":\"0\",\"data\":\"AAAA\"}"), "index", "must be an integer");
        }
    }

    @Test
    void unpairedSurrogatesInOpaqueJsonAreInvalid() {
        assertInvalid(refused("send_message", "{\"conversationId\":\"c-1\",\"content\":\"x\",\"metadata\":{\"k\":[\"ok\",\"\\uD800\"]}}"),
                "metadata", "must be valid Unicode (unpaired surrogate)");
        assertInvalid(refused("send_message", "{\"conversationId\":\"c-1\",\"content\":\"x\",\"metadata\":{\"\\uDC00\":1}}"),
                "metadata", "must be valid Unicode (unpaired surrogate)");
        assertInvalid(refused("call_ice_candidate", "{\"callId\":\"call-1\",\"candidate\":\"\\uD83D\"}"),
                "candidate", "must be valid Unicode (unpaired surrogate)");
        assertInvalid(refused("send_message", "{\"conversationId\":\"c-1\",\"encryptedContents\":{\"\\uD800\":\"ct\"}}"),
                "encryptedContents", "keys must be valid Unicode");
    }
}
