package dev.parley.client;

import dev.parley.core.testkit.TcpProxy;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import com.google.gson.JsonObject;
import dev.parley.core.EngineConfig;
import dev.parley.protocol.Extension;
import dev.parley.protocol.MessageType;
import dev.parley.protocol.model.Message;
import dev.parley.protocol.payload.KeyPayloads.KeyUpdated;
import dev.parley.protocol.payload.KeyPayloads.PublicKeyInfo;
import dev.parley.protocol.payload.SearchPayloads.SearchMessages;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Per-recipient bodies (6.10) and the key directory (6.11) against the reference server: each
 * connection's raw bytes carry only its own user's copy, and neither the server's log nor its
 * search ever sees a copy.
 */
class E2eeEndToEndTest extends ReferenceEndToEndBase {
    private final ListAppender<ILoggingEvent> serverLog = new ListAppender<>();
    private final Logger parleyLogger = (Logger) LoggerFactory.getLogger("dev.parley");
    private Level levelBefore;

    @Override
    EngineConfig.Builder engineConfig() {
        return super.engineConfig().extensions(Set.of(Extension.E2EE, Extension.KEYS, Extension.SEARCH,
                Extension.FILES, Extension.RESUME)).searchRate(EngineConfig.RateLimit.perSecond(100, 100));
    }

    @BeforeEach
    void captureTheServersLog() {
        levelBefore = parleyLogger.getLevel();
        parleyLogger.setLevel(Level.TRACE); // everything the server's own code logs, at every level
        serverLog.start();
        parleyLogger.addAppender(serverLog);
    }

    @AfterEach
    void stopCapturing() {
        parleyLogger.detachAppender(serverLog);
        parleyLogger.setLevel(levelBefore);
    }

    private String capturedLog() {
        StringBuilder all = new StringBuilder();
        for (ILoggingEvent e : List.copyOf(serverLog.list)) {
            all.append(e.getFormattedMessage()).append('\n');
            if (e.getThrowableProxy() != null) {
                all.append(ThrowableProxyUtil.asString(e.getThrowableProxy())).append('\n');
            }
        }
        return all.toString();
    }

    private ChatClient viaProxy(String userId, TcpProxy proxy) {
        ChatClient c = client(userId, ReliabilityEndToEndTest.proxyUri(proxy), null,
                b -> b.extensions(List.of(Extension.E2EE, Extension.KEYS)));
        c.connect().join();
        return c;
    }

