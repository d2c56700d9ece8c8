package dev.parley.server;

import static dev.parley.server.WsClient.payload;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.parley.core.EngineConfig;
import dev.parley.protocol.ProtocolLimits;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.enums.Opcode;
import org.java_websocket.exceptions.WebsocketNotConnectedException;
import org.java_websocket.extensions.IExtension;
import org.java_websocket.extensions.permessage_deflate.PerMessageDeflateExtension;
import org.java_websocket.protocols.IProtocol;
import org.java_websocket.protocols.Protocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the server decides at the handshake and at the frame level: origins, paths, limits, sizes, extensions. */
class HandshakeTest {
    private static final int SMALL_FRAME = 64 * 1024;
    private TestServer server;
    private final List<Socket> sockets = new ArrayList<>();

    @AfterEach
    void stop() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /** Sends a raw upgrade request and returns the status line and headers of the answer. */
    private List<String> upgrade(String path, String origin) throws IOException {
        Socket s = new Socket("127.0.0.1", server.server.port());
        sockets.add(s);
        s.setSoTimeout(10_000);
        String request = "GET " + path + " HTTP/1.1\r\n"
                + "Host: 127.0.0.1:" + server.server.port() + "\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                + (origin == null ? "" : "Origin: " + origin + "\r\n")
                + "\r\n";
        OutputStream out = s.getOutputStream();
        out.write(request.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
        List<String> head = new ArrayList<>();
        for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
            head.add(line);
        }
        return head;
    }

