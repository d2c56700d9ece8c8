package dev.parley.client;

import dev.parley.core.testkit.TcpProxy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.core.EngineConfig;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.Extension;
import dev.parley.protocol.model.Message;
import dev.parley.protocol.payload.FilePayloads.FileDownloadReady;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ChatFiles} against the reference server: chunked, resumable, checked transfers and their limits. */
class FilesEndToEndTest extends ReferenceEndToEndBase {
    private static final int MIB = 1 << 20;

    @TempDir
    Path files;

    @Override
    EngineConfig.Builder engineConfig() {
        return super.engineConfig().extensions(Set.of(Extension.FILES, Extension.RESUME));
    }

    @Test
    void aTwentyMegabyteUploadCutTwiceResumesAndDownloadsByteIdentical() throws Exception {
        byte[] data = new byte[20 * MIB];
        new Random(20).nextBytes(data);
        Path source = Files.write(files.resolve("big.bin"), data);
        TcpProxy proxy = closeLater(new TcpProxy(server.port()));
        Recorder rec = new Recorder();
        AtomicInteger chunkFrames = new AtomicInteger();
        AtomicInteger uploadStarts = new AtomicInteger();
        ChatLogger printing = printing("alice");
        ChatClient alice = client("alice", ReliabilityEndToEndTest.proxyUri(proxy), rec, b -> b.logger(new ChatLogger() {
            @Override
            public void debug(String message) { // counts what the client puts on the wire
                if (message.startsWith("-> file_chunk ")) {
                    chunkFrames.incrementAndGet();
                } else {
                    if (message.startsWith("-> file_upload_start ")) {
                        uploadStarts.incrementAndGet();
                    }
                    if (!message.startsWith("<- file_chunk_ack ")) {
                        printing.debug(message);
                    }
                }
            }

            @Override
            public void warn(String message, Throwable error) {
                printing.warn(message, error);
            }
        }));
        alice.connect().join();
        ChatClient bob = connected("bob", null);
        String conv = alice.createDirectConversation("bob").join().id();

        AtomicLong uploaded = new AtomicLong();
        List<Long> progress = new CopyOnWriteArrayList<>();
        CompletableFuture<Message> upload = alice.files().upload(conv, source, "application/octet-stream", null,
                (done, total) -> {
                    uploaded.set(done);
                    progress.add(done);
                });
        await("a quarter is uploaded", () -> uploaded.get() >= 5L * MIB);
        proxy.cutAll();
        await("alice lost the connection", () -> rec.phases.contains(ConnectionState.Phase.RECONNECTING));
        await("over half is uploaded", () -> uploaded.get() >= 11L * MIB || upload.isDone(),
                () -> uploaded.get() + " bytes " + upload);
        proxy.cutAll();
        Message sent = upload.get(120, TimeUnit.SECONDS);
        System.out.println("upload done");

        assertThat(rec.phases.stream().filter(p -> p == ConnectionState.Phase.RECONNECTING).count())
                .as("the upload went on over three connections").isGreaterThanOrEqualTo(2);
        assertThat(uploadStarts).as("resumed, not started over").hasValue(1);
        int chunkCount = (data.length + 49151) / 49152;
        assertThat(chunkFrames.get()).as("only chunks in flight at a cut are sent again")
                .isBetween(chunkCount, chunkCount + 2 * 2 * FileTransfers.WINDOW);
        assertThat(progress).isSorted().last().isEqualTo((long) data.length);
        var meta = sent.metadata().getAsJsonObject("file");
        assertThat(meta.get("size").getAsLong()).isEqualTo(data.length);
        assertThat(meta.get("sha256").getAsString()).isEqualTo(sha256(data));
        assertThat(meta.get("name").getAsString()).isEqualTo("big.bin");

        await("bob received the file message", () -> bob.messages(conv).size() == 1 || joinAndLoad(bob, conv));
        String fileId = meta.get("file_id").getAsString();
        Path target = files.resolve("downloaded.bin");
        AtomicLong downloaded = new AtomicLong();
        FileDownloadReady ready = bob.files().download(fileId, target, (done, total) -> downloaded.set(done))
                .get(120, TimeUnit.SECONDS);
        assertThat(ready.size()).isEqualTo(data.length);
        assertThat(sha256(Files.readAllBytes(target))).isEqualTo(sha256(data));
        assertThat(downloaded).hasValue(data.length);
        assertThat(Files.exists(files.resolve("downloaded.bin.part"))).isFalse();
    }

