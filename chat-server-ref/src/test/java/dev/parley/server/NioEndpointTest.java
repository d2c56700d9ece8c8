package dev.parley.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What only the nio transport does: close connections that never finish their request. */
class NioEndpointTest {
    private NioEndpoint endpoint;

    @BeforeEach
    void start() throws Exception {
        // No bridge: these connections never get as far as a request the bridge would decide.
        endpoint = new NioEndpoint(new InetSocketAddress("127.0.0.1", 0), 64 * 1024, null, 2, Duration.ofMillis(300));
        endpoint.start();
        endpoint.awaitStarted(5_000);
    }

    @AfterEach
    void stop() throws InterruptedException {
        endpoint.stop(1_000, "going_away");
    }

    @Test
    void aConnectionThatSendsNothingIsClosed() throws Exception {
        try (Socket silent = connect()) {
            assertThat(readUntilClosed(silent.getInputStream())).as("bytes the server sent").isZero();
        }
    }

    @Test
    void aConnectionThatNeverFinishesItsHeadersIsClosed() throws Exception {
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
