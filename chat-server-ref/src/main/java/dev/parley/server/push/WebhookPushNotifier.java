package dev.parley.server.push;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.parley.core.spi.PushNotification;
import dev.parley.core.spi.PushNotifier;
import dev.parley.protocol.Timestamps;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts each batch of notifications as JSON to a webhook, signed so the receiver can trust it:
 * header {@code X-Parley-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">} and
 * {@code X-Parley-Timestamp: <epoch seconds>} (the timestamp in the signed text stops replays).
 * A failed post is retried once; then the batch is dropped and logged.
 */
public final class WebhookPushNotifier implements PushNotifier {
    private static final Logger log = LoggerFactory.getLogger(WebhookPushNotifier.class);

    private final URI url;
    private final byte[] secret;
    private final HttpClient http;
    private final Duration timeout;

    public WebhookPushNotifier(URI url, String secret, Duration timeout) {
        if (secret == null || secret.length() < 16) {
            throw new IllegalArgumentException("the webhook secret needs at least 16 characters");
        }
        this.url = url;
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    @Override
    public void deliver(List<PushNotification> batch) {
        String body = toJson(batch);
        String timestamp = Long.toString(Instant.now().getEpochSecond());
        HttpRequest request = HttpRequest.newBuilder(url)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("X-Parley-Timestamp", timestamp)
                .header("X-Parley-Signature", "sha256=" + sign(timestamp + "." + body))
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .build();
        for (int attempt = 1; attempt <= 2; attempt++) {
            try {
                HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() / 100 == 2) {
                    return;
                }
                log.warn("push webhook answered {} (attempt {})", response.statusCode(), attempt);
            } catch (IOException e) {
                log.warn("push webhook unreachable (attempt {}): {}", attempt, e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        log.warn("push webhook: dropped a batch of {} notifications", batch.size());
    }

    /** The hex HMAC-SHA256 of {@code text} under the secret; receivers compute the same to verify. */
    public String sign(String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java platform", e);
        }
    }

    private static String toJson(List<PushNotification> batch) {
        JsonArray items = new JsonArray();
        for (PushNotification n : batch) {
            JsonObject o = new JsonObject();
            o.addProperty("userId", n.userId());
            o.addProperty("conversationId", n.conversationId());
            o.addProperty("messageId", n.messageId());
            o.addProperty("seq", n.seq());
            o.addProperty("senderId", n.senderId());
            o.addProperty("senderName", n.senderName());
            o.addProperty("messageType", n.messageType());
            o.addProperty("createdAt", Timestamps.format(n.createdAt()));
            items.add(o);
        }
        JsonObject root = new JsonObject();
        root.add("notifications", items);
        return root.toString();
    }
}
