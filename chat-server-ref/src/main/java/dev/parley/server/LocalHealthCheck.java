package dev.parley.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Collections;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * {@code GET /health} over TLS on this machine, for the {@code health} command of a server with
 * {@code TLS_KEYSTORE}: the check trusts exactly the certificates of the server's own keystore, so
 * it needs neither a CA nor a certificate naming 127.0.0.1 (it does not check the host name: it
 * only ever talks to the loopback address it was given).
 */
final class LocalHealthCheck {
    private static final int TIMEOUT_MILLIS = 5_000;

    private LocalHealthCheck() {
    }

    /** The response's status line and body, e.g. {@code "200 {...}"}; the status is its first word. */
    static String get(int port, Path keystore, String password) throws IOException, GeneralSecurityException {
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, trustingCertificatesOf(keystore, password).getTrustManagers(), null);
        try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MILLIS);
            socket.setSoTimeout(TIMEOUT_MILLIS);
            OutputStream out = socket.getOutputStream();
            out.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
            int lineEnd = response.indexOf("\r\n");
            String[] statusLine = (lineEnd < 0 ? response : response.substring(0, lineEnd)).split(" ");
            if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/")) {
                throw new IOException("not an HTTP answer");
            }
            int bodyStart = response.indexOf("\r\n\r\n");
            return statusLine[1] + " " + (bodyStart < 0 ? "" : response.substring(bodyStart + 4));
        }
    }

    private static TrustManagerFactory trustingCertificatesOf(Path keystore, String password)
            throws IOException, GeneralSecurityException {
        char[] pw = password == null ? new char[0] : password.toCharArray();
        KeyStore server = KeyStore.getInstance(keystore.toFile(), pw);
        KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
        trusted.load(null, null);
        int n = 0;
        for (String alias : Collections.list(server.aliases())) {
            Certificate[] chain = server.isKeyEntry(alias) ? server.getCertificateChain(alias)
                    : new Certificate[] {server.getCertificate(alias)};
            for (Certificate c : chain == null ? new Certificate[0] : chain) {
                trusted.setCertificateEntry("cert-" + n++, c);
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trusted);
        return tmf;
    }
}
