package dev.parley.store.jdbi;

import dev.parley.core.spi.ConversationRecord;
import dev.parley.core.spi.NewConversation;
import dev.parley.core.spi.NewMessage;
import dev.parley.core.spi.UserProfile;
import dev.parley.protocol.model.ConversationType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Durable throughput and read latency of {@link JdbiChatStore}; a measurement, not a test. Usage:
 * {@code StoreBenchmark embedded|postgres [threads] [appendsPerThread]}. For PostgreSQL it uses
 * the test database at 127.0.0.1:5432 in a throw-away schema.
 */
public final class StoreBenchmark {
    private StoreBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String target = args.length > 0 ? args[0] : "embedded";
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        int perThread = args.length > 2 ? Integer.parseInt(args[2]) : 500;
        TestPostgres pg = null;
        Path dir = null;
        JdbiChatStore store;
        if (target.equals("postgres")) {
            pg = TestPostgres.createSchema();
            store = pg.open();
        } else {
            dir = Files.createTempDirectory("parley-bench");
            store = JdbiChatStore.embedded(dir);
        }
        try {
            run(target, store, threads, perThread);
        } finally {
            store.close();
            if (pg != null) {
                pg.close();
            }
            if (dir != null) {
                try (var files = Files.walk(dir)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    private static void run(String target, JdbiChatStore store, int threads, int perThread) throws Exception {
        for (int i = 0; i <= threads; i++) {
            store.upsertUser(new UserProfile("u" + i, "u" + i, "User " + i, null, null, null, null));
        }
        ConversationRecord shared = store.createConversation(new NewConversation(ConversationType.GROUP, "bench",
                "u0", List.of("u1", "u2"))).conversation();
        List<String> own = new ArrayList<>();
        for (int i = 1; i <= threads; i++) {
            own.add(store.createConversation(new NewConversation(ConversationType.DIRECT, null, "u0",
                    List.of("u" + i))).conversation().id());
        }
        String body = "x".repeat(200);
        // Warm-up: JIT, pool, caches.
        appendAll(store, threads, 100, t -> shared.id(), body);

        double oneConversation = appendAll(store, threads, perThread, t -> shared.id(), body);
        double ownConversations = appendAll(store, threads, perThread, own::get, body);
        System.out.printf(Locale.ROOT, "%s: %d threads x %d appends of 200 B%n", target, threads, perThread);
        System.out.printf(Locale.ROOT, "  one conversation:        %8.0f appends/s%n", oneConversation);
        System.out.printf(Locale.ROOT, "  one conversation each:   %8.0f appends/s%n", ownConversations);

        for (int i = 0; i < 200; i++) {
            store.upsertUser(new UserProfile("f" + i, "f" + i, "F " + i, null, null, null, null));
            String id = store.createConversation(new NewConversation(ConversationType.DIRECT, null, "u0",
                    List.of("f" + i))).conversation().id();
            store.appendMessage(new NewMessage(id, "f" + i, "text", body, null, null, null, null, null));
        }
        int rounds = 200;
        long start = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
            store.listConversations("u0", 100);
        }
        double listMs = (System.nanoTime() - start) / 1e6 / rounds;
        start = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
            store.loadMessages(shared.id(), "u1", null, 50, false, false);
        }
        double pageMs = (System.nanoTime() - start) / 1e6 / rounds;
        System.out.printf(Locale.ROOT, "  listConversations(100 of %d): %6.2f ms%n", 200 + threads, listMs);
        System.out.printf(Locale.ROOT, "  loadMessages(50 newest):      %6.2f ms%n", pageMs);
    }

    private static double appendAll(JdbiChatStore store, int threads, int perThread,
                                    java.util.function.IntFunction<String> conversationOf, String body)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            long start = System.nanoTime();
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String conversationId = conversationOf.apply(t);
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        store.appendMessage(new NewMessage(conversationId, "u0", "text", body, null, null, null,
                                null, null));
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
            return threads * (double) perThread / ((System.nanoTime() - start) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }
}
