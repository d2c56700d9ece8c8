package dev.parley.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LimitsTest extends EngineHarness {

    @Test
    void messageFloodIsRateLimitedWithRetryAfter() {
        Client alice = login("alice");
        login("bob");
        String conv = createConversation(alice, "direct", "bob");
        int limited = 0;
        JsonObject last = null;
        for (int i = 0; i < 25; i++) {
            JsonObject r = alice.call("send_message", "{\"conversationId\":\"" + conv + "\",\"content\":\"m" + i + "\"}");
            if (r.get("type").getAsString().equals("error")) {
                limited++;
                last = payload(r);
            }
        }
        assertThat(limited).isEqualTo(5); // burst of 20 on a frozen clock
        assertThat(last.get("code").getAsString()).isEqualTo("RATE_LIMITED");
        assertThat(last.getAsJsonObject("details").get("retryAfterMs").getAsLong()).isPositive();
        clock.advance(Duration.ofSeconds(1));
        assertThat(alice.call("send_message", "{\"conversationId\":\"" + conv + "\",\"content\":\"later\"}")
                .get("type").getAsString()).isEqualTo("message_sent");
    }

    @Test
    void sustainedRateLimitViolationsCloseWith4008() {
        Client alice = login("alice");
        for (int i = 0; i < 120; i++) {
            alice.send("load_conversations", "{}");
        }
        assertThat(alice.transport.awaitClose()).isEqualTo(4008);
    }

    @Test
    void typingAndPingAreNeverRateLimited() {
        Client alice = login("alice");
        login("bob");
        String conv = createConversation(alice, "direct", "bob");
        for (int i = 0; i < 100; i++) {
            String type = alice.call(i % 2 == 0 ? "typing_start" : "ping", "{\"conversationId\":\"" + conv + "\"}")
                    .get("type").getAsString();
            assertThat(type).isIn("typing_start", "pong");
        }
    }

    @Test
    void slowConsumerIsClosedWith4010AndOthersKeepReceiving() {
        Client alice = login("alice");
        Client bob = login("bob");
        Client bobSlow = login("bob");
        String conv = createConversation(alice, "direct", "bob");
        bob.call("join_conversation", "{\"conversationId\":\"" + conv + "\"}");
        bobSlow.call("join_conversation", "{\"conversationId\":\"" + conv + "\"}");
        bobSlow.transport.setBufferedBytes(engine.config().maxOutboundBytes());
        alice.call("send_message", "{\"conversationId\":\"" + conv + "\",\"content\":\"hi\"}");
        assertThat(bobSlow.transport.awaitClose()).isEqualTo(4010);
        bob.next("message_received");
        assertThat(engine.stats().counters()).containsEntry("slowConsumerCloses", 1L);
    }

    @Test
    void silentConnectionIsClosedWith4004AndPingsAreSent() {
        Client alice = login("alice");
        clock.advance(Duration.ofSeconds(30));
        engine.sweep();
        assertThat(alice.transport.pings()).isPositive();
        alice.session.onPong();
        clock.advance(Duration.ofSeconds(59));
        engine.sweep();
        assertThat(alice.transport.closeCode()).isNull();
        clock.advance(Duration.ofSeconds(1));
        engine.sweep();
        assertThat(alice.transport.awaitClose()).isEqualTo(4004);
    }

    @Test
    void connectionsOpenedTogetherArePingedOnTheirOwnSchedules() {
        List<Client> clients = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            clients.add(login("user" + i));
        }
        Map<Client, List<Long>> pingedAt = new HashMap<>();
        Duration step = Duration.ofMillis(250); // the engine's own sweep period
        for (long at = 0; at <= 60_000; at += step.toMillis()) {
            engine.sweep();
            for (Client c : clients) {
                List<Long> times = pingedAt.computeIfAbsent(c, k -> new ArrayList<>());
                if (c.transport.pings() > times.size()) {
                    times.add(at);
                }
                c.session.onPong();
            }
            clock.advance(step);
        }
        for (List<Long> times : pingedAt.values()) {
            assertThat(times).as("first ping within half an interval to an interval, then every interval").hasSize(2);
            assertThat(times.get(0)).isBetween(15_000L, 30_000L);
            assertThat(times.get(1) - times.get(0)).isEqualTo(30_000L);
        }
        assertThat(pingedAt.values().stream().map(t -> t.get(0)).distinct().count())
                .as("connections opened in the same instant are not all pinged in the same pass").isGreaterThan(1);
    }

    @Test
    void statsCountConnectionsRoomsAndOnlineUsers() {
        Client alice = login("alice");
        login("bob");
        connect();
        createConversation(alice, "direct", "bob");
        EngineStats stats = engine.stats();
        assertThat(stats.totalConnections()).isEqualTo(3);
        assertThat(stats.authenticatedConnections()).isEqualTo(2);
        assertThat(stats.totalRooms()).isEqualTo(1);
        assertThat(stats.onlineUsers()).containsExactlyInAnyOrder("alice", "bob");
        JsonObject json = stats.toJson();
        assertThat(json.getAsJsonObject("roomStats").get("totalRooms").getAsInt()).isEqualTo(1);
        alice.close();
        assertThat(waitFor(() -> engine.stats().totalRooms() == 0)).isTrue();
    }

    static boolean waitFor(java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }
}
