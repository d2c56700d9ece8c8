package dev.parley.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.parley.core.spi.Transport;
import dev.parley.core.testkit.TestAuthenticator;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Connections whose clients stopped reading, in a busy room: the engine closes them with 4010
 * once their transport's buffer passes {@link EngineConfig#maxOutboundBytes()}, hands them no
 * more frames, and everyone else receives every message in order.
 */
class SlowConsumerTest extends EngineHarness {
    private static final int SLOW = 30;
    private static final int FAST = 5;
    private static final int MESSAGES = 400;
    private static final int CONTENT_CHARS = 8_000;

    /**
     * A client that never reads: every frame handed over stays in its buffer. Counts what the
     * engine gives it, and anything it tries to give after closing it.
     */
    static final class StalledTransport implements Transport {
        final AtomicLong buffered = new AtomicLong();
        final AtomicInteger frames = new AtomicInteger();
        final AtomicInteger sendsAfterClose = new AtomicInteger();
        volatile Integer closeCode;
        volatile String authAnswer;

        @Override
        public boolean send(String text) {
            if (closeCode != null) {
                sendsAfterClose.incrementAndGet();
                return false;
            }
            if (authAnswer == null) {
                authAnswer = JsonParser.parseString(text).getAsJsonObject().get("type").getAsString();
            }
            frames.incrementAndGet();
            buffered.addAndGet(text.length());
            return true;
        }

        @Override
        public void close(int code, String reason) {
            if (closeCode == null) {
                closeCode = code;
            }
        }

        @Override
        public long bufferedBytes() {
            return buffered.get();
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return new InetSocketAddress("127.0.0.1", 40001);
        }
    }

    @Test
    void stalledReadersAreClosedWith4010AndOthersGetEveryMessageInOrder() throws Exception {
        Client alice = login("alice");
        List<Client> fast = new ArrayList<>();
        for (int i = 0; i < FAST; i++) {
            fast.add(login("fast" + i));
        }
        List<StalledTransport> stalled = new ArrayList<>();
        List<Session> stalledSessions = new ArrayList<>();
        StringBuilder participants = new StringBuilder();
        for (int i = 0; i < FAST; i++) {
            participants.append(participants.length() == 0 ? "" : ",").append("\"fast").append(i).append('"');
        }
        for (int i = 0; i < SLOW; i++) {
            StalledTransport t = new StalledTransport();
            stalled.add(t);
            stalledSessions.add(engine.openSession(t, TestAuthenticator.token("slow" + i)));
            participants.append(",\"slow").append(i).append('"');
        }
        awaitAuthenticated(stalled);
        String conv = payload(alice.call("create_conversation",
                "{\"type\":\"group\",\"participant_ids\":[" + participants + "],\"name\":\"busy\"}")).get("id").getAsString();
        for (Client c : fast) {
            c.call("join_conversation", "{\"conversationId\":\"" + conv + "\"}");
        }
        for (Session s : stalledSessions) {
            // The join answer lands in the stalled buffer too, like every other frame.
            s.onText("{\"type\":\"join_conversation\",\"payload\":{\"conversationId\":\"" + conv + "\"},\"requestId\":\"j\"}");
        }
        awaitRoomSize(conv, 1 + FAST + SLOW);

        String filler = "x".repeat(CONTENT_CHARS);
        for (int i = 0; i < MESSAGES; i++) {
            clock.advance(Duration.ofMillis(100)); // within alice's message rate
            JsonObject r = alice.call("send_message",
                    "{\"conversationId\":\"" + conv + "\",\"content\":\"" + i + ":" + filler + "\"}");
            assertThat(r.get("type").getAsString()).isEqualTo("message_sent");
        }

        for (Client c : fast) {
            List<Integer> received = new ArrayList<>();
            while (received.size() < MESSAGES) {
                JsonObject f = c.next("message_received");
                String content = payload(f).getAsJsonObject("message").get("encrypted_content").getAsString();
                received.add(Integer.parseInt(content.substring(0, content.indexOf(':'))));
            }
            assertThat(received).as("messages of " + c.session.userId()).isSorted().doesNotHaveDuplicates()
                    .hasSize(MESSAGES).startsWith(0).endsWith(MESSAGES - 1);
            assertThat(c.transport.closeCode()).isNull();
        }

        long limit = EngineConfig.DEFAULTS.maxOutboundBytes();
        int maxFrames = 0;
        for (StalledTransport t : stalled) {
            assertThat(t.closeCode).isEqualTo(CloseCodes.SLOW_CONSUMER);
            // Nothing beyond the limit was handed over, nor anything after the close: the engine queues nothing.
            assertThat(t.buffered.get()).isLessThanOrEqualTo(limit);
            assertThat(t.sendsAfterClose.get()).isZero();
            maxFrames = Math.max(maxFrames, t.frames.get());
        }
        // Each message frame is a little over CONTENT_CHARS: the limit holds this many, plus small frames.
        assertThat(maxFrames).isLessThanOrEqualTo((int) (limit / CONTENT_CHARS) + 10);
        assertThat(engine.stats().counters().get("slowConsumerCloses")).isEqualTo((long) SLOW);
        awaitRoomSize(conv, 1 + FAST);
        System.out.printf("SlowConsumerTest: %d stalled connections closed with 4010 after at most %d frames "
                        + "(%d bytes limit); %d readers got all %d messages of %d chars in order%n",
                SLOW, maxFrames, limit, FAST, MESSAGES, CONTENT_CHARS);
    }

    @Test
    void typingUpdatesAreDroppedBeforeALaggingReaderIsClosed() throws InterruptedException {
        Client alice = login("alice");
        Client bob = login("bob");
        String conv = createConversation(alice, "direct", "bob");
        bob.call("join_conversation", "{\"conversationId\":\"" + conv + "\"}");
        bob.transport.setBufferedBytes(EngineConfig.DEFAULTS.maxOutboundBytes() / 2 + 1);
        alice.call("typing_start", "{\"conversationId\":\"" + conv + "\"}");
        alice.call("send_message", "{\"conversationId\":\"" + conv + "\",\"content\":\"still here\"}");
        JsonObject next = bob.next("message_received");
        assertThat(payload(next).getAsJsonObject("message").get("encrypted_content").getAsString()).isEqualTo("still here");
        // The send ends alice's typing just after it is delivered: that update is dropped too.
        awaitCounter("typingDropped", 2);
        assertThat(bob.transport.allFrames()).noneMatch(f -> f.get("type").getAsString().equals("typing_update"));
        assertThat(bob.transport.closeCode()).isNull();
    }

    private void awaitCounter(String name, long value) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!Long.valueOf(value).equals(engine.stats().counters().get(name)) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(engine.stats().counters()).containsEntry(name, value);
    }

    private static void awaitAuthenticated(List<StalledTransport> transports) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (transports.stream().anyMatch(t -> t.authAnswer == null) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(transports).allMatch(t -> "auth_success".equals(t.authAnswer));
    }

    private void awaitRoomSize(String conv, int size) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (engine.rooms().sessions(RoomRegistry.conversationTopic(conv)).size() != size && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(engine.rooms().sessions(RoomRegistry.conversationTopic(conv)).size()).isEqualTo(size);
    }
}
