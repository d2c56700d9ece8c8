package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.EngineConfig;
import dev.parley.core.spi.MessageRecord;
import dev.parley.core.testkit.TcpProxy;
import dev.parley.protocol.Extension;
import dev.parley.protocol.model.Message;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The reliability suite again, on a server that offers {@code resume}: the client recovers with it. */
class ResumeReliabilityEndToEndTest extends ReliabilityEndToEndTest {

    @Override
    EngineConfig.Builder engineConfig() {
        return super.engineConfig().extensions(Set.of(Extension.RESUME));
    }

    @Override
    boolean usesResume() {
        return true;
    }

    @Test
    void theClientNegotiatesResume() {
        ChatClient alice = connected("alice", null);
        assertThat(alice.connectionState().extensions()).contains("resume");
    }

    @Test
    void whenResumeAsksForAReloadTheClientHoldsTheNewestPageWithoutHoles() throws Exception {
        server.close();
        config = engineConfig().resumeLimit(20).build();
        server = startServer(0);
        TcpProxy proxy = closeLater(new TcpProxy(server.port()));
        ChatClient alice = connected("alice", null);
        ChatClient bob = client("bob", proxyUri(proxy), null, b -> { });
        bob.connect().join();
        String conv = alice.createDirectConversation("bob").join().id();
        bob.joinConversation(conv).join();
        alice.sendMessage(conv, "before").join();
        await("bob got the first message", () -> bob.messages(conv).size() == 1);

        proxy.swallowDownstream(true);
        for (int i = 0; i < 60; i++) {
            alice.sendMessage(conv, "missed " + i).join();
        }
        proxy.cutAll();
        proxy.swallowDownstream(false);

        List<MessageRecord> stored = stored(conv, "bob");
        List<MessageRecord> newestPage = stored.subList(stored.size() - 50, stored.size());
        await("bob holds the newest page", () -> bob.messages(conv).size() == 50
                && bob.messages(conv).get(49).id().equals(stored.get(stored.size() - 1).id()));
        assertHeldExactlyOnceInOrder(bob.messages(conv), newestPage);
        bob.loadMoreMessages(conv).join();
        assertHeldExactlyOnceInOrder(bob.messages(conv), stored);
        assertThat(bob.messages(conv)).extracting(Message::encryptedContent).startsWith("before");
    }
}
