package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.testkit.TcpProxy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The reconnect count grows across drops in quick succession and starts over after a stable connection. */
class BackoffResetEndToEndTest extends EndToEndBase {

    private ChatClient clientWithResetAfter(TcpProxy proxy, Recorder rec, Duration resetAfter) {
        ReconnectPolicy policy = new ReconnectPolicy(true, Duration.ofMillis(50), Duration.ofMillis(400), 0.2,
                resetAfter);
        ChatClient c = client("alice", ReliabilityEndToEndTest.proxyUri(proxy), rec, b -> b.reconnectPolicy(policy));
        c.connect().join();
        return c;
    }

    private static int attemptsOfLastReconnect(Recorder rec) {
        return rec.states.stream().filter(s -> s.phase() == ConnectionState.Phase.RECONNECTING)
                .reduce((a, b) -> b).orElseThrow().reconnectAttempts();
    }

    private static long reconnects(Recorder rec) {
        return rec.phases.stream().filter(p -> p == ConnectionState.Phase.RECONNECTING).count();
    }

    @Test
    void dropsInQuickSuccessionBackOffFurther() throws Exception {
        TcpProxy proxy = closeLater(new TcpProxy(server.port()));
        Recorder rec = new Recorder();
        ChatClient alice = clientWithResetAfter(proxy, rec, Duration.ofHours(1));
        for (int drop = 1; drop <= 3; drop++) {
            proxy.cutAll();
            int n = drop;
            await("reconnected after drop " + n, () -> reconnects(rec) == n && alice.connectionState().authenticated());
            assertThat(attemptsOfLastReconnect(rec)).isEqualTo(drop);
        }
    }

    @Test
    void aStableConnectionStartsTheBackoffOver() throws Exception {
        TcpProxy proxy = closeLater(new TcpProxy(server.port()));
        Recorder rec = new Recorder();
        ChatClient alice = clientWithResetAfter(proxy, rec, Duration.ofMillis(100));
        for (int drop = 1; drop <= 3; drop++) {
            Thread.sleep(600); // well past resetAfter
            proxy.cutAll();
            int n = drop;
            await("reconnected after drop " + n, () -> reconnects(rec) == n && alice.connectionState().authenticated());
            assertThat(attemptsOfLastReconnect(rec)).isEqualTo(1);
        }
    }
}
