package dev.parley.examples;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.parley.core.ChatEngine;
import dev.parley.core.CustomHandler;
import dev.parley.core.memory.InMemoryChatStore;
import dev.parley.core.spi.Principal;
import dev.parley.protocol.ErrorCode;
import java.io.PrintStream;
import java.security.SecureRandom;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Embeds the engine in a plain Java program: in-memory store, a custom {@code roll_dice} message type,
 * and two users talking over an in-process transport.
 *
 * <p>Run: {@code mvn -q -pl examples -am process-classes -Dexample=EmbeddedEngineExample}
 */
public final class EmbeddedEngineExample {
    static final int MAX_SIDES = 100;

    private EmbeddedEngineExample() {
    }

    public static void main(String[] args) {
        run(System.out, new SecureRandom());
    }

    static void run(PrintStream out, RandomGenerator random) {
        Map<String, Principal> tokens = Map.of(
                "alice-token", Principal.of("u-alice", "alice", null),
                "bob-token", Principal.of("u-bob", "bob", null));
        try (ChatEngine engine = ChatEngine.builder()
                .store(new InMemoryChatStore())
                .authenticator(new DemoAuthenticator(tokens))
                .handler("roll_dice", rollDice(random))
                .build()) {
            engine.start();

            // Alice passes her token when connecting; Bob authenticates with an auth message.
            InProcessConnection alice = new InProcessConnection(engine, "alice-token");
            alice.next("auth_success");
            InProcessConnection bob = new InProcessConnection(engine, null);
            expect(bob.call("auth", object("token", "bob-token")), "auth_success");
            out.println("alice and bob are online");

            JsonObject create = new JsonObject();
            create.addProperty("type", "direct");
            JsonArray others = new JsonArray();
            others.add("u-bob");
            create.add("participant_ids", others);
            String conversationId = expect(alice.call("create_conversation", create), "conversation_created").get("id").getAsString();
            bob.next("conversation_created");
            expect(bob.call("join_conversation", object("conversationId", conversationId)), "conversation_joined");
            out.println("alice opened a direct conversation with bob");

            say(alice, "alice", conversationId, "Hi Bob! Shall we roll for who buys lunch?", bob, "bob", out);

            JsonObject rolled = bob.call("roll_dice", object("sides", 6));
            int value = expect(rolled, "dice_rolled").get("value").getAsInt();
            out.println("bob rolled a " + value + " with roll_dice");
            say(bob, "bob", conversationId, "I rolled a " + value + ", your turn.", alice, "alice", out);

            JsonObject refused = alice.call("roll_dice", object("sides", 1000));
            out.println("alice asked for a 1000-sided die: " + expect(refused, "error").get("code").getAsString());

            JsonObject history = alice.call("load_messages", object("conversationId", conversationId));
            out.println("history holds " + expect(history, "messages_loaded").getAsJsonArray("messages").size() + " messages");
            out.println("engine stats: " + engine.stats().toJson());
        }
    }

    /**
     * The embedder's own message type: {@code roll_dice {sides}} (default 6) answered with
     * {@code dice_rolled {userId, sides, value}}; anything but a whole number from 2 to 100 is {@code INVALID_DATA}.
     */
    static CustomHandler rollDice(RandomGenerator random) {
        return request -> {
            JsonElement requested = request.payload().get("sides");
            if (requested != null && !(requested.isJsonPrimitive() && requested.getAsJsonPrimitive().isNumber())) {
                request.fail(ErrorCode.INVALID_DATA, "sides must be a number");
                return;
            }
            double asked = requested == null ? 6 : requested.getAsDouble();
            int sides = (int) asked;
            if (sides != asked) {
                request.fail(ErrorCode.INVALID_DATA, "sides must be a whole number");
                return;
            }
            if (sides < 2 || sides > MAX_SIDES) {
                request.fail(ErrorCode.INVALID_DATA, "sides must be between 2 and " + MAX_SIDES);
                return;
            }
            JsonObject result = new JsonObject();
            result.addProperty("userId", request.userId());
            result.addProperty("sides", sides);
            result.addProperty("value", 1 + random.nextInt(sides));
            request.reply("dice_rolled", result);
        };
    }

    /** Sends a message and prints it as the other user receives it. */
    private static void say(InProcessConnection from, String fromName, String conversationId, String text,
            InProcessConnection to, String toName, PrintStream out) {
        JsonObject send = object("conversationId", conversationId);
        send.addProperty("content", text);
        String id = expect(from.call("send_message", send), "message_sent").getAsJsonObject("message")
                .get("id").getAsString();
        // Every joined connection gets message_received, the sender's included: wait for this message's copy.
        JsonObject message;
        do {
            message = to.next("message_received").getAsJsonObject("payload").getAsJsonObject("message");
        } while (!id.equals(message.get("id").getAsString()));
        out.println("[" + toName + " receives] " + fromName + ": " + message.get("encrypted_content").getAsString());
    }

    /** The payload of an answer that must be of this type. */
    private static JsonObject expect(JsonObject frame, String type) {
        if (!type.equals(frame.get("type").getAsString())) {
            throw new IllegalStateException("expected " + type + " but the engine answered " + frame);
        }
        return frame.getAsJsonObject("payload");
    }

    private static JsonObject object(String key, String value) {
        JsonObject o = new JsonObject();
        o.addProperty(key, value);
        return o;
    }

    private static JsonObject object(String key, int value) {
        JsonObject o = new JsonObject();
        o.addProperty(key, value);
        return o;
    }
}
