package dev.parley.server.push;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpServer;
import dev.parley.core.spi.PushNotification;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WebhookPushNotifierTest {
    private HttpServer server;

    record Received(String body, String timestamp, String signature) {
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private LinkedBlockingQueue<Received> serve(int status) throws Exception {
        LinkedBlockingQueue<Received> got = new LinkedBlockingQueue<>();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/push", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            got.add(new Received(body, ex.getRequestHeaders().getFirst("X-Parley-Timestamp"),
                    ex.getRequestHeaders().getFirst("X-Parley-Signature")));
            ex.sendResponseHeaders(status, -1);
            ex.close();
        });
        server.start();
        return got;
    }

    @Test
    void postsASignedBatchWithoutMessageBodies() throws Exception {
        LinkedBlockingQueue<Received> got = serve(204);
        WebhookPushNotifier notifier = new WebhookPushNotifier(
                URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/push"), "0123456789abcdef-secret",
                Duration.ofSeconds(5));
        notifier.deliver(List.of(new PushNotification("bob", "c-1", "m-1", 7, "alice", "Alice", "text",
                Instant.parse("2025-03-01T09:00:00Z"))));
        Received r = got.poll(5, TimeUnit.SECONDS);
        assertThat(r).isNotNull();
        assertThat(r.signature()).isEqualTo("sha256=" + notifier.sign(r.timestamp() + "." + r.body()));
        JsonObject n = JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonArray("notifications").get(0)
                .getAsJsonObject();
        assertThat(n.get("userId").getAsString()).isEqualTo("bob");
        assertThat(n.get("seq").getAsLong()).isEqualTo(7);
        assertThat(n.get("createdAt").getAsString()).isEqualTo("2025-03-01T09:00:00.000Z");
        assertThat(n.has("content")).isFalse();
    }

    @Test
    void aFailingWebhookIsRetriedOnceThenTheBatchIsDropped() throws Exception {
        LinkedBlockingQueue<Received> got = serve(500);
        WebhookPushNotifier notifier = new WebhookPushNotifier(
                URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/push"), "0123456789abcdef-secret",
                Duration.ofSeconds(5));
        notifier.deliver(List.of(new PushNotification("bob", "c", "m", 1, "a", "A", "text", Instant.EPOCH)));
        assertThat(got.poll(5, TimeUnit.SECONDS)).isNotNull();
        assertThat(got.poll(5, TimeUnit.SECONDS)).isNotNull();
        assertThat(got.poll(300, TimeUnit.MILLISECONDS)).isNull();
    }
}
