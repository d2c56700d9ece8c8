package dev.parley.server;

import static dev.parley.server.WsClient.payload;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.FileInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
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
}