    @Test
    void eachRecipientGetsOnlyItsOwnCopyOnTheWireAndTheServerNeverSeesOne() throws Exception {
        TcpProxy aliceWire = closeLater(new TcpProxy(server.port()));
        aliceWire.recordDownstream();
        TcpProxy bobWire = closeLater(new TcpProxy(server.port()));
        bobWire.recordDownstream();
        TcpProxy carolWire = closeLater(new TcpProxy(server.port()));
        carolWire.recordDownstream();
        ChatClient alice = viaProxy("alice", aliceWire);
        ChatClient bob = viaProxy("bob", bobWire);
        ChatClient carol = viaProxy("carol", carolWire);
        String group = alice.createGroupConversation("sealed", List.of("bob", "carol")).join().id();
        bob.joinConversation(group).join();
        carol.joinConversation(group).join();

        // keys first, as an encrypting client would
        List<KeyUpdated> bobHeard = new CopyOnWriteArrayList<>();
        bob.keys().addListener(bobHeard::add);
        for (ChatClient c : List.of(alice, bob, carol)) {
            String user = c.connectionState().user().id();
            assertThat(c.keys().publish("x25519", "pk-of-" + user).join().fingerprint())
                    .isEqualTo(FilesEndToEndTest.sha256(("pk-of-" + user).getBytes(StandardCharsets.UTF_8)));
        }
        List<PublicKeyInfo> keys = alice.keys().fetch(List.of("alice", "bob", "carol", "stranger"), null).join();
        assertThat(keys).extracting(PublicKeyInfo::userId).containsExactlyInAnyOrder("alice", "bob", "carol");
        await("bob heard carol's key", () -> bobHeard.stream().anyMatch(k -> k.userId().equals("carol")));

        Message sent = alice.sendEncryptedMessage(group, Map.of(
                "alice", "CIPHER-FOR-ALICE-7f3a", "bob", "CIPHER-FOR-BOB-91c2", "carol", "CIPHER-FOR-CAROL-0d4e"))
                .join().data();
        assertThat(sent.encryptedContent()).isEqualTo("CIPHER-FOR-ALICE-7f3a");
        await("bob got his copy", () -> bob.messages(group).size() == 1);
        await("carol got hers", () -> carol.messages(group).size() == 1);
        assertThat(bob.messages(group).get(0).encryptedContent()).isEqualTo("CIPHER-FOR-BOB-91c2");
        assertThat(carol.messages(group).get(0).encryptedContent()).isEqualTo("CIPHER-FOR-CAROL-0d4e");

        // an encrypted file: the key travels per recipient, the bytes are opaque
        Message file = alice.files().upload(group, "blob.bin", "application/octet-stream", new byte[1000],
                new ChatFiles.Body(null, null, Map.of("alice", "FILEKEY-ALICE-5b", "bob", "FILEKEY-BOB-6c",
                        "carol", "FILEKEY-CAROL-7d")), null).join();
        assertThat(file.encryptedContent()).isEqualTo("FILEKEY-ALICE-5b");
        await("bob and carol got the file message", () -> bob.messages(group).size() == 2
                && carol.messages(group).size() == 2);
        // pages (and so latest_message_content) carry the viewer's copy too
        bob.loadMessages(group).join();
        carol.loadMessages(group).join();
        bob.loadConversations().join();
        carol.loadConversations().join();
        assertThat(bob.messages(group)).extracting(Message::encryptedContent)
                .containsExactly("CIPHER-FOR-BOB-91c2", "FILEKEY-BOB-6c");

        Map<TcpProxy, String> ownMarkers = Map.of(aliceWire, "ALICE", bobWire, "BOB", carolWire, "CAROL");
        for (Map.Entry<TcpProxy, String> wire : ownMarkers.entrySet()) {
            String raw = wire.getKey().deliveredDownstream();
            String own = wire.getValue();
            assertThat(raw).as(own + "'s connection carries " + own + "'s copies")
                    .contains("CIPHER-FOR-" + own + "-", "FILEKEY-" + own + "-");
            for (String other : List.of("ALICE", "BOB", "CAROL")) {
                if (!other.equals(own)) {
                    assertThat(raw).as(own + "'s connection never carries " + other + "'s copy")
                            .doesNotContain("CIPHER-FOR-" + other).doesNotContain("FILEKEY-" + other);
                }
            }
        }

        // the server's search cannot read encrypted bodies; a plain message shows the search works
        alice.sendMessage(group, "plain words PLAINMARK").join();
        JsonObject found = bob.request(MessageType.SEARCH_MESSAGES, new SearchMessages(group, "PLAINMARK", null, null))
                .join();
        assertThat(found.getAsJsonArray("messages")).hasSize(1);
        for (String marker : List.of("CIPHER-FOR", "FILEKEY", "CIPHER-FOR-BOB")) {
            JsonObject none = bob.request(MessageType.SEARCH_MESSAGES, new SearchMessages(null, marker, null, null))
                    .join();
            assertThat(none.getAsJsonArray("messages")).as("search for " + marker).isEmpty();
        }

        String log = capturedLog();
        assertThat(serverLog.list).as("the server's log was captured").isNotEmpty();
        assertThat(log).doesNotContain("CIPHER-FOR", "FILEKEY", "PLAINMARK", "pk-of-");
    }
}
