package dev.parley.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.parley.core.spi.PushNotification;
import dev.parley.core.testkit.TestAuthenticator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PushTest extends EngineHarness {

    private ChatEngine engineWith(dev.parley.core.spi.PushNotifier notifier) {
        ChatEngine e = ChatEngine.builder().store(store).authenticator(new TestAuthenticator()).clock(clock)
                .pushNotifier(notifier).build();
        e.start();
        return e;
    }

    @Test
    void onlyParticipantsWithoutALiveConnectionAreNotified() throws Exception {
        List<PushNotification> got = new CopyOnWriteArrayList<>();
        engine.close();
        engine = engineWith(got::addAll);
        try {
            Client alice = login("alice");
            login("bob");
            Client carol = login("carol");
            login("dave");
            String group = createConversation(alice, "group", "bob", "carol", "dave");
            carol.close();
            assertThat(LimitsTest.waitFor(() -> !engine.stats().onlineUsers().contains("carol"))).isTrue();
            alice.call("send_message", "{\"conversationId\":\"" + group + "\",\"content\":\"secret body\"}");
            assertThat(LimitsTest.waitFor(() -> !got.isEmpty())).isTrue();
            Thread.sleep(200);
            assertThat(got).hasSize(1);
            PushNotification n = got.get(0);
            assertThat(n.userId()).isEqualTo("carol");
            assertThat(n.conversationId()).isEqualTo(group);
            assertThat(n.senderName()).isEqualTo("Alice");
            assertThat(n.seq()).isEqualTo(1);
            assertThat(n.toString()).doesNotContain("secret body");
        } finally {
            engine.close();
        }
    }

    @Test
    void aSlowNotifierNeverDelaysTheAcknowledgement() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        engine.close();
        engine = engineWith(batch -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            Client alice = login("alice");
            login("bob").close();
            String conv = createConversation(alice, "direct", "bob");
            for (int i = 0; i < 5; i++) {
                JsonObject r = alice.call("send_message", "{\"conversationId\":\"" + conv + "\",\"content\":\"m" + i + "\"}");
                assertThat(r.get("type").getAsString()).isEqualTo("message_sent");
            }
        } finally {
            release.countDown();
            engine.close();
        }
    }
}
