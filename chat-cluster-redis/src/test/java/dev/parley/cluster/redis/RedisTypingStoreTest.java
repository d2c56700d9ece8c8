package dev.parley.cluster.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.spi.TypingStore;
import dev.parley.core.testkit.TypingStoreContract;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RedisTypingStoreTest extends TypingStoreContract {
    @RegisterExtension
    final RedisPerTest redis = new RedisPerTest();

    @Override
    protected TypingStore newStore() {
        return redis.connect().typing();
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
        assertThat(RedisTestSupport.countKeys(redis.prefix())).isPositive();
        typing.stop("conv-1", "alice");
        assertThat(typing.claimExpired(now.plusSeconds(10))).hasSize(1);
        assertThat(RedisTestSupport.countKeys(redis.prefix())).isZero();
    }
}
