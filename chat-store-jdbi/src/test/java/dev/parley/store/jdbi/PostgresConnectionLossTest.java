package dev.parley.store.jdbi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.spi.ConversationRecord;
import dev.parley.core.spi.NewConversation;
import dev.parley.core.spi.NewMessage;
import dev.parley.core.spi.StoreException;
import dev.parley.core.spi.UserProfile;
import dev.parley.core.testkit.TcpProxy;
import dev.parley.protocol.model.ConversationType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Group-committed writes while PostgreSQL cannot be reached: a batch fails as a whole, at once,
 * instead of retrying each of its writes alone against a database that is not there (which made
 * the last caller of a batch of n wait n connection timeouts). Nothing of the outage is stored.
 */
class PostgresConnectionLossTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final int WRITERS = 24;

    private TestPostgres pg;
    private TcpProxy proxy;
    private JdbiChatStore store;
    private ExecutorService pool;

    @BeforeEach
    void open() throws Exception {
        pg = TestPostgres.createSchema();
        proxy = new TcpProxy(5432);
        String url = pg.url().replace("127.0.0.1:5432", "127.0.0.1:" + proxy.port());
        store = JdbiChatStore.postgres(url, TestPostgres.USER, TestPostgres.PASSWORD, TIMEOUT);
        pool = Executors.newFixedThreadPool(2 * WRITERS);
    }

    @AfterEach
    void close() throws Exception {
        pool.shutdownNow();
        proxy.start();
        store.close();
        proxy.close();
        pg.close();
    }

    @Test
    void writesQueuedWhileTheDatabaseIsGoneAllFailWithinAFewTimeoutsAndTheStoreRecovers() throws Exception {
        List<ConversationRecord> rooms = new ArrayList<>();
        for (int i = 0; i < WRITERS; i++) {
            store.upsertUser(profile("u" + i));
        }
        for (int i = 0; i < WRITERS; i++) {
            rooms.add(store.createConversation(new NewConversation(ConversationType.GROUP, "room " + i, "u" + i,
                    List.of("u" + ((i + 1) % WRITERS)))).conversation());
        }

        proxy.stop();
        proxy.cutAll();
        long started = System.nanoTime();
        List<CompletableFuture<?>> writes = new ArrayList<>();
        for (int i = 0; i < WRITERS; i++) {
            NewMessage m = new NewMessage(rooms.get(i).id(), "u" + i, "text", "lost " + i, null, null, null, null, null);
            writes.add(CompletableFuture.supplyAsync(() -> store.appendMessage(m), pool));
            UserProfile p = profile("newcomer" + i);
            writes.add(CompletableFuture.supplyAsync(() -> store.upsertUser(p), pool));
        }
        for (CompletableFuture<?> w : writes) {
            try {
                w.get(30, TimeUnit.SECONDS);
                throw new AssertionError("a write succeeded without a database");
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(StoreException.class);
            }
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        // Each committer fails its first batch (an append or sign-in alone, one timeout) and then
        // the rest queued meanwhile (one more): a few timeouts in all, not one per write.
        assertThat(seconds).as("seconds until every queued write failed").isLessThan(4 * TIMEOUT.toSeconds() + 2);

        proxy.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        NewMessage after = new NewMessage(rooms.get(0).id(), "u0", "text", "after", null, null, null, null, null);
        while (true) {
            try {
                assertThat(store.appendMessage(after).message().seq()).isEqualTo(1);
                break;
            } catch (StoreException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
        assertThat(store.loadMessages(rooms.get(0).id(), "u0", null, 10, false, false).messages())
                .extracting(m -> m.contentFor("u0")).containsExactly("after");
        assertThat(store.findUsers(List.of("newcomer0"))).isEmpty();
    }

    private static UserProfile profile(String id) {
        return new UserProfile(id, id, id, null, null, null, null);
    }
}