    private List<String> rawRequest(String request) throws IOException {
        Socket s = new Socket("127.0.0.1", server.server.port());
        sockets.add(s);
        s.setSoTimeout(10_000);
        s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
        List<String> head = new ArrayList<>();
        for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
            head.add(line);
        }
        return head;
    }

    @Test
    void theUpgradeIsAnsweredWithTheAcceptKeyOfRfc6455sExample() throws Exception {
        server = TestServer.start();
        // The request of RFC 6455, 1.3, from a browser that adds keep-alive to its Connection header.
        List<String> head = rawRequest("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                + "Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key:  dGhlIHNhbXBsZSBub25jZQ== \r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat, parley.v1\r\n\r\n");
        assertThat(head.get(0)).isEqualTo("HTTP/1.1 101 Switching Protocols");
        assertThat(head).contains("Upgrade: websocket", "Connection: Upgrade",
                "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "Sec-WebSocket-Protocol: parley.v1");
        assertThat(head).noneMatch(line -> line.startsWith("Sec-WebSocket-Extensions"));
    }

    @Test
    void anUnsupportedWebSocketVersionGets426NamingVersion13() throws Exception {
        server = TestServer.start();
        List<String> head = rawRequest("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n");
        assertThat(head.get(0)).startsWith("HTTP/1.1 426");
        assertThat(head).contains("Sec-WebSocket-Version: 13");
    }

    @Test
    void anOversizedHandshakeIsRefused() throws Exception {
        server = TestServer.start();
        StringBuilder request = new StringBuilder("GET /ws HTTP/1.1\r\nHost: x\r\n");
        for (int i = 0; i < 400; i++) {
            request.append("X-Filler-").append(i).append(": ").append("f".repeat(60)).append("\r\n");
        }
        request.append("\r\n");
        List<String> head = rawRequest(request.toString());
        assertThat(head.get(0)).startsWith("HTTP/1.1 404");
        assertThat(server.get("/health").statusCode()).isEqualTo(200);
    }

    private static EngineConfig smallFrames() {
        return EngineConfig.builder().workerThreads(2)
                .limits(ProtocolLimits.builder().maxFrameBytes(SMALL_FRAME).build()).build();
    }

    @Test
    void listedOriginsAndSameOriginArePermittedOthersGet403() throws Exception {
        server = TestServer.start(b -> b.allowedOrigins(List.of("https://chat.example.org")));
        assertThat(upgrade("/ws", "https://chat.example.org").get(0)).startsWith("HTTP/1.1 101");
        assertThat(upgrade("/ws", null).get(0)).startsWith("HTTP/1.1 101");
        assertThat(upgrade("/ws", "http://127.0.0.1:" + server.server.port()).get(0)).startsWith("HTTP/1.1 101");
        assertThat(upgrade("/ws", "https://evil.example").get(0)).startsWith("HTTP/1.1 403");
        assertThat(upgrade("/", "http://chat.example.org").get(0)).startsWith("HTTP/1.1 403");
    }

    @Test
    void withoutAllowedOriginsOnlySameOriginBrowsersConnect() throws Exception {
        server = TestServer.start();
        assertThat(upgrade("/ws", "https://evil.example").get(0)).startsWith("HTTP/1.1 403");
        assertThat(upgrade("/ws", "http://127.0.0.1:" + server.server.port()).get(0)).startsWith("HTTP/1.1 101");
        WsClient refused = WsClient.attempt(server.ws("/ws"), Map.of("Origin", "https://evil.example"));
        assertThat(refused.isOpen()).isFalse();
    }

    @Test
    void otherPathsAndPlainRequestsAreNotUpgraded() throws Exception {
        server = TestServer.start();
        assertThat(upgrade("/chat", null).get(0)).startsWith("HTTP/1.1 404");
        assertThat(server.get("/ws").statusCode()).isEqualTo(426);
        assertThat(server.get("/elsewhere").statusCode()).isEqualTo(404);
    }

    @Test
    void connectionsPerAddressAreCapped() throws Exception {
        server = TestServer.start(b -> b.maxConnectionsPerIp(2));
        WsClient first = WsClient.connect(server.ws("/ws"));
        WsClient second = WsClient.connect(server.ws("/ws"));
        List<String> third = upgrade("/ws", null);
        assertThat(third.get(0)).startsWith("HTTP/1.1 503");
        assertThat(third).contains("Retry-After: 5");
        first.close();
        first.awaitClose();
        // The slot is released when the server has seen the close.
        long deadline = System.nanoTime() + 5_000_000_000L;
        String status = upgrade("/ws", null).get(0);
        while (!status.startsWith("HTTP/1.1 101") && System.nanoTime() < deadline) {
            Thread.sleep(50);
            status = upgrade("/ws", null).get(0);
        }
        assertThat(status).startsWith("HTTP/1.1 101");
        second.close();
    }

    @Test
    void aFrameOverTheLimitClosesWith1009() throws Exception {
        server = TestServer.start(b -> b.engineConfig(smallFrames()));
        try (WsClient c = server.login("alice")) {
            c.raw().send("x".repeat(SMALL_FRAME + 1));
            assertThat(c.awaitClose()).isEqualTo(1009);
        }
    }

    @Test
    void aFragmentedMessageOverTheLimitClosesWith1009() throws Exception {
        server = TestServer.start(b -> b.engineConfig(smallFrames()));
        try (WsClient c = server.login("alice")) {
            byte[] part = "y".repeat(SMALL_FRAME / 2).getBytes(StandardCharsets.UTF_8);
            c.raw().sendFragmentedFrame(Opcode.TEXT, ByteBuffer.wrap(part), false);
            c.raw().sendFragmentedFrame(Opcode.TEXT, ByteBuffer.wrap(part), false);
            c.raw().sendFragmentedFrame(Opcode.TEXT, ByteBuffer.wrap(part), true);
            assertThat(c.awaitClose()).isEqualTo(1009);
        }
    }

    /** Sends a first fragment and then continuation frames of {@code bytesEach}, at most {@code max} in all; returns how many went out. */
    private static int floodFragments(WsClient c, int bytesEach, int max) {
        byte[] part = "z".repeat(bytesEach).getBytes(StandardCharsets.UTF_8);
        int sent = 0;
        try {
            while (sent < max && c.isOpen()) {
                c.raw().sendFragmentedFrame(Opcode.TEXT, ByteBuffer.wrap(part), false);
                sent++;
            }
        } catch (WebsocketNotConnectedException e) {
            // closed by the server meanwhile
        }
        return sent;
    }

    @Test
    void aFloodOfTinyOrEmptyFragmentsIsBoundedAndClosedWithoutDisturbingOthers() throws Exception {
        server = TestServer.start(b -> b.engineConfig(smallFrames()));
        try (WsClient bystander = server.login("bob")) {
            for (int bytesEach : new int[] {0, 1, 16}) {
                try (WsClient c = server.login("alice")) {
                    // Exactly one fragment past the limit: bytes sent after it would lie unread when
                    // the server closes, its kernel would answer them with a reset, and the close
                    // frame could be lost (1006 instead of 1009).
                    int sent = floodFragments(c, bytesEach, ServerDraft.MAX_FRAGMENTS + 1);
                    assertThat(c.awaitClose()).as("fragments of %d bytes", bytesEach).isEqualTo(1009);
                    System.out.printf(Locale.ROOT, "HandshakeTest: aFloodOfTinyOrEmptyFragmentsIsBoundedAndClosedWithoutDisturbingOthers:"
                            + " fragments of %d bytes: closed with 1009 (%d fragments sent, the limit is %d)%n",
                            bytesEach, sent, ServerDraft.MAX_FRAGMENTS);
                }
                assertThat(bystander.request("ping", new JsonObject()).get("type").getAsString()).isEqualTo("pong");
            }
            try (WsClient c = server.login("carol")) {
                byte[] ping = "{\"type\":\"ping\",\"payload\":{},\"requestId\":\"in-pieces\"}".getBytes(StandardCharsets.UTF_8);
                for (int i = 0; i < ping.length; i++) {
                    c.raw().sendFragmentedFrame(Opcode.TEXT, ByteBuffer.wrap(ping, i, 1), i == ping.length - 1);
                }
                assertThat(c.next("pong").get("requestId").getAsString())
                        .as("a message in %d fragments, under the limit, is served", ping.length).isEqualTo("in-pieces");
            }
        }
    }

    @Test
    void invalidHandshakesAreRefusedWithoutDisturbingOthers() throws Exception {
        server = TestServer.start();
        String key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
        String upgrade = "Upgrade: websocket\r\nConnection: Upgrade\r\n";
        byte[] noise = new byte[4096];
        new java.util.Random(11).nextBytes(noise);
        List<byte[]> bad = new ArrayList<>();
        for (String request : new String[] {
                "GET /ws HTTP/1.1\r\nHost: x\r\n" + upgrade + "Sec-WebSocket-Version: 13\r\n\r\n", // no key
                "GET /ws HTTP/1.1\r\nHost: x\r\n" + upgrade + "Sec-WebSocket-Key: \r\nSec-WebSocket-Version: 13\r\n\r\n",
                "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n" + key + "Sec-WebSocket-Version: 13\r\n\r\n",
                "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: keep-alive\r\n" + key + "Sec-WebSocket-Version: 13\r\n\r\n",
                "GET /ws HTTP/1.1\r\nHost: x\r\n" + upgrade + key + "\r\n", // no version
                "GET /ws HTTP/1.1\r\nHost: x\r\n" + upgrade + key + "Sec-WebSocket-Version: banana\r\n\r\n",
                "POST /ws HTTP/1.1\r\nHost: x\r\n" + upgrade + key + "Sec-WebSocket-Version: 13\r\nContent-Length: 3\r\n\r\nabc",
                "GET /ws HTTP/1.0\r\n\r\n",
                "GET /ws\r\n\r\n",
                "GET\r\n\r\n",
                "HELLO\r\n\r\n",
                "\r\n\r\n",
                "GET /ws HTTP/1.1\r\nHost x no colon\r\n" + upgrade + key + "Sec-WebSocket-Version: 13\r\n\r\n",
                "GET /" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\n\r\n"}) {
            bad.add(request.getBytes(StandardCharsets.ISO_8859_1));
        }
        bad.add(noise);
        bad.add(new byte[] {0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00}); // a TLS hello on the plain port
        bad.add("GET /ws HTTP/1.1\r\nHost: \u00ff\u00fe\r\n\r\n".getBytes(StandardCharsets.UTF_8));
        try (WsClient bystander = server.login("bob")) {
            for (byte[] request : bad) {
                String answer = rawAnswer(request);
                assertThat(answer).as("answer to %s", new String(request, StandardCharsets.ISO_8859_1)
                        .substring(0, Math.min(80, request.length))).doesNotStartWith("HTTP/1.1 101");
                assertThat(bystander.request("ping", new JsonObject()).get("type").getAsString()).isEqualTo("pong");
            }
            assertThat(server.get("/health").statusCode()).isEqualTo(200);
            try (WsClient fresh = server.login("carol")) {
                assertThat(fresh.isOpen()).isTrue();
            }
        }
        System.out.printf(Locale.ROOT, "HandshakeTest: invalidHandshakesAreRefusedWithoutDisturbingOthers: %d malformed"
                + " handshakes refused (none switched protocols), a connected user answered after each%n", bad.size());
    }

    /** Sends raw bytes, half-closes, and returns the first line of the answer ("" if the server just closed). */
    private String rawAnswer(byte[] request) throws IOException {
        Socket s = new Socket("127.0.0.1", server.server.port());
        sockets.add(s);
        s.setSoTimeout(10_000);
        s.getOutputStream().write(request);
        s.getOutputStream().flush();
        s.shutdownOutput();
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
        try {
            String line = in.readLine();
            while (in.read() >= 0) {
                // drain until the server closes: a refused handshake must not stay open
            }
            return line == null ? "" : line;
        } catch (java.net.SocketException e) {
            return ""; // reset by the server
        }
    }

    @Test
    void compressedFramesAreServedAndACompressionBombClosesWith1009() throws Exception {
        server = TestServer.start(b -> b.engineConfig(smallFrames()));
        Draft_6455 deflate = new Draft_6455(List.<IExtension>of(new PerMessageDeflateExtension()),
                List.<IProtocol>of(new Protocol("parley.v1")));
        try (WsClient c = WsClient.connect(server.ws("/ws"), deflate, Map.of())) {
            Draft_6455 negotiated = (Draft_6455) c.raw().getConnection().getDraft();
            assertThat(negotiated.getExtension()).isInstanceOf(PerMessageDeflateExtension.class);
            assertThat(negotiated.getProtocol().getProvidedProtocol()).isEqualTo("parley.v1");
            JsonObject p = new JsonObject();
            p.addProperty("token", TestServer.token("alice"));
            assertThat(c.request("auth", p).get("type").getAsString()).isEqualTo("auth_success");
            // Well under the limit on the wire (it compresses to about a kilobyte), far over it inflated.
            JsonObject big = new JsonObject();
            big.addProperty("conversationId", "z".repeat(4 * SMALL_FRAME));
            c.send("join_conversation", big);
            assertThat(c.awaitClose()).isEqualTo(1009);
        }
    }

    @Test
    void aCompressedMessageUnderTheLimitIsAnswered() throws Exception {
        server = TestServer.start(b -> b.engineConfig(smallFrames()));
        Draft_6455 deflate = new Draft_6455(List.<IExtension>of(new PerMessageDeflateExtension()));
        try (WsClient c = WsClient.connect(server.ws("/ws"), deflate, Map.of())) {
            JsonObject p = new JsonObject();
            p.addProperty("token", TestServer.token("alice"));
            c.request("auth", p);
            JsonObject send = new JsonObject();
            send.addProperty("conversationId", "no-such-conversation");
            send.addProperty("content", "q".repeat(8 * 1024));
            JsonObject answer = c.request("send_message", send);
            assertThat(payload(answer).get("code").getAsString()).isEqualTo("ACCESS_DENIED");
            assertThat(c.isOpen()).isTrue();
        }
    }
}
