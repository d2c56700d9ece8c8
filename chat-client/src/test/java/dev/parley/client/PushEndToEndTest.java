package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpServer;
import dev.parley.server.ServerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * The reference server's push webhook against a deliberately slow receiver: offline participants
 * only, signed, and never in the way of the sender's acknowledgement.
 */
class PushEndToEndTest extends ReferenceEndToEndBase {
    private static final String SECRET = "push-webhook-secret-for-tests-0123";
    private static final long RECEIVER_DELAY_MILLIS = 3000;

    private record Call(String body, String timestamp, String signature) {
    }

    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final AtomicInteger answered = new AtomicInteger();
    private HttpServer receiver;

    @Override
    void serverSettings(ServerConfig.Builder b) {
        try {
            receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        receiver.setExecutor(Executors.newFixedThreadPool(2));
        receiver.createContext("/push", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                calls.add(new Call(new String(in.readAllBytes(), StandardCharsets.UTF_8),
                        exchange.getRequestHeaders().getFirst("X-Parley-Timestamp"),
                        exchange.getRequestHeaders().getFirst("X-Parley-Signature")));
            }
            try {
                Thread.sleep(RECEIVER_DELAY_MILLIS); // a slow push provider
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
            answered.incrementAndGet();
        });
        receiver.start();
        closeLater(() -> receiver.stop(0));
        b.pushWebhookUrl("http://127.0.0.1:" + receiver.getAddress().getPort() + "/push").pushWebhookSecret(SECRET);
    }

    @Test
    void offlineParticipantsArePushedWithAValidSignatureWhileTheSenderIsAnsweredAtOnce() throws Exception {
        ChatClient alice = connected("alice", null);
        ChatClient bob = connected("bob", null);
        ChatClient carol = connected("carol", null); // they exist once they have signed in
        ChatClient dave = connected("dave", null);
        String group = alice.createGroupConversation("push", List.of("bob", "carol", "dave")).join().id();
        bob.joinConversation(group).join();
        carol.close();
        dave.close();
        await("the server has carol and dave offline", () -> {
            List<String> online = bob.joinConversation(group).join().onlineUserIds();
            return online.contains("alice") && !online.contains("carol") && !online.contains("dave");
        });

        String first = alice.sendMessage(group, "first, do not push this text").get(10, TimeUnit.SECONDS).data().id();
        await("the webhook was called and is busy", () -> calls.size() == 1);
        assertThat(answered).hasValue(0);
        String second = alice.sendMessage(group, "second, sent while the webhook stalls").get(10, TimeUnit.SECONDS)
                .data().id();
        assertThat(answered).as("message_sent came while the webhook had not answered yet").hasValue(0);

        await("both messages were pushed", () -> notifications().size() == 4 && answered.get() == calls.size());
        List<JsonObject> pushed = notifications();
        assertThat(pushed).extracting(n -> n.get("userId").getAsString() + " " + n.get("messageId").getAsString())
                .containsExactlyInAnyOrder("carol " + first, "dave " + first, "carol " + second, "dave " + second);
        assertThat(pushed).allSatisfy(n -> {
            assertThat(n.get("conversationId").getAsString()).isEqualTo(group);
            assertThat(n.get("senderId").getAsString()).isEqualTo("alice");
        });
        for (Call c : calls) {
            assertThat(c.signature()).isEqualTo("sha256=" + hmac(c.timestamp() + "." + c.body()));
            assertThat(c.body()).doesNotContain("do not push", "webhook stalls");
        }
    }

    private List<JsonObject> notifications() {
        List<JsonObject> all = new ArrayList<>();
        for (Call c : calls) {
            for (JsonElement e : JsonParser.parseString(c.body()).getAsJsonObject().getAsJsonArray("notifications")) {
                all.add(e.getAsJsonObject());
            }
        }
        return all;
    }

    private static String hmac(String text) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    }
}