    @Test
    void aDownloadInterruptedByACutGoesOnAndMatches() throws Exception {
        byte[] data = new byte[3 * MIB + 17];
        new Random(3).nextBytes(data);
        TcpProxy proxy = closeLater(new TcpProxy(server.port()));
        ChatClient alice = connected("alice", null);
        ChatClient bob = client("bob", ReliabilityEndToEndTest.proxyUri(proxy), null, b -> { });
        bob.connect().join();
        String conv = alice.createDirectConversation("bob").join().id();
        Message sent = alice.files().upload(conv, "photo.jpg", "image/jpeg", data,
                new ChatFiles.Body("image", "a caption", null), null).get(60, TimeUnit.SECONDS);
        assertThat(sent.messageType()).isEqualTo("image");
        assertThat(sent.encryptedContent()).isEqualTo("a caption");

        AtomicLong downloaded = new AtomicLong();
        Path target = files.resolve("photo.jpg");
        CompletableFuture<FileDownloadReady> download = bob.files().download(fileId(sent), target,
                (done, total) -> downloaded.set(done));
        await("part of it arrived", () -> downloaded.get() >= MIB);
        proxy.cutAll();
        download.get(60, TimeUnit.SECONDS);
        assertThat(Files.readAllBytes(target)).isEqualTo(data);
    }

    @Test
    void filesOverTheSizeLimitOrTheUsersQuotaAreRefusedWithTheirCodes() throws Exception {
        server.close();
        config = engineConfig().limits(config.limits().toBuilder().maxFileBytes(2 * MIB).build())
                .fileQuotaPerUser(3L * MIB).build();
        server = startServer(0);
        ChatClient alice = connected("alice", null);
        connected("bob", null);
        String conv = alice.createDirectConversation("bob").join().id();

        byte[] tooBig = new byte[2 * MIB + 1];
        assertThatThrownBy(() -> alice.files().upload(conv, "big.bin", "application/octet-stream", tooBig, null, null)
                .join()).cause().isInstanceOfSatisfying(ChatException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE);
                    assertThat(e.details()).containsEntry("field", "size");
                });

        byte[] twoMib = new byte[2 * MIB];
        assertThat(alice.files().upload(conv, "first.bin", "application/octet-stream", twoMib, null, null)
                .get(60, TimeUnit.SECONDS).metadata().getAsJsonObject("file").get("size").getAsLong())
                .isEqualTo(2 * MIB);
        assertThatThrownBy(() -> alice.files().upload(conv, "second.bin", "application/octet-stream", twoMib, null,
                null).join()).cause().isInstanceOfSatisfying(ChatException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE);
                    assertThat(e.details()).containsEntry("reason", "quota");
                });
        assertThat(stored(conv, "alice")).as("only the first file became a message").hasSize(1);
    }

    @Test
    void aNonParticipantCanNeitherDownloadNorUploadIntoTheConversation() throws Exception {
        ChatClient alice = connected("alice", null);
        connected("bob", null);
        ChatClient carol = connected("carol", null);
        String conv = alice.createDirectConversation("bob").join().id();
        Message sent = alice.files().upload(conv, "secret.txt", "text/plain", "for bob only".getBytes(), null, null)
                .get(30, TimeUnit.SECONDS);

        Path target = files.resolve("stolen.txt");
        assertThatThrownBy(() -> carol.files().download(fileId(sent), target, null).join()).cause()
                .isInstanceOfSatisfying(ChatException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.ACCESS_DENIED));
        assertThat(Files.exists(target)).isFalse();
        assertThat(Files.exists(files.resolve("stolen.txt.part"))).isFalse();
        assertThatThrownBy(() -> carol.files().upload(conv, "x.txt", "text/plain", new byte[10], null, null).join())
                .cause().isInstanceOfSatisfying(ChatException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.ACCESS_DENIED));
    }

    private static boolean joinAndLoad(ChatClient c, String conv) {
        c.joinConversation(conv).join();
        c.loadMessages(conv).join();
        return c.messages(conv).size() == 1;
    }

    private static String fileId(Message m) {
        return m.metadata().getAsJsonObject("file").get("file_id").getAsString();
    }

    static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
