package dev.parley.server;

import static dev.parley.server.WsClient.payload;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.java_websocket.exceptions.WebsocketNotConnectedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash durability of the packaged server: clients send into a few group conversations without
 * pause while the server is killed with SIGKILL and restarted on the same database, several times.
 * Afterwards every acknowledged message ({@code message_sent}) must be stored exactly once, with its
 * id, {@code seq} and content, and each conversation's seqs must run 1..n without a gap. A message
 * in flight at a kill may or may not be stored, but never twice: half of the senders retry it after
 * the restart with the same {@code clientMessageId} (as a reconnecting client does), the others
 * drop it. Runs on the embedded database and on PostgreSQL; prints one summary line each.
 */
class CrashRestartIT {
    private static final int KILLS = 3;
    private static final int CONVERSATIONS = 3;
    private static final int SENDERS_PER_CONVERSATION = 3;
    /** Acknowledgements each round collects at least before the kill, so that it lands mid-stream. */
    private static final int ACKS_PER_ROUND = 20;
    /** Creates the conversations (so is in all of them) and reads them back at the end; sends nothing. */
    private static final String CREATOR = "crash-creator";
    private static final Duration ANSWER = Duration.ofSeconds(30);
    private static final String POSTGRES = "jdbc:postgresql://127.0.0.1:5432/test";
    /** Message bodies are made of these: multi-byte UTF-8, a surrogate pair, JSON escapes. */
    private static final String[] PIECES = {"a", "z", " ", "é", "€", "\uD834\uDD1E", "\"", "\\", "\n"};

