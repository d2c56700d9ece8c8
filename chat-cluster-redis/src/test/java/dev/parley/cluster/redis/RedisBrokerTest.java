package dev.parley.cluster.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.spi.Broker;
import dev.parley.core.spi.BrokerEvent;
import dev.parley.core.testkit.BrokerContract;
import dev.parley.core.testkit.TcpProxy;
import io.lettuce.core.AclSetuserArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RedisBrokerTest extends BrokerContract {
    private final String prefix = RedisTestSupport.uniquePrefix();
    private boolean redisUp;
    private final List<RedisBroker> brokers = new ArrayList<>();
    private final List<RedisConnections> connections = new ArrayList<>();

    @BeforeEach
    void requireRedis() {
        RedisTestSupport.requireRedis();
        redisUp = true;
    }

    @AfterEach
    void cleanUp() {
        brokers.forEach(RedisBroker::close);
        connections.forEach(RedisConnections::close);
        if (redisUp) {
            RedisTestSupport.deleteKeys(prefix);
        }
    }

    @Override
    protected Broker newBroker() {
        return broker(RedisTestSupport.URL);
    }

    private RedisBroker broker(String url) {
        RedisConnections redis = RedisConnections.connect(RedisTestSupport.settings(url, prefix).build());
        connections.add(redis);
        RedisBroker b = redis.broker();
        brokers.add(b);
        return b;
    }

    @Override
    protected boolean connectsNodes() {
        return true;
    }

    @Override
    protected void awaitSubscribed() {
        for (RedisBroker b : brokers) {
            try {
                b.awaitSubscriptions(Duration.ofSeconds(5));
            } catch (Exception e) {
                throw new AssertionError("subscription not confirmed", e);
            }
        }
    }

    private record Received(String topic, BrokerEvent event) {
    }

    private static CopyOnWriteArrayList<Received> started(RedisBroker b) {
        CopyOnWriteArrayList<Received> got = new CopyOnWriteArrayList<>();
        b.start((topic, event) -> got.add(new Received(topic, event)));
        return got;
    }

    @Test
    void eventFromAnotherNodeArrivesExactlyAsPublished() {
        RedisBroker a = broker(RedisTestSupport.URL);
        RedisBroker b = broker(RedisTestSupport.URL);
        started(a);
        List<Received> atB = started(b);
        b.subscribe("conversation:x");
        awaitSubscribed();
        BrokerEvent full = new BrokerEvent("{\"type\":\"message_received\",\"text\":\"<é \uD83D\uDE00 \\\"q\\\">\"}",
                Map.of("u1", "{\"for\":\"u1\"}", "u2", "{\"for\":\"u2\"}"), "u3", "session-7", "reactions", 17);
        BrokerEvent bare = BrokerEvent.toAll("plain");
        a.publish("conversation:x", full);
        a.publish("conversation:x", bare);
        RedisTestSupport.await("b got both events", Duration.ofSeconds(5), () -> atB.size() >= 2);
        assertThat(atB).containsExactly(new Received("conversation:x", full), new Received("conversation:x", bare));
    }

    @Test
    void anEventFromANodeThatSendsNoSeqArrivesUnordered() {
        RedisBroker b = broker(RedisTestSupport.URL);
        List<Received> atB = started(b);
        b.subscribe("conversation:mixed");
        awaitSubscribed();
        RedisClient client = RedisClient.create(RedisTestSupport.URL);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            c.sync().publish(prefix + ":conversation:mixed",
                    "{\"node\":\"older-node\",\"event\":{\"frame\":\"{}\",\"excludeUserId\":\"u1\"}}");
        } finally {
            client.shutdown();
        }
        RedisTestSupport.await("b got the event", Duration.ofSeconds(5), () -> !atB.isEmpty());
        assertThat(atB).containsExactly(
                new Received("conversation:mixed", new BrokerEvent("{}", null, "u1", null, null)));
        assertThat(atB.get(0).event().seq()).isZero();
    }

    @Test
    void eventsFromAnotherNodeArriveInPublishOrder() {
        RedisBroker a = broker(RedisTestSupport.URL);
        RedisBroker b = broker(RedisTestSupport.URL);
        started(a);
        List<Received> atB = started(b);
        b.subscribe("conversation:order");
        awaitSubscribed();
        for (int i = 0; i < 1000; i++) {
            a.publish("conversation:order", BrokerEvent.toAll("m" + i));
        }
        RedisTestSupport.await("b got 1000 events", Duration.ofSeconds(10), () -> atB.size() >= 1000);
        for (int i = 0; i < 1000; i++) {
            assertThat(atB.get(i).event().frame()).isEqualTo("m" + i);
        }
    }

    @Test
    void nodesWithAnotherKeyPrefixDoNotHearEachOther() {
        RedisBroker a = broker(RedisTestSupport.URL);
        started(a);
        RedisConnections other = RedisConnections.connect(
                RedisTestSupport.settings(RedisTestSupport.URL, prefix + "-other").build());
        connections.add(other);
        RedisBroker b = other.broker();
        brokers.add(b);
        List<Received> atB = started(b);
        b.subscribe("user:u1");
        awaitSubscribed();
        a.publish("user:u1", BrokerEvent.toAll("elsewhere"));
        b.publish("user:u1", BrokerEvent.toAll("own"));
        RedisTestSupport.await("b got its own event", Duration.ofSeconds(5), () -> !atB.isEmpty());
        sleep(300);
        assertThat(atB).extracting(r -> r.event().frame()).containsExactly("own");
    }

    @Test
    void redisOutageKeepsLocalDeliveryAndSubscriptionsComeBackAfterIt() throws Exception {
        try (TcpProxy proxy = new TcpProxy(RedisTestSupport.HOST, RedisTestSupport.PORT)) {
            RedisBroker a = broker(RedisTestSupport.URL);
            RedisBroker b = broker(RedisTestSupport.url(proxy));
            started(a);
            List<Received> atB = started(b);
            b.subscribe("conversation:kept");
            b.subscribe("conversation:dropped");
            awaitSubscribed();

            proxy.stop();
            b.publish("conversation:kept", BrokerEvent.toAll("local while down"));
            assertThat(atB).extracting(r -> r.event().frame()).containsExactly("local while down");
            RedisTestSupport.await("the failed publish is counted", Duration.ofSeconds(10),
                    () -> b.failedPublishes() == 1);
            b.subscribe("conversation:added");
            b.unsubscribe("conversation:dropped");
            sleep(300);
            proxy.start();

            // Until b has subscribed again, a's events are lost (at most once): probe until one arrives.
            RedisTestSupport.await("b hears a again", Duration.ofSeconds(15), () -> {
                a.publish("conversation:kept", BrokerEvent.toAll("probe"));
                sleep(100);
                return atB.stream().anyMatch(r -> r.event().frame().equals("probe"));
            });
            awaitSubscribed();
            atB.clear();
            a.publish("conversation:dropped", BrokerEvent.toAll("not wanted"));
            a.publish("conversation:added", BrokerEvent.toAll("subscribed while down"));
            a.publish("conversation:kept", BrokerEvent.toAll("after"));
            RedisTestSupport.await("b got two events", Duration.ofSeconds(5), () -> atB.size() >= 2);
            sleep(300);
            assertThat(atB).extracting(r -> r.event().frame()).containsExactly("subscribed while down", "after");
        }
    }

    @Test
    void aSubscribeRefusedByRedisIsRetriedUntilItHolds() throws Exception {
        // A Redis user that may not listen on conversation channels yet: its SUBSCRIBE fails with NOPERM.
        String user = prefix + "-acl";
        RedisClient admin = RedisClient.create(RedisTestSupport.URL);
        try (StatefulRedisConnection<String, String> c = admin.connect()) {
            c.sync().aclSetuser(user, AclSetuserArgs.Builder.on().nopass().allKeys().allCommands().resetChannels()
                    .channelPattern(prefix + ":user:*"));
            try {
                RedisBroker a = broker(RedisTestSupport.URL);
                RedisBroker b = broker("redis://" + user + ":any@" + RedisTestSupport.HOST + ":" + RedisTestSupport.PORT);
                started(a);
                List<Received> atB = started(b);
                CompletableFuture<Void> subscribed = b.subscribe("conversation:refused").toCompletableFuture();
                sleep(700);
                assertThat(subscribed).as("not in effect while Redis refuses it").isNotDone();
                assertThat(b.failedSubscribes()).as("each refusal is counted").isPositive();

                c.sync().aclSetuser(user, AclSetuserArgs.Builder.allChannels());
                subscribed.get(10, TimeUnit.SECONDS);
                a.publish("conversation:refused", BrokerEvent.toAll("heard at last"));
                RedisTestSupport.await("b got the event", Duration.ofSeconds(5), () -> !atB.isEmpty());
                assertThat(atB).extracting(r -> r.event().frame()).containsExactly("heard at last");
            } finally {
                c.sync().aclDeluser(user);
            }
        } finally {
            admin.shutdown();
        }
    }

    @Test
    void unsubscribingEndsAPendingSubscription() throws Exception {
        try (TcpProxy proxy = new TcpProxy(RedisTestSupport.HOST, RedisTestSupport.PORT)) {
            RedisBroker b = broker(RedisTestSupport.url(proxy));
            started(b);
            proxy.holdUpstream(true);
            CompletableFuture<Void> subscribed = b.subscribe("conversation:left").toCompletableFuture();
            b.unsubscribe("conversation:left");
            assertThat(subscribed).isCompletedExceptionally();
            proxy.holdUpstream(false);
            awaitSubscribed();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
