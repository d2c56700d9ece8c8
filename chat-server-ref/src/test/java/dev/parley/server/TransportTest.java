package dev.parley.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonObject;
import dev.parley.core.EngineConfig;
import java.nio.channels.SelectionKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.extensions.IExtension;
import org.java_websocket.extensions.permessage_deflate.PerMessageDeflateExtension;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.java_websocket.WebSocketImpl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The WebSocket transport's contract with the engine: pings, pongs and honest outbound buffering. */
class TransportTest {
    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void pingControlFramesKeepAnsweringClientsAliveAndSilentOnesAreDropped() throws Exception {
        server = TestServer.start(b -> b.engineConfig(EngineConfig.builder().workerThreads(2)
                .pingInterval(Duration.ofMillis(200)).idleTimeout(Duration.ofMillis(1500)).build()));
        try (WsClient answering = server.login("alice"); WsClient silent = server.login("bob")) {
            silent.answerPings(false);
            assertThat(silent.awaitClose()).isEqualTo(4004);
            assertThat(answering.pingsReceived()).isGreaterThan(3);
            assertThat(silent.pingsReceived()).isGreaterThan(3);
            assertThat(answering.isOpen()).as("pongs alone keep a connection alive").isTrue();
        }
    }

    @Test
    void aFrameLeftQueuedWithoutAWriteDemandStillGoesOutPromptly() throws Exception {
        // The state Java-WebSocket's lost write demand leaves: a frame in the connection's queue while
        // the selector listens for reads only. Without the endpoint's sweep it waits for the next
        // frame or the next ping (30 s by default; the client waits 10 s).
        assumeTrue(TestServer.TRANSPORT == ServerConfig.Transport.JAVA_WEBSOCKET,
                "only Java-WebSocket's server loses write demands (the nio transport cannot queue without one)");
        server = TestServer.start(b -> b.engineConfig(EngineConfig.builder().workerThreads(2).build()));
        try (WsClient alice = server.login("alice")) {
            WebSocketImpl conn = (WebSocketImpl) ((WebSocketEndpoint) server.server.endpoint()).getConnections().iterator().next();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while ((!conn.outQueue.isEmpty() || (conn.getSelectionKey().interestOps() & SelectionKey.OP_WRITE) != 0)
                    && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(conn.outQueue).as("the sign-in's frames are written").isEmpty();

            conn.outQueue.add(SharedFrames.textFrame("{\"type\":\"stranded\",\"payload\":{}}"));

            assertThat(alice.next("stranded").get("type").getAsString()).isEqualTo("stranded");
        }
    }

    @Test
    void aClientThatStopsReadingIsCutOffAsASlowConsumer() throws Exception {
        startWithOutboundCap(256 * 1024);
        try (WsClient alice = server.login("alice"); WsClient bob = server.login("bob", c -> c.setReceiveBufferSize(4096))) {
            String conv = joinedByBoth(alice, bob);

            CountDownLatch release = bob.stallReading();
            String content = "m".repeat(60_000);
            for (int i = 0; i < 150 && bob.isOpen(); i++) {
                send(alice, conv, content);
                if (slowConsumerCloses() > 0) {
                    break;
                }
            }
            release.countDown();
            assertThat(slowConsumerCloses()).as("the server saw bob's queue grow and closed it").isEqualTo(1);
            assertThat(bob.awaitClose()).isIn(4010, 1006);
            assertThat(alice.request("ping", new JsonObject()).get("type").getAsString()).isEqualTo("pong");
        }
    }

    @Test
    void aPortInUseFailsTheStartWithTheBindError() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            assertThatThrownBy(() -> TestServer.start(b -> b.port(taken.getLocalPort())))
                    .isInstanceOf(java.net.BindException.class);
        }
    }

    @Test
    void aReaderThatFallsBehindGetsEveryFrameInOrderOnceItReadsAgain() throws Exception {
        // Far more than the socket buffers hold: the server must write part of it, wait for the
        // socket to drain and go on where it stopped, without losing or reordering a frame.
        startWithOutboundCap(16 * 1024 * 1024);
        try (WsClient alice = server.login("alice"); WsClient bob = server.login("bob", c -> c.setReceiveBufferSize(4096))) {
            String conv = joinedByBoth(alice, bob);

            CountDownLatch release = bob.stallReading();
            String content = "p".repeat(60_000);
            int sent = 100;
            for (int i = 0; i < sent; i++) {
                send(alice, conv, i + ":" + content);
            }
            release.countDown();
            for (int i = 0; i < sent; i++) {
                String got = WsClient.payload(bob.next("message_received")).getAsJsonObject("message")
                        .get("encrypted_content").getAsString();
                assertThat(got).as("message %d", i).isEqualTo(i + ":" + content);
            }
            assertThat(slowConsumerCloses()).isZero();
        }
    }

    @Test
    void oneBroadcastReachesPlainAndCompressedConnectionsAlike() throws Exception {
        server = TestServer.start(b -> b.engineConfig(EngineConfig.builder().workerThreads(2).build()));
        Draft_6455 deflate = new Draft_6455(List.<IExtension>of(new PerMessageDeflateExtension()));
        try (WsClient alice = server.login("alice"); WsClient bob = server.login("bob");
             WsClient carol = WsClient.connect(server.ws("/ws"), deflate, Map.of())) {
            assertThat(((Draft_6455) carol.raw().getConnection().getDraft()).getExtension())
                    .isInstanceOf(PerMessageDeflateExtension.class);
            JsonObject auth = new JsonObject();
            auth.addProperty("token", TestServer.token("carol"));
            assertThat(carol.request("auth", auth).get("type").getAsString()).isEqualTo("auth_success");
            String conv = alice.createConversation(null, null, "bob", "carol");
            JsonObject join = new JsonObject();
            join.addProperty("conversationId", conv);
            bob.request("join_conversation", join);
            carol.request("join_conversation", join);

            String content = "gr\u00fc\u00dfe ".repeat(400); // compressible, and long enough for a 16-bit length
            for (int i = 0; i < 3; i++) {
                JsonObject send = new JsonObject();
                send.addProperty("conversationId", conv);
                send.addProperty("content", content + i);
                alice.request("send_message", send);
                JsonObject toBob = WsClient.payload(bob.next("message_received"));
                JsonObject toCarol = WsClient.payload(carol.next("message_received"));
                assertThat(toBob.getAsJsonObject("message").get("encrypted_content").getAsString()).isEqualTo(content + i);
                assertThat(toCarol).isEqualTo(toBob);
            }
        }
    }

    /** A server whose send rates stay out of the way, with this cap on the bytes queued for one connection. */
    @Test
    void aClientSendingFasterThanItsFramesAreHandledIsHeldBackNotClosed() throws Exception {
        // Java-WebSocket's server cannot stop reading a connection: there the limit of waiting frames closes it.
        assumeTrue(TestServer.TRANSPORT == ServerConfig.Transport.NIO, "only the nio transport holds reads");
        server = TestServer.start();
        try (WsClient alice = server.login("alice")) {
            int pings = 20_000;
            String ping = "{\"type\":\"ping\",\"payload\":{},\"requestId\":\"p\"}";
            for (int i = 0; i < pings; i++) {
                alice.raw().send(ping); // all at once: far more than the 256 frames a connection may have waiting
            }
            for (int i = 0; i < pings; i++) {
                alice.next("pong");
            }
            assertThat(alice.isOpen()).isTrue();
            Map<String, Long> counters = server.server.engine().stats().counters();
            assertThat(counters.getOrDefault("readsHeld", 0L)).as("times the server stopped reading alice").isPositive();
            assertThat(counters).doesNotContainKey("pendingOverflowCloses");
        }
    }

    private void startWithOutboundCap(long maxOutboundBytes) throws Exception {
        server = TestServer.start(b -> b.engineConfig(EngineConfig.builder().workerThreads(2)
                .maxOutboundBytes(maxOutboundBytes)
                .frameRate(EngineConfig.RateLimit.perSecond(10_000, 10_000))
                .messageRate(EngineConfig.RateLimit.perSecond(10_000, 10_000)).build()));
    }

    /** Alice's direct conversation with bob, joined by both; its id. */
    private static String joinedByBoth(WsClient alice, WsClient bob) {
        String conv = alice.createConversation(null, null, "bob");
        JsonObject join = new JsonObject();
        join.addProperty("conversationId", conv);
        bob.request("join_conversation", join);
        return conv;
    }

    /** Alice sends, and waits for her own copy: the server has stored and fanned it out. */
    private static void send(WsClient alice, String conv, String content) {
        JsonObject send = new JsonObject();
        send.addProperty("conversationId", conv);
        send.addProperty("content", content);
        alice.request("send_message", send);
        alice.next("message_received");
    }

    private long slowConsumerCloses() {
        return server.server.engine().stats().counters().getOrDefault("closes.4010", 0L);
    }
}