    @TempDir
    Path work;

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void theEmbeddedDatabaseKeepsEveryAcknowledgedMessageThroughSigkills() throws Exception {
        ServerProcess.jar();
        new CrashRun("embedded", Map.of("DATA_DIR", work.resolve("data").toString())).runAndCheck();
        // Each start unpacked SQLite's native library into the data directory and removed what the
        // killed run before it left there.
        try (Stream<Path> files = Files.list(work.resolve("data/db/native"))) {
            assertThat(files.map(f -> f.getFileName().toString())).filteredOn(name -> !name.endsWith(".lck"))
                    .hasSize(1);
        }
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void postgresqlKeepsEveryAcknowledgedMessageThroughSigkills() throws Exception {
        ServerProcess.jar();
        ClusterServerTest.requireReachable("PostgreSQL", 5432);
        String schema = ClusterServerTest.createSchema();
        try {
            new CrashRun("postgresql", Map.of("DATABASE_URL", POSTGRES + "?currentSchema=" + schema,
                    "DATABASE_USER", "postgres")).runAndCheck();
        } finally {
            ClusterServerTest.dropSchema(schema);
        }
    }

    /** A message a sender put on the wire; {@code clientMessageId} and {@code content} are unique in the run. */
    private record Sent(String conversationId, String senderId, String clientMessageId, String content) {
        @Override
        public String toString() {
            return clientMessageId + " (" + content.length() + " chars) in " + conversationId;
        }
    }

    /** What {@code message_sent} said about a message. */
    private record Ack(Sent sent, String id, long seq) {
    }

    private final class CrashRun {
        private final String database;
        private final Map<String, String> env;
        private final Map<String, Ack> acked = new ConcurrentHashMap<>();
        private final List<Sent> dropped = new ArrayList<>();
        private final List<Sender> senders = new ArrayList<>();
        /** Messages sent, or about to be, whose answer the kill cut off: their fate was unknown until the check. */
        private int inFlightAtKills;
        private int retriedAlreadyStored;
        private int retriedStoredNow;
        private ServerProcess server;

        CrashRun(String database, Map<String, String> databaseEnv) {
            this.database = database;
            Map<String, String> e = new HashMap<>(databaseEnv);
            e.put("JWT_SECRET", TestServer.SECRET);
            e.put("WEBSOCKET_HOST", "127.0.0.1");
            e.put("LOG_FILE", work.resolve("logs/" + database + ".log").toString());
            // The test measures durability, not fairness: no sender may be slowed down by a rate limit.
            e.put("RATE_MESSAGES_PER_SECOND", "100000");
            e.put("RATE_FRAMES_PER_SECOND", "100000");
            this.env = Map.copyOf(e);
        }

        void runAndCheck() throws Exception {
            long started = System.nanoTime();
            int port = ServerProcess.freePort();
            ExecutorService pool = Executors.newCachedThreadPool();
            try {
                server = ServerProcess.startServer("crash-" + database, work, env, port);
                createConversations();
                for (int kill = 1; kill <= KILLS; kill++) {
                    sendThenKill(pool);
                    server = ServerProcess.startServer("crash-" + database, work, env, port);
                    for (Sender s : senders) {
                        s.reconnectAndSettleInFlight();
                    }
                }
                check(Duration.ofNanos(System.nanoTime() - started));
            } finally {
                pool.shutdownNow();
                if (server != null) {
                    server.close();
                }
                senders.stream().filter(s -> s.client != null).forEach(s -> s.client.close());
            }
        }

        private void createConversations() throws Exception {
            for (int c = 0; c < CONVERSATIONS; c++) {
                for (int s = 0; s < SENDERS_PER_CONVERSATION; s++) {
                    Sender sender = new Sender("crash-c" + c + "-s" + s, s % 2 == 0, new Random(31L * c + s));
                    sender.client = login(sender.userId);
                    senders.add(sender);
                }
            }
            try (WsClient creator = login(CREATOR)) {
                for (int c = 0; c < CONVERSATIONS; c++) {
                    List<Sender> members = senders.subList(c * SENDERS_PER_CONVERSATION, (c + 1) * SENDERS_PER_CONVERSATION);
                    JsonObject created = creator.request("create_conversation", WsClient.conversationRequest("group",
                            "crash " + c, members.stream().map(m -> m.userId).toArray(String[]::new)));
                    assertThat(created.get("type").getAsString()).as(created.toString()).isEqualTo("conversation_created");
                    String id = payload(created).get("id").getAsString();
                    members.forEach(m -> m.conversationId = id);
                }
            }
        }

        /** Lets every sender send until the server, killed mid-stream, drops their connections. */
        private void sendThenKill(ExecutorService pool) throws Exception {
            int before = acked.size();
            List<Future<?>> running = new ArrayList<>();
            for (Sender s : senders) {
                running.add(pool.submit(() -> {
                    s.sendUntilClosed();
                    return null;
                }));
            }
            long earliest = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1000 + new Random().nextInt(1500));
            long latest = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while ((acked.size() - before < ACKS_PER_ROUND || System.nanoTime() < earliest) && System.nanoTime() < latest) {
                for (Future<?> f : running) {
                    if (f.isDone()) {
                        f.get(); // a sender that failed or stopped early fails the test now, with its cause
                        throw new AssertionError("a sender stopped before the kill");
                    }
                }
                Thread.sleep(20);
            }
            assertThat(acked.size() - before).as("acknowledgements before kill").isGreaterThanOrEqualTo(ACKS_PER_ROUND);
            server.kill();
            assertThat(server.output()).as("SIGKILL runs no shutdown hook").doesNotContain("shut down");
            for (Future<?> f : running) {
                f.get(ANSWER.toSeconds() + 10, TimeUnit.SECONDS);
            }
            inFlightAtKills += (int) senders.stream().filter(s -> s.inFlight != null).count();
        }

        private WsClient login(String user) throws InterruptedException {
            WsClient c = WsClient.connect(server.ws("/ws"));
            JsonObject p = new JsonObject();
            p.addProperty("token", TestServer.token(user));
            JsonObject answer = c.request("auth", p);
            assertThat(answer.get("type").getAsString()).as(answer.toString()).isEqualTo("auth_success");
            return c;
        }

        private void check(Duration took) throws Exception {
            int found = 0;
            int duplicates = 0;
            int droppedButStored = 0;
            List<String> problems = new ArrayList<>();
            Map<String, Sent> droppedById = new HashMap<>();
            dropped.forEach(d -> droppedById.put(d.clientMessageId, d));
            try (WsClient reader = login(CREATOR)) {
                for (int c = 0; c < CONVERSATIONS; c++) {
                    String conversationId = senders.get(c * SENDERS_PER_CONVERSATION).conversationId;
                    List<JsonObject> stored = loadAll(reader, conversationId);
                    for (int i = 0; i < stored.size(); i++) {
                        long seq = stored.get(i).get("seq").getAsLong();
                        if (seq != i + 1) {
                            problems.add(conversationId + ": message " + (i + 1) + " has seq " + seq);
                            break;
                        }
                    }
                    Map<String, JsonObject> byClientId = new LinkedHashMap<>();
                    for (JsonObject m : stored) {
                        String clientId = m.get("client_message_id").getAsString();
                        if (byClientId.putIfAbsent(clientId, m) != null) {
                            duplicates++;
                            problems.add("stored twice: " + clientId);
                        }
                    }
                    for (Ack ack : acked.values()) {
                        if (!ack.sent.conversationId.equals(conversationId)) {
                            continue;
                        }
                        JsonObject m = byClientId.remove(ack.sent.clientMessageId);
                        if (m == null) {
                            problems.add("lost: " + ack);
                            continue;
                        }
                        found++;
                        if (!m.get("id").getAsString().equals(ack.id) || m.get("seq").getAsLong() != ack.seq
                                || !m.get("encrypted_content").getAsString().equals(ack.sent.content)
                                || !m.get("sender_id").getAsString().equals(ack.sent.senderId)) {
                            problems.add("stored differently than acknowledged: " + ack + " vs " + m);
                        }
                    }
                    Map<Long, Ack> bySeq = new HashMap<>();
                    for (Ack ack : acked.values()) {
                        Ack other = ack.sent.conversationId.equals(conversationId) ? bySeq.putIfAbsent(ack.seq, ack) : null;
                        if (other != null) {
                            problems.add("seq " + ack.seq + " acknowledged twice: " + other + " and " + ack);
                        }
                    }
                    for (JsonObject unacknowledged : byClientId.values()) {
                        Sent d = droppedById.get(unacknowledged.get("client_message_id").getAsString());
                        if (d == null || !d.content.equals(unacknowledged.get("encrypted_content").getAsString())) {
                            problems.add("stored but never sent like this: " + unacknowledged);
                        } else {
                            droppedButStored++;
                        }
                    }
                }
            }
            int lost = (int) problems.stream().filter(p -> p.startsWith("lost")).count();
            System.out.printf("CRASH-RESTART %s: kills=%d acknowledged=%d found=%d lost=%d duplicates=%d"
                            + " unanswered-at-kill=%d (retried: %d already stored, %d stored on retry; dropped: %d, %d of them stored)"
                            + " conversations=%d senders=%d took=%ds%n",
                    database, KILLS, acked.size(), found, lost, duplicates, inFlightAtKills, retriedAlreadyStored,
                    retriedStoredNow, dropped.size(), droppedButStored, CONVERSATIONS, senders.size(), took.toSeconds());
            assertThat(problems).as("problems after %d kills", KILLS).isEmpty();
            assertThat(found).isEqualTo(acked.size());
        }

        /** Every message of the conversation, oldest first, paging back from the newest. */
        private List<JsonObject> loadAll(WsClient reader, String conversationId) {
            List<JsonObject> newestFirst = new ArrayList<>();
            JsonObject request = new JsonObject();
            request.addProperty("conversationId", conversationId);
            request.addProperty("limit", 100);
            request.addProperty("markRead", false);
            JsonObject page = payload(expect(reader.request("load_messages", request), "messages_loaded"));
            while (true) {
                List<JsonObject> messages = new ArrayList<>();
                for (JsonElement e : page.getAsJsonArray("messages")) {
                    messages.add(e.getAsJsonObject());
                }
                for (int i = messages.size() - 1; i >= 0; i--) {
                    newestFirst.add(messages.get(i));
                }
                if (!page.get("hasMore").getAsBoolean()) {
                    break;
                }
                JsonObject more = new JsonObject();
                more.addProperty("conversationId", conversationId);
                more.addProperty("beforeMessageId", messages.get(0).get("id").getAsString());
                more.addProperty("limit", 100);
                page = payload(expect(reader.request("load_more_messages", more), "messages_loaded"));
            }
            List<JsonObject> oldestFirst = new ArrayList<>(newestFirst);
            Collections.reverse(oldestFirst);
            return oldestFirst;
        }

        /** One connection that sends into its conversation as fast as the server answers, one message at a time. */
        private final class Sender {
            final String userId;
            final boolean retries;
            final Random random;
            String conversationId;
            volatile WsClient client;
            volatile Sent inFlight;
            int sequence;

            Sender(String userId, boolean retries, Random random) {
                this.userId = userId;
                this.retries = retries;
                this.random = random;
            }

            void sendUntilClosed() {
                while (true) {
                    Sent next = new Sent(conversationId, userId, userId + "-" + (++sequence), content());
                    inFlight = next;
                    JsonObject answer = send(next);
                    if (answer == null) {
                        return; // the server died with `next` in flight
                    }
                    record(next, answer);
                    inFlight = null;
                }
            }

            /** After a restart: a new connection; the message in flight at the kill is retried or dropped. */
            void reconnectAndSettleInFlight() throws InterruptedException {
                client.close();
                client = login(userId);
                Sent pending = inFlight;
                inFlight = null;
                if (pending == null) {
                    return;
                }
                if (!retries) {
                    dropped.add(pending);
                    return;
                }
                JsonObject answer = send(pending);
                assertThat(answer).as("answer to the retry of " + pending.clientMessageId).isNotNull();
                boolean duplicate = payload(answer).has("duplicate") && payload(answer).get("duplicate").getAsBoolean();
                if (duplicate) {
                    retriedAlreadyStored++;
                } else {
                    retriedStoredNow++;
                }
                record(pending, answer);
            }

            /** The answer, or {@code null} when the connection is (or goes) down before it comes. */
            private JsonObject send(Sent m) {
                JsonObject p = new JsonObject();
                p.addProperty("conversationId", m.conversationId);
                p.addProperty("content", m.content);
                p.addProperty("clientMessageId", m.clientMessageId);
                String requestId;
                try {
                    requestId = client.send("send_message", p);
                } catch (WebsocketNotConnectedException closed) {
                    return null;
                }
                JsonObject answer = client.answerOrClose(requestId, ANSWER);
                client.discardReceived();
                return answer == null ? null : expect(answer, "message_sent");
            }

            private void record(Sent m, JsonObject answer) {
                JsonObject message = payload(answer).getAsJsonObject("message");
                assertThat(message.get("encrypted_content").getAsString()).isEqualTo(m.content);
                assertThat(message.get("client_message_id").getAsString()).isEqualTo(m.clientMessageId);
                assertThat(message.get("conversation_id").getAsString()).isEqualTo(m.conversationId);
                Ack previous = acked.putIfAbsent(m.clientMessageId,
                        new Ack(m, message.get("id").getAsString(), message.get("seq").getAsLong()));
                assertThat(previous).as("acknowledged twice: " + m.clientMessageId).isNull();
            }

            /** Unique in the run (it names the sender and its counter) and of varying length, with non-ASCII text. */
            private String content() {
                StringBuilder b = new StringBuilder(userId).append(" #").append(sequence).append(' ');
                int pieces = random.nextInt(300);
                for (int i = 0; i < pieces; i++) {
                    b.append(PIECES[random.nextInt(PIECES.length)]);
                }
                return b.toString();
            }
        }
    }

    private static JsonObject expect(JsonObject frame, String type) {
        assertThat(frame.get("type").getAsString()).as(frame.toString()).isEqualTo(type);
        return frame;
    }
}
