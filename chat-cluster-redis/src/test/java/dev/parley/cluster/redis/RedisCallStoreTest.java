package dev.parley.cluster.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.spi.CallStore;
import dev.parley.core.testkit.CallStoreContract;
import dev.parley.core.spi.CallRecord;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RedisCallStoreTest extends CallStoreContract {
    @RegisterExtension
    final RedisPerTest redis = new RedisPerTest();

    @Override
    protected CallStore newStore() {
        return redis.connect().calls();
    }

    @Override
    protected boolean sharesStateAcrossInstances() {
        return true;
    }

    @Test
    void everyCallKeyExpiresAndEndedCallsLeaveOnlyTombstonesThatExpireAfterTheRetention() {
        CallStore calls = store();
        Instant now = Instant.now();
        calls.create(CallRecord.ringing("ringing", "alice", "s1", "bob", null, "voice", now, now.plusSeconds(45)));
        calls.create(CallRecord.ringing("answered", "alice", "s1", "bob", null, "voice", now, now.plusSeconds(45)));
        calls.connect("answered", "s2", now);
        RedisClient client = RedisClient.create(RedisTestSupport.URL);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            long ringingTtl = c.sync().pttl(redis.prefix() + ":call:ringing");
            assertThat(ringingTtl).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(45 + 60).toMillis());
            assertThat(c.sync().pttl(redis.prefix() + ":call:answered")).isGreaterThan(Duration.ofHours(1).toMillis());

            calls.end("answered", now);
            calls.endRinging("ringing", now);
            List<String> keys = c.sync().keys(redis.prefix() + ":*");
            assertThat(keys).containsExactlyInAnyOrder(redis.prefix() + ":ended-call:answered", redis.prefix() + ":ended-call:ringing");
            for (String key : keys) {
                assertThat(c.sync().pttl(key)).as(key).isPositive()
                        .isLessThanOrEqualTo(CallStore.ENDED_CALL_RETENTION.toMillis());
            }
        } finally {
            client.shutdown();
        }
    }
}
