package dev.parley.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.parley.core.memory.FileSystemBlobStore;
import dev.parley.core.testkit.TestAuthenticator;
import dev.parley.protocol.Extension;
import dev.parley.protocol.ProtocolLimits;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** File transfer (protocol 6.9) on the file-system blob store. */
class FilesTest extends EngineHarness {
    private static final int CHUNK = 16;
    private static final byte[] FILE = "The quick brown fox jumps over the lazy dog. 0123456789".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;
    private Client alice;
    private Client bob;
    private String conv;

    @BeforeEach
    void setUp() throws Exception {
        EngineConfig config = EngineConfig.builder()
                .limits(ProtocolLimits.builder().fileChunkBytes(CHUNK).maxFileBytes(1000).build())
                .fileQuotaPerUser(200)
                .extensions(Set.of(Extension.FILES, Extension.EDITS)).build();
        engine = ChatEngine.builder().store(store).authenticator(new TestAuthenticator()).clock(clock).config(config)
                .blobStore(new FileSystemBlobStore(dir)).build();
        engine.start();
        alice = login("alice", "files", "edits");
        bob = login("bob", "files");
        conv = createConversation(alice, "direct", "bob");
        bob.next("conversation_created");
        bob.call("join_conversation", "{\"conversationId\":\"" + conv + "\"}");
    }

    @org.junit.jupiter.api.AfterEach
    void closeEngine() {
        engine.close();
    }

