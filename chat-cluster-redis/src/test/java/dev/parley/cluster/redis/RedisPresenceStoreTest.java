package dev.parley.cluster.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.spi.PresenceStore;
import dev.parley.core.testkit.PresenceStoreContract;
import dev.parley.core.testkit.TcpProxy;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RedisPresenceStoreTest extends PresenceStoreContract {
    private static final Duration TTL = Duration.ofSeconds(2);
    @RegisterExtension
    final RedisPerTest redis = new RedisPerTest();

    @Override
    protected PresenceStore newStore() {
        // The contract closes the store, which closes the connections (this test's hold is given up at once).
        try (RedisConnections connections = RedisConnections.connect(
                RedisTestSupport.settings(RedisTestSupport.URL, redis.prefix()).build())) {
            return connections.presence();
        }
    }

    @Override
    protected boolean sharesStateAcrossInstances() {
        return true;
    }

    private RedisConnections node(String url) {
        return redis.connect(RedisTestSupport.settings(url, redis.prefix()).presenceTtl(TTL));
    }

    @Test
    void connectionsOfACrashedNodeExpireAndTheirUsersAreReportedOfflineOnce() {
        RedisConnections crashing = node(RedisTestSupport.URL);
        RedisPresenceStore n1 = crashing.presence();
        RedisPresenceStore n2 = node(RedisTestSupport.URL).presence();
        RedisPresenceStore n3 = node(RedisTestSupport.URL).presence();
        assertThat(n1.add("alice", "n1-a")).isTrue();
        assertThat(n1.add("bob", "n1-b")).isTrue();
        assertThat(n2.add("bob", "n2-b")).isFalse();

        crashing.shutdown();
        assertThat(n2.online(List.of("alice", "bob"))).containsExactlyInAnyOrder("alice", "bob");
        AtomicReference<Set<String>> reported = new AtomicReference<>();
        RedisTestSupport.await("the crashed node's users expire", TTL.multipliedBy(4), () -> {
            Set<String> gone = n2.refresh(List.of("n2-b"));
            reported.set(gone);
            return !gone.isEmpty();
        });
        assertThat(reported.get()).containsExactly("alice");
        assertThat(n3.refresh(List.of())).isEmpty();
        assertThat(n3.online(List.of("alice", "bob"))).containsExactly("bob");
        assertThat(n3.connectionCount("bob")).isEqualTo(1);
        assertThat(n3.connectionCount("alice")).isZero();
    }

    @Test
    void aLiveNodeKeepsItsConnectionsPastTheTtl() throws InterruptedException {
        RedisPresenceStore n1 = node(RedisTestSupport.URL).presence();
        RedisPresenceStore n2 = node(RedisTestSupport.URL).presence();
        n1.add("carol", "c1");
        Thread.sleep(TTL.multipliedBy(2).toMillis());
        assertThat(n2.refresh(List.of())).isEmpty();
        assertThat(n2.online(List.of("carol"))).containsExactly("carol");
    }

    @Test
    void aClosedNodeTakesItsConnectionsAlongAndLeavesNoKeys() {
        RedisPresenceStore n1 = node(RedisTestSupport.URL).presence();
        RedisConnections second = node(RedisTestSupport.URL);
        RedisPresenceStore n2 = second.presence();
        n1.add("dan", "d1");
        n1.add("erin", "e1");
        n1.close();
        assertThat(n2.online(List.of("dan", "erin"))).isEmpty();
        n2.close();
        assertThat(RedisTestSupport.countKeys(redis.prefix())).isZero();
    }

    @Test
    void duringAnOutageANodeAnswersFromItsOwnConnectionsAndWritesThemBackAfterwards() throws Exception {
        try (TcpProxy proxy = new TcpProxy(RedisTestSupport.HOST, RedisTestSupport.PORT)) {
            RedisPresenceStore cut = node(RedisTestSupport.url(proxy)).presence();
            RedisPresenceStore other = node(RedisTestSupport.URL).presence();
            cut.add("frank", "f1");
            other.add("gina", "g1");

            proxy.stop();
            assertThat(cut.add("hugo", "h1")).isTrue();
            assertThat(cut.add("hugo", "h2")).isFalse();
            assertThat(cut.remove("frank", "f1")).isTrue();
            assertThat(cut.online(List.of("hugo", "frank", "gina"))).containsExactly("hugo");
            assertThat(cut.connectionCount("hugo")).isEqualTo(2);
            assertThat(other.online(List.of("hugo", "frank"))).containsExactly("frank");

            proxy.start();
            RedisTestSupport.await("the node's connections are written back", Duration.ofSeconds(15),
                    () -> other.online(List.of("hugo", "frank")).equals(Set.of("hugo")));
            assertThat(other.connectionCount("hugo")).isEqualTo(2);
            RedisTestSupport.await("the node reads Redis again", Duration.ofSeconds(15),
                    () -> cut.online(List.of("gina")).equals(Set.of("gina")));
        }
    }

    @Test
    void connectionsLostByRedisAreWrittenBackByTheirNode() {
        RedisPresenceStore n1 = node(RedisTestSupport.URL).presence();
        RedisPresenceStore n2 = node(RedisTestSupport.URL).presence();
        n1.add("iris", "i1");
        n1.add("iris", "i2");
        RedisTestSupport.deleteKeys(redis.prefix()); // what a Redis restart without persistence looks like
        assertThat(n2.online(List.of("iris"))).isEmpty();
        RedisTestSupport.await("n1 writes its connections back", TTL.multipliedBy(3),
                () -> n2.connectionCount("iris") == 2);
        assertThat(n2.refresh(List.of())).isEmpty();
        assertThat(n1.remove("iris", "i1")).isFalse();
        assertThat(n1.remove("iris", "i2")).isTrue();
    }
}
