package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.EngineConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A token that is never replaced: the server closes with 4002 and the client must not reconnect in a loop. */
class TokenGraceEndToEndTest extends EndToEndBase {

    @Override
    EngineConfig.Builder engineConfig() {
        return super.engineConfig().tokenGrace(Duration.ofSeconds(1));
    }

    @Test
    void afterCloseForAnExpiredTokenTheClientStopsUnlessTheProviderHasANewOne() {
        String onlyToken = token("alice", Instant.ofEpochSecond(Instant.now().getEpochSecond() + 2));
        AtomicInteger calls = new AtomicInteger();
        Recorder rec = new Recorder();
        ChatClient alice = client("alice", server.uri(), rec, b -> b.tokenProvider(() -> {
            calls.incrementAndGet();
            return CompletableFuture.completedFuture(onlyToken);
        }));
        alice.connect().join();

        await("the server closed the connection and the client gave up", () ->
                alice.connectionState().phase() == ConnectionState.Phase.DISCONNECTED);
        assertThat(alice.connectionState().error()).contains("4002");
        assertThat(rec.phases).containsOnlyOnce(ConnectionState.Phase.CONNECTING);

        var queued = alice.sendMessage("c-1", "kept for later");
        await("the send waits in the queue", () -> alice.outgoingMessages().size() == 1);
        assertThat(queued).isNotDone();
        assertThat(calls.get()).isGreaterThanOrEqualTo(2);
    }
}