    private static String sha(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    private static String chunk(int index) {
        int from = index * CHUNK;
        int to = Math.min(FILE.length, from + CHUNK);
        byte[] part = java.util.Arrays.copyOfRange(FILE, from, to);
        return Base64.getEncoder().encodeToString(part);
    }

    private String start(Client c, String sha) {
        JsonObject ready = payload(c.call("file_upload_start", "{\"conversationId\":\"" + conv
                + "\",\"fileName\":\"fox.txt\",\"mimeType\":\"text/plain\",\"size\":" + FILE.length
                + (sha == null ? "" : ",\"sha256\":\"" + sha + "\"") + "}"));
        assertThat(ready.get("chunkBytes").getAsInt()).isEqualTo(CHUNK);
        assertThat(ready.get("chunkCount").getAsInt()).isEqualTo(4);
        return ready.get("uploadId").getAsString();
    }

    private JsonObject send(Client c, String uploadId, int index) {
        return c.call("file_chunk", "{\"uploadId\":\"" + uploadId + "\",\"index\":" + index + ",\"data\":\"" + chunk(index) + "\"}");
    }

    @Test
    void uploadInAnyOrderThenDownloadTheSameBytes() throws Exception {
        String id = start(alice, sha(FILE));
        for (int i : new int[] {2, 0, 3, 1}) {
            assertThat(send(alice, id, i).get("type").getAsString()).isEqualTo("file_chunk_ack");
        }
        assertThat(payload(send(alice, id, 2)).get("receivedBytes").getAsLong()).isEqualTo(FILE.length); // resend: same data
        JsonObject sent = payload(alice.call("file_upload_complete", "{\"uploadId\":\"" + id + "\",\"content\":\"caption\"}"));
        JsonObject file = sent.getAsJsonObject("message").getAsJsonObject("metadata").getAsJsonObject("file");
        assertThat(file.get("name").getAsString()).isEqualTo("fox.txt");
        assertThat(file.get("sha256").getAsString()).isEqualTo(sha(FILE));
        assertThat(sent.getAsJsonObject("message").get("message_type").getAsString()).isEqualTo("file");
        String fileId = file.get("file_id").getAsString();
        bob.next("message_received");

        JsonObject ready = payload(bob.call("file_download", "{\"fileId\":\"" + fileId + "\"}"));
        assertThat(ready.get("size").getAsLong()).isEqualTo(FILE.length);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        for (int i = 0; i < ready.get("chunkCount").getAsInt(); i++) {
            JsonObject data = payload(bob.call("file_chunk_get", "{\"fileId\":\"" + fileId + "\",\"index\":" + i + "}"));
            got.write(Base64.getDecoder().decode(data.get("data").getAsString()));
            assertThat(data.get("last").getAsBoolean()).isEqualTo(i == 3);
        }
        assertThat(got.toByteArray()).isEqualTo(FILE);

        Client eve = login("eve", "files");
        eve.callError("file_download", "{\"fileId\":\"" + fileId + "\"}", "ACCESS_DENIED");
        bob.callError("file_download", "{\"fileId\":\"00000000-0000-0000-0000-000000000000\"}", "NOT_FOUND");
        String messageId = sent.getAsJsonObject("message").get("id").getAsString();
        alice.call("delete_message", "{\"conversationId\":\"" + conv + "\",\"messageId\":\"" + messageId + "\"}");
        bob.callError("file_download", "{\"fileId\":\"" + fileId + "\"}", "NOT_FOUND");
    }

    @Test
    void completionNeedsEveryChunkAndTheAnnouncedChecksum() throws Exception {
        String id = start(alice, sha("something else".getBytes(StandardCharsets.UTF_8)));
        send(alice, id, 0);
        alice.callError("file_upload_complete", "{\"uploadId\":\"" + id + "\"}", "INVALID_DATA");
        for (int i = 1; i < 4; i++) {
            send(alice, id, i);
        }
        JsonObject err = alice.callError("file_upload_complete", "{\"uploadId\":\"" + id + "\"}", "INVALID_DATA");
        assertThat(err.getAsJsonObject("details").get("field").getAsString()).isEqualTo("sha256");
        bob.transport.expectNothing(Duration.ofMillis(200));
        assertThat(alice.call("file_upload_cancel", "{\"uploadId\":\"" + id + "\"}").get("type").getAsString())
                .isEqualTo("file_upload_cancelled");
        alice.callError("file_chunk", "{\"uploadId\":\"" + id + "\",\"index\":0,\"data\":\"" + chunk(0) + "\"}", "NOT_FOUND");
    }

    @Test
    void chunksAreCheckedAgainstTheUpload() {
        String id = start(alice, null);
        send(alice, id, 0);
        alice.callError("file_chunk", "{\"uploadId\":\"" + id + "\",\"index\":0,\"data\":\"" + chunk(1) + "\"}", "CONFLICT");
        alice.callError("file_chunk", "{\"uploadId\":\"" + id + "\",\"index\":9,\"data\":\"" + chunk(1) + "\"}", "INVALID_DATA");
        alice.callError("file_chunk", "{\"uploadId\":\"" + id + "\",\"index\":3,\"data\":\"" + chunk(0) + "\"}", "INVALID_DATA");
        alice.callError("file_chunk", "{\"uploadId\":\"" + id + "\",\"index\":1,\"data\":\"not base64!\"}", "INVALID_DATA");
        bob.callError("file_chunk", "{\"uploadId\":\"" + id + "\",\"index\":1,\"data\":\"" + chunk(1) + "\"}", "NOT_FOUND");
    }

    @Test
    void anUploadSurvivesAReconnectUntilItIsIdleTooLong() {
        String id = start(alice, null);
        send(alice, id, 0);
        send(alice, id, 1);
        alice.close();
        Client again = login("alice", "files");
        send(again, id, 2);
        send(again, id, 3);
        assertThat(again.call("file_upload_complete", "{\"uploadId\":\"" + id + "\"}").get("type").getAsString())
                .isEqualTo("message_sent");

        String idle = start(again, null);
        clock.advance(Duration.ofSeconds(31));
        again.session.onPong();
        clock.advance(Duration.ofSeconds(30));
        engine.sweep();
        again.callError("file_chunk", "{\"uploadId\":\"" + idle + "\",\"index\":0,\"data\":\"" + chunk(0) + "\"}", "NOT_FOUND");
    }

    @Test
    void sizeQuotaAndConcurrentUploadLimits() {
        alice.callError("file_upload_start", "{\"conversationId\":\"" + conv
                + "\",\"fileName\":\"big\",\"mimeType\":\"x/y\",\"size\":1001}", "PAYLOAD_TOO_LARGE");
        start(alice, null);
        start(alice, null);
        start(alice, null);
        alice.callError("file_upload_start", "{\"conversationId\":\"" + conv
                + "\",\"fileName\":\"four\",\"mimeType\":\"x/y\",\"size\":1}", "RATE_LIMITED");
        JsonObject quota = bob.callError("file_upload_start", "{\"conversationId\":\"" + conv
                + "\",\"fileName\":\"q\",\"mimeType\":\"x/y\",\"size\":201}", "PAYLOAD_TOO_LARGE");
        assertThat(quota.getAsJsonObject("details").get("reason").getAsString()).isEqualTo("quota");
        Client eve = login("eve", "files");
        eve.callError("file_upload_start", "{\"conversationId\":\"" + conv
                + "\",\"fileName\":\"x\",\"mimeType\":\"x/y\",\"size\":1}", "ACCESS_DENIED");
    }
}
