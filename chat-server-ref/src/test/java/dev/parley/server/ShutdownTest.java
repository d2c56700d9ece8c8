package dev.parley.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import org.junit.jupiter.api.Test;

class ShutdownTest {

    @Test
    void closingTheServerClosesEverySessionWith1001AndFreesThePort() throws Exception {
        TestServer server = TestServer.start();
        int port = server.server.port();
        WsClient alice = server.login("alice");
        WsClient anon = WsClient.connect(server.ws("/"));
        server.close();
        assertThat(alice.awaitClose()).isEqualTo(1001);
        assertThat(anon.awaitClose()).isEqualTo(1001);
        assertThatThrownBy(() -> {
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.getOutputStream().write(1);
            }
        }).isInstanceOf(IOException.class).isInstanceOf(ConnectException.class);
        server.close();
    }
}
