package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HeartbeatTest {
    private final Heartbeat heartbeat = new Heartbeat(25_000, 70_000);

    @Test
    void pingsAfterTwentyFiveSecondsWithoutSending() {
        heartbeat.reset(0);
        assertThat(heartbeat.check(24_999)).isEqualTo(Heartbeat.Action.NONE);
        assertThat(heartbeat.check(25_000)).isEqualTo(Heartbeat.Action.PING);
        heartbeat.sent(25_000);
        assertThat(heartbeat.check(30_000)).isEqualTo(Heartbeat.Action.NONE);
    }

    @Test
    void sendingPostponesThePing() {
        heartbeat.reset(0);
        heartbeat.sent(20_000);
        assertThat(heartbeat.check(44_999)).isEqualTo(Heartbeat.Action.NONE);
        assertThat(heartbeat.nextCheckDelay(20_000)).isEqualTo(25_000);
    }

    @Test
    void deadAfterSeventySecondsWithoutReceivingEvenWhilePinging() {
        heartbeat.reset(0);
        heartbeat.sent(25_000);
        heartbeat.sent(50_000);
        assertThat(heartbeat.check(69_999)).isNotEqualTo(Heartbeat.Action.DEAD);
        assertThat(heartbeat.check(70_000)).isEqualTo(Heartbeat.Action.DEAD);
    }

    @Test
    void receivingKeepsTheConnectionAlive() {
        heartbeat.reset(0);
        heartbeat.received(60_000);
        heartbeat.sent(60_000);
        assertThat(heartbeat.check(129_999)).isNotEqualTo(Heartbeat.Action.DEAD);
        assertThat(heartbeat.nextCheckDelay(60_000)).isEqualTo(25_000);
    }
}
