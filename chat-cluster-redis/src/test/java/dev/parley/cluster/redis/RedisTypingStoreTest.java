package dev.parley.cluster.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.spi.TypingStore;
import dev.parley.core.testkit.TypingStoreContract;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RedisTypingStoreTest extends TypingStoreContract {
    private final String prefix = RedisTestSupport.uniquePrefix();
    private final List<RedisConnections> connections = new ArrayList<>();
    private boolean redisUp;

    @BeforeEach
    void requireRedis() {
        RedisTestSupport.requireRedis();
        redisUp = true;
    }

    @AfterEach
    void cleanUp() {
        connections.forEach(RedisConnections::shutdown);
        if (redisUp) {
            RedisTestSupport.deleteKeys(prefix);
        }
    }

    @Override
    protected TypingStore newStore() {
        RedisConnections redis = RedisConnections.connect(RedisTestSupport.settings(RedisTestSupport.URL, prefix).build());
        connections.add(redis);
        return redis.typing();
    }

    @Override
    protected boolean sharesStateAcrossInstances() {
        return true;
    }

    @Test
    void stoppedAndClaimedEntriesLeaveNoKeys() {
        TypingStore typing = store();
        Instant now = Instant.now();
        typing.start("conv-1", "alice", "Alice", now.plusSeconds(10), now);
        typing.start("conv-2", "bob", "Bob", now.plusSeconds(10), now);
        assertThat(RedisTestSupport.countKeys(prefix)).isPositive();
        typing.stop("conv-1", "alice");
        assertThat(typing.claimExpired(now.plusSeconds(10))).hasSize(1);
        assertThat(RedisTestSupport.countKeys(prefix)).isZero();
    }
}
