package dev.parley.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.java_websocket.server.DefaultWebSocketServerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Both transports close connections that never finish their request. */
class HandshakeTimeoutTest {
    private static final InetSocketAddress ANY_PORT = new InetSocketAddress("127.0.0.1", 0);
    private static final Duration TIMEOUT = Duration.ofMillis(300);
    private static final int MAX_FRAME_BYTES = 64 * 1024;

    private Endpoint endpoint;

    /** No bridge: these connections never get as far as a request the bridge would decide. */
    private void start(ServerConfig.Transport transport) throws Exception {
        endpoint = switch (transport) {
            case NIO -> new NioEndpoint(ANY_PORT, MAX_FRAME_BYTES, null, null, 2, TIMEOUT);
            case JAVA_WEBSOCKET -> new WebSocketEndpoint(ANY_PORT, MAX_FRAME_BYTES, null,
                    new DefaultWebSocketServerFactory(), TIMEOUT);
        };
        endpoint.start();
        endpoint.awaitStarted(5_000);
    }

    @AfterEach
    void stop() throws InterruptedException {
        endpoint.stop(1_000, "going_away");
    }

    @ParameterizedTest
    @EnumSource(ServerConfig.Transport.class)
    void aConnectionThatSendsNothingIsClosed(ServerConfig.Transport transport) throws Exception {
        start(transport);
        try (Socket silent = connect()) {
            assertThat(readUntilClosed(silent.getInputStream())).as("bytes the server sent").isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(ServerConfig.Transport.class)
    void aConnectionThatNeverFinishesItsHeadersIsClosed(ServerConfig.Transport transport) throws Exception {
        start(transport);
        try (Socket slow = connect()) {
            slow.getOutputStream().write("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            slow.getOutputStream().flush();
            assertThat(readUntilClosed(slow.getInputStream())).as("bytes the server sent").isZero();
        }
    }

    private Socket connect() throws Exception {
        Socket s = new Socket("127.0.0.1", endpoint.getPort());
        s.setSoTimeout(10_000); // far above the 300 ms limit: a read that times out fails the test
        return s;
    }

    /** Reads until the server closes; returns how many bytes came first. */
    private static int readUntilClosed(InputStream in) throws Exception {
        int count = 0;
        while (in.read() >= 0) {
            count++;
        }
        return count;
    }
}
