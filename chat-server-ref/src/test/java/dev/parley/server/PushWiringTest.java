package dev.parley.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpServer;
import dev.parley.server.push.LoggingPushNotifier;
import dev.parley.server.push.WebhookPushNotifier;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** PUSH_WEBHOOK_URL makes the server post notifications for offline participants to a webhook. */
class PushWiringTest {

    @Test
    void aMessageToAnOfflineUserIsPostedToTheWebhook() throws Exception {
        LinkedBlockingQueue<String> bodies = new LinkedBlockingQueue<>();
        HttpServer hook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        hook.createContext("/push", ex -> {
            bodies.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        hook.start();
        try (TestServer server = TestServer.start(b -> b
                .pushWebhookUrl("http://127.0.0.1:" + hook.getAddress().getPort() + "/push")
                .pushWebhookSecret("a-webhook-secret-for-tests"))) {
            server.login("bob").close();
            try (WsClient alice = server.login("alice")) {
                String conv = alice.createConversation(null, null, "bob");
                JsonObject send = new JsonObject();
                send.addProperty("conversationId", conv);
                send.addProperty("content", "are you there?");
                alice.request("send_message", send);
            }
            String body = bodies.poll(10, TimeUnit.SECONDS);
            assertThat(body).isNotNull().doesNotContain("are you there?");
            JsonObject n = JsonParser.parseString(body).getAsJsonObject().getAsJsonArray("notifications").get(0).getAsJsonObject();
            assertThat(n.get("userId").getAsString()).isEqualTo("bob");
        } finally {
            hook.stop(0);
        }
    }

    @Test
    void withoutAWebhookNotificationsAreLoggedInDevModeAndOffOtherwise() throws Exception {
        ServerConfig noWebhook = ServerConfig.fromEnvironment(Map.of()).build();
        assertThat(ChatServer.pushNotifier(noWebhook, true)).isInstanceOf(LoggingPushNotifier.class);
        assertThat(ChatServer.pushNotifier(noWebhook, false)).isNull();
        ServerConfig webhook = ServerConfig.fromEnvironment(Map.of("PUSH_WEBHOOK_URL", "https://hooks.example/p",
                "PUSH_WEBHOOK_SECRET", "a-webhook-secret-for-tests")).build();
        assertThat(ChatServer.pushNotifier(webhook, false)).isInstanceOf(WebhookPushNotifier.class);
    }

    @Test
    void aWebhookWithoutASecretIsRefused() {
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(Map.of("PUSH_WEBHOOK_URL", "https://hooks.example/p")).build())
                .hasMessageContaining("PUSH_WEBHOOK_SECRET");
    }
}
