package dev.parley.examples;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.handshake.ServerHandshake;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bot's connection, speaking the protocol's JSON directly over a Java-WebSocket client: auth,
 * join its conversations, answer {@code message_received} from other users with {@code send_message}.
 */
final class ParleyBot extends WebSocketClient {
    private static final Logger log = LoggerFactory.getLogger(ParleyBot.class);

    private final String token;
    private final Function<String, Optional<String>> brain;
    private final Runnable onClosed;
    private final CompletableFuture<String> ready = new CompletableFuture<>();
    private final Set<String> initialJoins = ConcurrentHashMap.newKeySet();
    private volatile String userId;

    ParleyBot(URI server, String token, Function<String, Optional<String>> brain, Runnable onClosed) {
        super(server);
        this.token = token;
        this.brain = brain;
        this.onClosed = onClosed;
    }

    /** Completes with the bot's user id once it is authenticated and has asked to join its conversations. */
    CompletableFuture<String> ready() {
        return ready;
    }

    @Override
    public void onOpen(ServerHandshake handshake) {
        JsonObject auth = new JsonObject();
        auth.addProperty("token", token);
        request("auth", auth);
    }

    @Override
    public void onMessage(String text) {
        JsonObject frame;
        try {
            frame = JsonParser.parseString(text).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            log.warn("ignoring a frame that is not a JSON object");
            return;
        }
        JsonObject payload = frame.has("payload") && frame.get("payload").isJsonObject()
                ? frame.getAsJsonObject("payload") : new JsonObject();
        switch (frame.get("type").getAsString()) {
            case "auth_success" -> {
                userId = payload.getAsJsonObject("user").get("id").getAsString();
                request("load_conversations", new JsonObject());
            }
            case "conversations_loaded" -> {
                for (JsonElement c : payload.getAsJsonArray("conversations")) {
                    initialJoins.add(join(c.getAsJsonObject().get("id").getAsString()));
                }
                completeWhenJoined(null);
            }
            case "conversation_joined" -> completeWhenJoined(frame.get("requestId").getAsString());
            // Someone started a conversation with the bot: join it and say what the bot does.
            case "conversation_created" -> {
                if (payload.has("created") && payload.get("created").getAsBoolean()
                        && !userId.equals(payload.get("created_by").getAsString())) {
                    String conversationId = payload.get("id").getAsString();
                    join(conversationId);
                    say(conversationId, BotExample.GREETING);
                }
            }
            case "message_received" -> answer(payload.getAsJsonObject("message"));
            case "error" -> {
                completeWhenJoined(frame.get("requestId").getAsString());
                log.warn("server error {}", payload.has("code") ? payload.get("code").getAsString() : "?");
                if (userId == null) {
                    ready.completeExceptionally(new IllegalStateException("authentication refused: " + payload));
                    close();
                }
            }
            default -> {
                // Acknowledgements and events the bot has no use for.
            }
        }
    }

    private void answer(JsonObject message) {
        String sender = message.get("sender_id").getAsString();
        JsonElement content = message.get("encrypted_content");
        // Never answer itself (every joined connection, the sender's included, gets message_received).
        if (sender.equals(userId) || content == null || !content.isJsonPrimitive()) {
            return;
        }
        brain.apply(content.getAsString())
                .ifPresent(reply -> say(message.get("conversation_id").getAsString(), reply));
    }

    /** Ready once every conversation the bot had at login has answered its join, so no message slips by. */
    private void completeWhenJoined(String answeredRequestId) {
        if (answeredRequestId != null) {
            initialJoins.remove(answeredRequestId);
        }
        if (initialJoins.isEmpty() && userId != null) {
            ready.complete(userId);
        }
    }

    private String join(String conversationId) {
        JsonObject join = new JsonObject();
        join.addProperty("conversationId", conversationId);
        return request("join_conversation", join);
    }

    private void say(String conversationId, String text) {
        JsonObject send = new JsonObject();
        send.addProperty("conversationId", conversationId);
        send.addProperty("content", text);
        request("send_message", send);
    }

    private String request(String type, JsonObject payload) {
        String requestId = UUID.randomUUID().toString();
        JsonObject frame = new JsonObject();
        frame.addProperty("type", type);
        frame.add("payload", payload);
        frame.addProperty("requestId", requestId);
        send(frame.toString());
        return requestId;
    }

    @Override
    public void onMessage(ByteBuffer bytes) {
        // The protocol has no binary frames.
    }

    @Override
    public void onClose(int code, String reason, boolean remote) {
        log.info("bot connection closed: {} {}", code, reason);
        ready.completeExceptionally(new IllegalStateException("closed before ready: " + code + " " + reason));
        onClosed.run();
    }

    @Override
    public void onError(Exception e) {
        log.warn("bot connection error: {}", e.toString());
    }
}
