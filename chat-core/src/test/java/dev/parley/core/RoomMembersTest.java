package dev.parley.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.testkit.RecordingTransport;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RoomMembersTest extends EngineHarness {
    private Session session() {
        return new Session(engine, new RecordingTransport());
    }

    @Test
    void aWalkSeesEveryChangeMadeBeforeIt() {
        RoomMembers room = new RoomMembers();
        Session a = session();
        Session b = session();

        assertThat(room.snapshot()).isEmpty();
        assertThat(room.add(a)).isTrue();
        assertThat(room.snapshot()).containsExactly(a);
        assertThat(room.add(b)).isTrue();
        assertThat(room.add(b)).isFalse();
        assertThat(room.snapshot()).containsExactlyInAnyOrder(a, b);
        assertThat(room.remove(a)).isTrue();
        assertThat(room.remove(a)).isFalse();
        assertThat(room.snapshot()).containsExactly(b);
        assertThat(room.isEmpty()).isFalse();
        assertThat(room.remove(b)).isTrue();
        assertThat(room.isEmpty()).isTrue();
        assertThat(room.snapshot()).isEmpty();
    }

    @Test
    void aWalkRightAfterAJoinHasTheJoinedSessionWhileOthersWalkAndJoin() throws Exception {
        RoomMembers room = new RoomMembers();
        int joiners = 4;
        int perJoiner = 500;
        List<Session> sessions = new ArrayList<>();
        for (int i = 0; i < joiners * perJoiner; i++) {
            sessions.add(session());
        }
        AtomicBoolean joining = new AtomicBoolean(true);
        // A room that keeps speaking while it fills: walks rebuild the array between joins.
        Thread walker = new Thread(() -> {
            while (joining.get()) {
                room.snapshot();
            }
        });
        walker.start();
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger missed = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < joiners; t++) {
            List<Session> mine = sessions.subList(t * perJoiner, (t + 1) * perJoiner);
            Thread joiner = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (Session s : mine) {
                    room.add(s);
                    if (!List.of(room.snapshot()).contains(s)) {
                        missed.incrementAndGet();
                    }
                }
            });
            joiner.start();
            threads.add(joiner);
        }
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }
        joining.set(false);
        walker.join();

        assertThat(missed).as("walks right after a join that lacked the joined session").hasValue(0);
        assertThat(room.snapshot()).hasSize(joiners * perJoiner).containsExactlyInAnyOrderElementsOf(sessions);
    }
}
