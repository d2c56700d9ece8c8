package dev.parley.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.parley.core.memory.InMemoryChatStore;
import dev.parley.core.testkit.ManualClock;
import dev.parley.core.testkit.RecordingTransport;
import dev.parley.core.testkit.TestAuthenticator;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;

/** An engine on a manual clock and an in-memory store, with clients that speak raw frames. */
abstract class EngineHarness {
    final ManualClock clock = new ManualClock();
    final InMemoryChatStore store = new InMemoryChatStore(clock);
    private final List<ChatEngine> engines = new ArrayList<>();
    ChatEngine engine = newEngine(EngineConfig.DEFAULTS);

    ChatEngine newEngine(EngineConfig config) {
        ChatEngine e = ChatEngine.builder().store(store).authenticator(new TestAuthenticator()).clock(clock)
                .config(config).build();
        e.start();
        engines.add(e);
        return e;
    }

    /** Replaces the default engine with one on this configuration. */
    void useConfig(EngineConfig config) {
        engine = newEngine(config);
    }

    @AfterEach
    void closeEngines() {
        engines.forEach(ChatEngine::close);
    }

    Client connect() {
        return new Client(engine, null);
    }

    Client connectWithToken(String token) {
        return new Client(engine, token);
    }

    /** A connection authenticated as {@code userId} (in-band), with its auth_success consumed. */
    Client login(String userId, String... extensions) {
        Client c = connect();
        StringBuilder ext = new StringBuilder();
        for (String e : extensions) {
            ext.append(ext.length() == 0 ? "" : ",").append('"').append(e).append('"');
        }
        JsonObject r = c.call("auth", "{\"token\":\"" + TestAuthenticator.token(userId) + "\",\"extensions\":[" + ext + "]}");
        assertThat(r.get("type").getAsString()).isEqualTo("auth_success");
        // The auth task announces presence after answering; a ping answered means it has finished.
        assertThat(c.call("ping", "{}").get("type").getAsString()).isEqualTo("pong");
        return c;
    }

    /** Creates a conversation as {@code creator} (whose connection is joined to it) and returns its id. */
    String createConversation(Client creator, String type, String... others) {
        StringBuilder ids = new StringBuilder();
        for (String o : others) {
            ids.append(ids.length() == 0 ? "" : ",").append('"').append(o).append('"');
        }
        JsonObject r = creator.call("create_conversation",
                "{\"type\":\"" + type + "\",\"participant_ids\":[" + ids + "],\"name\":\"Team\"}");
        assertThat(r.get("type").getAsString()).isEqualTo("conversation_created");
        return r.getAsJsonObject("payload").get("id").getAsString();
    }

    static JsonObject payload(JsonObject frame) {
        return frame.getAsJsonObject("payload");
    }

    static final class Client {
        private static final AtomicInteger ids = new AtomicInteger();
        final RecordingTransport transport = new RecordingTransport();
        final Session session;

        Client(ChatEngine engine, String token) {
            this.session = engine.openSession(transport, token);
        }

        /** Sends a request and returns its requestId. */
        String send(String type, String payloadJson) {
            String id = "r" + ids.incrementAndGet();
            session.onText("{\"type\":\"" + type + "\",\"payload\":" + payloadJson + ",\"requestId\":\"" + id
                    + "\",\"timestamp\":\"2025-03-01T09:00:00.000Z\"}");
            return id;
        }

        /** Sends a request and returns the frame that answers it (skipping events before it). */
        JsonObject call(String type, String payloadJson) {
            String id = send(type, payloadJson);
            return answer(id);
        }

        JsonObject answer(String requestId) {
            while (true) {
                JsonObject f = transport.next();
                if (f.get("requestId").getAsString().equals(requestId)) {
                    return f;
                }
            }
        }

        /** Sends a request that must fail with this code; returns the error payload. */
        JsonObject callError(String type, String payloadJson, String code) {
            JsonObject r = call(type, payloadJson);
            assertThat(r.get("type").getAsString()).as("answer to " + type).isEqualTo("error");
            assertThat(payload(r).get("code").getAsString()).isEqualTo(code);
            return payload(r);
        }

        JsonObject next(String type) {
            return transport.next(type);
        }

        void raw(String text) {
            session.onText(text);
        }

        void close() {
            session.onClose();
        }

        static JsonObject parse(String json) {
            return JsonParser.parseString(json).getAsJsonObject();
        }
    }
}
