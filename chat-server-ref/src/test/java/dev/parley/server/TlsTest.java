package dev.parley.server;

import static dev.parley.server.WsClient.payload;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.java_websocket.server.DefaultSSLWebSocketServerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** wss:// and https:// on the same port with a keystore made by keytool. */
class TlsTest {
    private static final String PASSWORD = "changeit";

    @TempDir
    static Path dir;
    static Path keystore;
    static SSLContext clientTls;
    static SSLContext serverTls;

    @BeforeAll
    static void makeKeystore() throws Exception {
        keystore = dir.resolve("server.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "parley", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD)
                .redirectErrorStream(true).start();
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).as(new String(keytool.getInputStream().readAllBytes())).isEqualTo(0);

        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(keystore.toFile())) {
            ks.load(in, PASSWORD.toCharArray());
        }
        Certificate cert = ks.getCertificate("parley");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("parley", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        clientTls = SSLContext.getInstance("TLS");
        clientTls.init(null, tmf.getTrustManagers(), null);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, PASSWORD.toCharArray());
        serverTls = SSLContext.getInstance("TLS");
        serverTls.init(kmf.getKeyManagers(), null, null);
    }

    @Test
    void servesWssAndHttpsOnOnePort() throws Exception {
        try (TestServer server = TestServer.start(b -> b.tlsKeystore(keystore).tlsKeystorePassword(PASSWORD))) {
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
    void aMissingKeystoreIsAConfigurationError() {
        assertThatThrownBy(() -> TestServer.start(b -> b.tlsKeystore(dir.resolve("absent.p12"))))
                .isInstanceOf(ChatServer.ConfigurationException.class).hasMessageContaining("TLS_KEYSTORE");
    }

    @Test
    void aClientThatCompletesTlsButSendsNoRequestIsClosed() throws Exception {
        // No bridge: the connection never gets as far as a request the bridge would decide.
        WebSocketEndpoint endpoint = new WebSocketEndpoint(new InetSocketAddress("127.0.0.1", 0), 64 * 1024, null,
                new DefaultSSLWebSocketServerFactory(serverTls), Duration.ofMillis(300));
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
