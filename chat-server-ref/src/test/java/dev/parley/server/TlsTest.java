package dev.parley.server;

import static dev.parley.server.WsClient.payload;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import dev.parley.core.EngineConfig;
import dev.parley.protocol.ProtocolLimits;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.server.DefaultSSLWebSocketServerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** wss:// and https:// on the same port with a keystore made by keytool (run on both transports). */
class TlsTest {
    @TempDir
    static Path dir;
    static Path keystore;
    static String password;
    static SSLContext clientTls;
    static SSLContext serverTls;

    @BeforeAll
    static void makeKeystore() throws Exception {
        TestKeys keys = TestKeys.create(dir);
        keystore = keys.keystore();
        password = keys.password();
        clientTls = keys.clientTls();
        serverTls = keys.serverTls();
    }

    /** Connects over wss:// (after {@code configure}) and authenticates. */
    private static WsClient login(TestServer server, String user, Consumer<WebSocketClient> configure)
            throws InterruptedException {
        WsClient c = WsClient.connecting(URI.create("wss://127.0.0.1:" + server.server.port() + "/ws"), client -> {
            client.setSocketFactory(clientTls.getSocketFactory());
            configure.accept(client);
        });
        JsonObject auth = new JsonObject();
        auth.addProperty("token", TestServer.token(user));
        assertThat(c.request("auth", auth).get("type").getAsString()).isEqualTo("auth_success");
        return c;
    }

    @Test
    void servesWssAndHttpsOnOnePort() throws Exception {
        try (TestServer server = TestServer.start(b -> b.tlsKeystore(keystore).tlsKeystorePassword(password))) {
            int port = server.server.port();
            HttpResponse<String> health = HttpClient.newBuilder().sslContext(clientTls).version(HttpClient.Version.HTTP_1_1)
                    .build().send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/health")).GET().build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);

            WsClient c = WsClient.connecting(URI.create("wss://127.0.0.1:" + port + "/ws?token=" + TestServer.token("alice")),
                    client -> client.setSocketFactory(clientTls.getSocketFactory()));
            try (c) {
                assertThat(payload(c.next("auth_success")).getAsJsonObject("user").get("id").getAsString()).isEqualTo("alice");
            }
        }
    }

    @Test
    void aReaderThatFallsBehindGetsEveryFrameInOrderOverTls() throws Exception {
        // Far more than the socket buffers hold, in frames larger than a TLS record: the server wraps
        // part of it, waits for the socket to drain and goes on where it stopped.
        try (TestServer server = TestServer.start(b -> b.tlsKeystore(keystore).tlsKeystorePassword(password)
                .engineConfig(EngineConfig.builder().workerThreads(2).maxOutboundBytes(16 * 1024 * 1024)
                        .frameRate(EngineConfig.RateLimit.perSecond(10_000, 10_000))
                        .messageRate(EngineConfig.RateLimit.perSecond(10_000, 10_000)).build()));
             WsClient bob = login(server, "bob", c -> c.setReceiveBufferSize(4096));
             WsClient alice = login(server, "alice", c -> { })) {
            String conv = alice.createConversation(null, null, "bob");
            JsonObject join = new JsonObject();
            join.addProperty("conversationId", conv);
            bob.request("join_conversation", join);

            CountDownLatch release = bob.stallReading();
            String content = "t".repeat(60_000);
            int sent = 100;
            for (int i = 0; i < sent; i++) {
                JsonObject send = new JsonObject();
                send.addProperty("conversationId", conv);
                send.addProperty("content", i + ":" + content);
                alice.request("send_message", send);
                alice.next("message_received");
            }
            release.countDown();
            for (int i = 0; i < sent; i++) {
                String got = payload(bob.next("message_received")).getAsJsonObject("message")
                        .get("encrypted_content").getAsString();
                assertThat(got).as("message %d", i).isEqualTo(i + ":" + content);
            }
        }
    }

