package dev.parley.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.parley.core.memory.InMemoryChatStore;
import dev.parley.core.testkit.RecordingTransport;
import dev.parley.core.testkit.TestAuthenticator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Many sessions sending into shared conversations from many threads, on the real clock. */
class ConcurrencyTest {

    @Test
    void everyMemberReceivesEveryMessageOnceInSeqOrderWithoutGaps() throws Exception {
        EngineConfig config = EngineConfig.builder()
                .messageRate(EngineConfig.RateLimit.perSecond(100_000, 100_000))
                .frameRate(EngineConfig.RateLimit.perSecond(100_000, 100_000))
                .maxPendingFrames(10_000)
                .build();
        ChatEngine engine = ChatEngine.builder().store(new InMemoryChatStore()).authenticator(new TestAuthenticator())
                .config(config).build();
        engine.start();
        int members = 6;
        int conversations = 3;
        int perSender = 150;
        try {
            List<EngineHarness.Client> clients = new ArrayList<>();
            for (int i = 0; i < members; i++) {
                EngineHarness.Client c = new EngineHarness.Client(engine, null);
                c.call("auth", "{\"token\":\"user:u" + i + "\"}");
                clients.add(c);
            }
            List<String> convs = new ArrayList<>();
            for (int k = 0; k < conversations; k++) {
                JsonObject r = clients.get(0).call("create_conversation",
                        "{\"type\":\"group\",\"participant_ids\":[\"u1\",\"u2\",\"u3\",\"u4\",\"u5\"],\"name\":\"g" + k + "\"}");
                convs.add(r.getAsJsonObject("payload").get("id").getAsString());
            }
            for (EngineHarness.Client c : clients) {
                for (String conv : convs) {
                    c.call("join_conversation", "{\"conversationId\":\"" + conv + "\"}");
                }
            }
            ExecutorService pool = Executors.newFixedThreadPool(members);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> sends = new ArrayList<>();
            for (EngineHarness.Client c : clients) {
                sends.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < perSender; i++) {
                        c.send("send_message", "{\"conversationId\":\"" + convs.get(i % conversations)
                                + "\",\"content\":\"m" + i + "\"}");
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : sends) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            int expectedPerConversation = members * perSender / conversations;
            for (EngineHarness.Client c : clients) {
                Map<String, List<Long>> seqs = receive(c.transport, members * perSender);
                for (String conv : convs) {
                    List<Long> got = seqs.get(conv);
                    assertThat(got).hasSize(expectedPerConversation);
                    for (int i = 0; i < got.size(); i++) {
                        assertThat(got.get(i)).as("seq order in " + conv).isEqualTo(i + 1L);
                    }
                }
            }
        } finally {
            engine.close();
        }
    }

    private static Map<String, List<Long>> receive(RecordingTransport t, int expected) {
        Map<String, List<Long>> seqs = new HashMap<>();
        int count = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (count < expected && System.nanoTime() < deadline) {
            JsonObject f = t.poll(java.time.Duration.ofMillis(200));
            if (f == null || !f.get("type").getAsString().equals("message_received")) {
                continue;
            }
            JsonObject m = f.getAsJsonObject("payload").getAsJsonObject("message");
            seqs.computeIfAbsent(m.get("conversation_id").getAsString(), k -> new ArrayList<>()).add(m.get("seq").getAsLong());
            count++;
        }
        return seqs;
    }
}
