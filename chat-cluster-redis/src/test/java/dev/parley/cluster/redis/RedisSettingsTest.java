package dev.parley.cluster.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RedisSettingsTest {

    @Test
    void defaultsSuitProduction() {
        RedisSettings s = RedisSettings.builder("redis://127.0.0.1:6379").build();
        assertThat(s.keyPrefix()).isEqualTo("parley");
        assertThat(s.presenceTtl()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.commandTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(s.maxReconnectDelay()).isEqualTo(Duration.ofSeconds(5));
        assertThat(s.nodeId()).isNotEqualTo(RedisSettings.builder("redis://127.0.0.1:6379").build().nodeId());
    }

    @Test
    void namesThatWouldBreakTheKeyLayoutAreRejected() {
        assertThatThrownBy(() -> RedisSettings.builder("redis://x").keyPrefix("a:b").build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RedisSettings.builder("redis://x").nodeId("").build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RedisSettings.builder("redis://x").presenceTtl(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class);
    }
}
