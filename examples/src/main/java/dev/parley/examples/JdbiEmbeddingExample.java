package dev.parley.examples;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.parley.core.ChatEngine;
import dev.parley.core.spi.Principal;
import dev.parley.core.spi.UserProfile;
import dev.parley.store.jdbi.JdbiChatStore;
import java.io.PrintStream;
import java.util.Map;

/**
 * Embeds the engine on PostgreSQL through {@link JdbiChatStore}: provisions two users, has them talk,
 * stops the engine, starts a new one on the same database and shows that the history is still there.
 *
 * <p>Run: {@code mvn -q -pl examples -am process-classes -Dexample=JdbiEmbeddingExample
 * [-Dexec.args="jdbcUrl [user [password]]"]}. Without arguments it reads {@code PARLEY_DB_URL},
 * {@code PARLEY_DB_USER} and {@code PARLEY_DB_PASSWORD}, else uses
 * {@code jdbc:postgresql://127.0.0.1:5432/test} as {@code postgres} with no password.
 */
public final class JdbiEmbeddingExample {
    static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/test";
    static final String DEFAULT_USER = "postgres";

    private static final Principal ALICE = Principal.of("u-alice", "alice", null);
    private static final Principal BOB = Principal.of("u-bob", "bob", null);
    private static final Map<String, Principal> TOKENS = Map.of("alice-token", ALICE, "bob-token", BOB);

    private JdbiEmbeddingExample() {
    }

    public static void main(String[] args) {
        String url = arg(args, 0, "PARLEY_DB_URL", DEFAULT_URL);
        String user = arg(args, 1, "PARLEY_DB_USER", DEFAULT_USER);
        String password = arg(args, 2, "PARLEY_DB_PASSWORD", "");
        run(url, user, password, System.out);
    }

    static void run(String url, String user, String password, PrintStream out) {
        String conversationId;
        // First run of the engine: users, a conversation and two messages go into PostgreSQL.
        try (JdbiChatStore store = JdbiChatStore.postgres(url, user, password);
             ChatEngine engine = newEngine(store)) {
            // An embedder provisions users from its own user database; the engine also updates them on every auth.
            store.upsertUser(UserProfile.of(ALICE));
            store.upsertUser(UserProfile.of(BOB));
            out.println("users alice and bob stored");

            try (InProcessConnection alice = new InProcessConnection(engine, "alice-token")) {
                alice.next("auth_success");
                JsonObject create = new JsonObject();
                create.addProperty("type", "direct");
                JsonArray others = new JsonArray();
                others.add(BOB.userId());
                create.add("participant_ids", others);
                conversationId = expect(alice.call("create_conversation", create), "conversation_created")
                        .get("id").getAsString();
                out.println("conversation " + conversationId + " between alice and bob");
                send(alice, conversationId, "Hello Bob, this is stored in PostgreSQL.");
                send(alice, conversationId, "It will still be here after a restart.");
                out.println("alice sent 2 messages");
            }
        }
        out.println("engine stopped");

        // Second run: a new store and engine on the same database; Bob reads what Alice wrote.
        try (JdbiChatStore store = JdbiChatStore.postgres(url, user, password);
             ChatEngine engine = newEngine(store);
             InProcessConnection bob = new InProcessConnection(engine, "bob-token")) {
            out.println("engine restarted on the same database");
            bob.next("auth_success");
            JsonArray conversations = expect(bob.call("load_conversations", new JsonObject()), "conversations_loaded")
                    .getAsJsonArray("conversations");
            out.println("bob has " + conversations.size() + " conversation(s)");
            JsonObject load = new JsonObject();
            load.addProperty("conversationId", conversationId);
            JsonArray messages = expect(bob.call("load_messages", load), "messages_loaded").getAsJsonArray("messages");
            out.println("history after restart: " + messages.size() + " message(s)");
            for (JsonElement m : messages) {
                JsonObject message = m.getAsJsonObject();
                out.println("  #" + message.get("seq").getAsLong() + " " + message.getAsJsonObject("sender")
                        .get("username").getAsString() + ": " + message.get("encrypted_content").getAsString());
            }
        }
    }

    private static ChatEngine newEngine(JdbiChatStore store) {
        ChatEngine engine = ChatEngine.builder().store(store).authenticator(new DemoAuthenticator(TOKENS)).build();
        engine.start();
        return engine;
    }

    private static void send(InProcessConnection from, String conversationId, String text) {
        JsonObject send = new JsonObject();
        send.addProperty("conversationId", conversationId);
        send.addProperty("content", text);
        // message_sent comes only after the store has committed the message.
        expect(from.call("send_message", send), "message_sent");
    }

    private static JsonObject expect(JsonObject frame, String type) {
        if (!type.equals(frame.get("type").getAsString())) {
            throw new IllegalStateException("expected " + type + " but the engine answered " + frame);
        }
        return frame.getAsJsonObject("payload");
    }

    private static String arg(String[] args, int index, String env, String fallback) {
        if (args.length > index) {
            return args[index];
        }
        String value = System.getenv(env);
        return value != null && !value.isEmpty() ? value : fallback;
    }
}