    @Test
    void aClientThatSpeaksNoTlsIsClosedAndTlsClientsAreStillServed() throws Exception {
        try (TestServer server = TestServer.start(b -> b.tlsKeystore(keystore).tlsKeystorePassword(password))) {
            int port = server.server.port();
            try (Socket plain = new Socket("127.0.0.1", port)) {
                plain.setSoTimeout(10_000);
                plain.getOutputStream().write("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                InputStream in = plain.getInputStream();
                try {
                    byte[] answer = in.readAllBytes();
                    assertThat(new String(answer, StandardCharsets.ISO_8859_1)).doesNotContain("HTTP/1.1 200");
                } catch (SocketTimeoutException e) {
                    throw new AssertionError("the server kept a connection that speaks no TLS open", e);
                } catch (IOException reset) {
                    // closed with a reset: as good as an end of stream here
                }
            }
            try (WsClient alice = login(server, "alice", c -> { })) {
                assertThat(alice.request("ping", new JsonObject()).get("type").getAsString()).isEqualTo("pong");
            }
        }
    }

    private static TestServer tlsServerWithFramesOf64KiB() throws Exception {
        return TestServer.start(b -> b.tlsKeystore(keystore).tlsKeystorePassword(password)
                .engineConfig(EngineConfig.builder().workerThreads(2)
                        .limits(ProtocolLimits.builder().maxFrameBytes(64 * 1024).build())
                        .build()));
    }

    @Test
    void framesFarOverTheLimitCloseWith1009EveryTime() throws Exception {
        // The rest of such a frame is still arriving when the server closes: left unread, it makes
        // the kernel answer with a reset, which can overtake the close frame (1006 instead).
        try (TestServer server = tlsServerWithFramesOf64KiB()) {
            for (int i = 0; i < 40; i++) {
                try (WsClient big = login(server, "alice", c -> { })) {
                    big.raw().send("x".repeat(256 * 1024 + 1));
                    assertThat(big.awaitClose()).as("connection %d", i).isEqualTo(1009);
                }
            }
        }
    }

    @Test
    void closeCodesReachTheClientThroughTls() throws Exception {
        // The close frame travels inside TLS, followed by a close_notify.
        TestServer server = tlsServerWithFramesOf64KiB();
        try (server; WsClient big = login(server, "alice", c -> { }); WsClient bob = login(server, "bob", c -> { })) {
            big.raw().send("x".repeat(64 * 1024 + 1));
            assertThat(big.awaitClose()).isEqualTo(1009);
            assertThat(bob.request("ping", new JsonObject()).get("type").getAsString()).isEqualTo("pong");
            server.close();
            assertThat(bob.awaitClose()).isEqualTo(1001);
        }
    }

    @Test
    void aMissingKeystoreIsAConfigurationError() {
        assertThatThrownBy(() -> TestServer.start(b -> b.tlsKeystore(dir.resolve("absent.p12"))))
                .isInstanceOf(ChatServer.ConfigurationException.class).hasMessageContaining("TLS_KEYSTORE");
    }

    @Test
    void aClientThatCompletesTlsButSendsNoRequestIsClosed() throws Exception {
        // No bridge: the connection never gets as far as a request the bridge would decide.
        InetSocketAddress anyPort = new InetSocketAddress("127.0.0.1", 0);
        Endpoint endpoint = switch (TestServer.TRANSPORT) {
            case JAVA_WEBSOCKET -> new WebSocketEndpoint(anyPort, 64 * 1024, null,
                    new DefaultSSLWebSocketServerFactory(serverTls), Duration.ofMillis(300));
            case NIO -> new NioEndpoint(anyPort, 64 * 1024, null, serverTls, 1, Duration.ofMillis(300));
        };
        endpoint.start();
        try {
            endpoint.awaitStarted(5_000);
            try (SSLSocket socket = (SSLSocket) clientTls.getSocketFactory().createSocket("127.0.0.1", endpoint.getPort())) {
                socket.setSoTimeout(10_000); // far above the 300 ms limit
                socket.startHandshake();
                InputStream in = socket.getInputStream();
                try {
                    while (in.read() >= 0) {
                        // nothing is expected before the close
                    }
                } catch (SocketTimeoutException e) {
                    throw new AssertionError("the server kept the connection open", e);
                } catch (IOException closedWithoutCloseNotify) {
                    // closed: the server may drop the socket without a TLS close_notify
                }
            }
        } finally {
            endpoint.stop(1_000, "going_away");
        }
    }
}
