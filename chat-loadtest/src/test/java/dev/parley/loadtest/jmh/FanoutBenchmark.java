package dev.parley.loadtest.jmh;

import dev.parley.core.ChatEngine;
import dev.parley.core.EngineConfig;
import dev.parley.core.Session;
import dev.parley.core.memory.InMemoryChatStore;
import dev.parley.core.spi.Principal;
import dev.parley.core.spi.Transport;
import dev.parley.protocol.ProtocolLimits;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The engine's whole path for one chat message, in memory: decode, validate, authorize, store,
 * acknowledge, and fan out to every member of the room. One operation ends when every member's
 * transport has been handed the frame.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class FanoutBenchmark {
    @Param({"20", "500"})
    public int roomSize;

    private ChatEngine engine;
    private Session sender;
    private final AtomicLong delivered = new AtomicLong();
    private String frame;
    private long expected;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        EngineConfig config = EngineConfig.builder()
                .limits(ProtocolLimits.builder().maxGroupSize(1000).build())
                .messageRate(EngineConfig.RateLimit.perSecond(1e9, 1_000_000_000))
                .frameRate(EngineConfig.RateLimit.perSecond(1e9, 1_000_000_000))
                .maxConnectionsPerUser(10)
                .build();
        engine = ChatEngine.builder().store(new InMemoryChatStore())
                .authenticator(token -> CompletableFuture.completedFuture(Principal.of(token, token, null)))
                .config(config).build();
        engine.start();
        List<Session> members = new ArrayList<>();
        StringBuilder others = new StringBuilder();
        for (int i = 0; i < roomSize; i++) {
            members.add(engine.openSession(new CountingTransport(delivered), "u" + i));
            if (i > 0) {
                others.append(others.length() == 0 ? "" : ",").append("\"u").append(i).append('"');
            }
        }
        Thread.sleep(500);
        sender = members.get(0);
        CountingTransport probe = new CountingTransport(new AtomicLong());
        Session creator = engine.openSession(probe, "u0");
        creator.onText("{\"type\":\"create_conversation\",\"payload\":{\"type\":\"group\",\"participant_ids\":[" + others
                + "]},\"requestId\":\"c1\"}");
        String id = probe.awaitConversationId();
        for (Session s : members) {
            s.onText("{\"type\":\"join_conversation\",\"payload\":{\"conversationId\":\"" + id + "\"},\"requestId\":\"j\"}");
        }
        Thread.sleep(1000);
        frame = "{\"type\":\"send_message\",\"payload\":{\"conversationId\":\"" + id + "\",\"content\":\""
                + "x".repeat(100) + "\"},\"requestId\":\"s\"}";
        expected = delivered.get();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        engine.close();
    }

    @Benchmark
    public long sendAndFanOut() {
        // Each message: one message_sent to the sender plus one message_received per member.
        expected += roomSize + 1;
        sender.onText(frame);
        while (delivered.get() < expected) {
            // Yields rather than spins: on one core a spinning thread takes the time the engine needs.
            Thread.yield();
        }
        return expected;
    }

    /** A transport that only counts frames (and finds one conversation id for the set-up). */
    static final class CountingTransport implements Transport {
        private final AtomicLong counter;
        private volatile String conversationId;

        CountingTransport(AtomicLong counter) {
            this.counter = counter;
        }

        @Override
        public boolean send(String text) {
            if (conversationId == null && text.startsWith("{\"type\":\"conversation_created\"")) {
                int at = text.indexOf("\"id\":\"") + 6;
                conversationId = text.substring(at, text.indexOf('"', at));
            }
            counter.incrementAndGet();
            return true;
        }

        String awaitConversationId() throws InterruptedException {
            for (int i = 0; i < 500 && conversationId == null; i++) {
                Thread.sleep(10);
            }
            return conversationId;
        }

        @Override
        public void close(int code, String reason) {
        }

        @Override
        public long bufferedBytes() {
            return 0;
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return null;
        }
    }
}
