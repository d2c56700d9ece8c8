package dev.parley.store.jdbi;

import dev.parley.core.spi.ConversationRecord;
import dev.parley.core.spi.NewConversation;
import dev.parley.core.spi.NewMessage;
import dev.parley.core.spi.UserProfile;
import dev.parley.protocol.model.ConversationType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Durable append throughput and read latency of {@link JdbiChatStore}; a measurement, not a test.
 * Usage: {@code StoreBenchmark embedded|postgres [senders] [appendsPerSender]} (default 100 and
 * 200). Each sender is a thread that appends one message after another, each acknowledged only
 * after its commit, as the engine's workers do; the senders go to one conversation each, to
 * {@code senders / 10} conversations, and all to one conversation. For PostgreSQL it uses the test
 * database at 127.0.0.1:5432 in a throw-away schema.
 */
public final class StoreBenchmark {
    private static final String BODY = "x".repeat(200);
    /** Distinct words, so a body gives the full-text index as many entries as a chat line would. */
    private static final int VOCABULARY = 20_000;

    /** About 200 B of 30 words, different for each sender and message. */
    static String body(int sender, int message) {
        StringBuilder body = new StringBuilder(210);
        for (int w = 0; body.length() < 200; w++) {
            long word = ((long) sender * 7919 + (long) message * 104_729 + w * 15_485_863L) % VOCABULARY;
            body.append(body.length() == 0 ? "" : " ").append("word").append(word);
        }
        return body.toString();
    }

    private StoreBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String target = args.length > 0 ? args[0] : "embedded";
        int senders = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int perSender = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        TestPostgres pg = null;
        Path dir = null;
        PostgresBackends backends = null;
        JdbiChatStore store;
        if (target.equals("postgres")) {
            pg = TestPostgres.createSchema();
            // Names the store's connections, so the CPU time of their server processes can be read.
            store = JdbiChatStore.postgres(pg.url() + "&ApplicationName=" + pg.schema, TestPostgres.USER,
                    TestPostgres.PASSWORD);
            backends = new PostgresBackends(pg);
        } else {
            dir = Files.createTempDirectory("parley-bench");
            store = JdbiChatStore.embedded(dir);
        }
        try {
            run(target, store, backends, senders, perSender);
        } finally {
            store.close();
            if (pg != null) {
                pg.close();
            }
            if (dir != null) {
                try (var files = Files.walk(dir)) {
                    files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    private static void run(String target, JdbiChatStore store, PostgresBackends backends, int senders,
                            int perSender) throws Exception {
        for (int i = 0; i <= senders; i++) {
            store.upsertUser(new UserProfile("u" + i, "u" + i, "User " + i, null, null, null, null));
        }
        List<String> own = new ArrayList<>();
        for (int i = 1; i <= senders; i++) {
            own.add(store.createConversation(new NewConversation(ConversationType.DIRECT, null, "u0",
                    List.of("u" + i))).conversation().id());
        }
        int groups = Math.max(1, senders / 10);
        List<String> shared = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            List<String> members = new ArrayList<>();
            for (int i = 1; i <= senders; i++) {
                if (i % groups == g) {
                    members.add("u" + i);
                }
            }
            shared.add(store.createConversation(new NewConversation(ConversationType.GROUP, "bench " + g, "u0",
                    members)).conversation().id());
        }

        System.out.printf(Locale.ROOT, "%s: %d senders x %d appends of 200 B (30 words), each acknowledged after its commit%n",
                target, senders, perSender);
        // Warm-up (JIT, pool, caches) of half a scenario's appends: with less, the first scenario measured the JIT compiling the
        // committer's path more than the path itself (JVM CPU per append 113-151 µs against 44-69 µs
        // in the scenarios after it).
        appendAll(store, senders, Math.max(10, perSender / 2), own::get);
        report(store, backends, "one conversation each", senders, perSender, own::get);
        report(store, backends, senders / groups + " senders per conversation (" + groups + ")", senders,
                perSender, s -> shared.get((s + 1) % groups));
        report(store, backends, "all in one conversation", senders, perSender, s -> shared.get(0));

        for (int i = 0; i < 200; i++) {
            store.upsertUser(new UserProfile("f" + i, "f" + i, "F " + i, null, null, null, null));
            String id = store.createConversation(new NewConversation(ConversationType.DIRECT, null, "u0",
                    List.of("f" + i))).conversation().id();
            store.appendMessage(new NewMessage(id, "f" + i, "text", BODY, null, null, null, null, null));
        }
        if (backends != null) {
            // What autovacuum does within a minute on a live database: until then the planner takes
            // the tables filled above for empty ones and reads a whole conversation to find its newest.
            store.run("analyze", h -> h.execute("ANALYZE"));
        }
        int rounds = 50;
        long start = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
            store.listConversations("u0", 100);
        }
        double listMs = (System.nanoTime() - start) / 1e6 / rounds;
        start = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
            store.loadMessages(shared.get(0), "u1", null, 50, false, false);
        }
        double pageMs = (System.nanoTime() - start) / 1e6 / rounds;
        System.out.printf(Locale.ROOT, "  listConversations(100 of %d): %6.2f ms%n", 200 + senders + groups, listMs);
        System.out.printf(Locale.ROOT, "  loadMessages(50 newest):      %6.2f ms%n", pageMs);

        // A sign-in storm of new users: every client signs in and enters its open room, as in the
        // peer harness's S3 (10,000 connections in 500 rooms of 20, 200 connecting at once).
        signInAndJoin(store, 200, 1_000, 50, "w"); // warm-up
        long jvmBefore = jvmCpuNanos();
        double joins = signInAndJoin(store, 200, 10_000, 500, "j");
        System.out.printf(Locale.ROOT, "  sign-in + open-room join (10,000 users, 500 rooms, 200 at once): %6.0f /s,"
                + " JVM CPU %4.0f us each%n", joins, (jvmCpuNanos() - jvmBefore) / 1e3 / 10_000);
        // A reconnect storm: the same users again, as after a server restart, all members already.
        jvmBefore = jvmCpuNanos();
        double returns = signInAndJoin(store, 200, 10_000, 500, "j");
        System.out.printf(Locale.ROOT, "  the same again, every user a member already:                     %6.0f /s,"
                + " JVM CPU %4.0f us each%n", returns, (jvmCpuNanos() - jvmBefore) / 1e3 / 10_000);
        // A disconnect storm: each user's last connection closing announces user_offline to the
        // user's conversations, which the engine reads first.
        jvmBefore = jvmCpuNanos();
        double offline = perUser(200, 10_000, i -> store.conversationIdsOf("juser-" + i));
        System.out.printf(Locale.ROOT, "  their conversation ids, 200 at once (a disconnect storm):        %6.0f /s,"
                + " JVM CPU %4.0f us each%n", offline, (jvmCpuNanos() - jvmBefore) / 1e3 / 10_000);
    }

    /** Each of {@code users} users signs in and joins room {@code i % rooms}, {@code threads} at a time; returns users/s. */
    private static double signInAndJoin(JdbiChatStore store, int threads, int users, int rooms, String prefix)
            throws Exception {
        return perUser(threads, users, i -> {
            String user = prefix + "user-" + i;
            store.signIn(new UserProfile(user, user, "User " + i, null, null, null, null)); // as the engine does
            store.joinOpenConversation(prefix + "room-" + (i % rooms), user, 1_000).orElseThrow();
        });
    }

    /** Runs {@code each} for every user index below {@code users}, {@code threads} at a time; returns users/s. */
    private static double perUser(int threads, int users, IntConsumer each) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            AtomicInteger next = new AtomicInteger();
            List<Future<?>> futures = new ArrayList<>();
            long begin = System.nanoTime();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < users; i = next.getAndIncrement()) {
                        each.accept(i);
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
            return users / ((System.nanoTime() - begin) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Prints appends/s, appends per commit, and the CPU time each append cost this JVM and (for
     * PostgreSQL) the store's server processes: on a loaded machine the CPU times still say where
     * the time goes.
     */
    private static void report(JdbiChatStore store, PostgresBackends backends, String name, int senders,
                               int perSender, java.util.function.IntFunction<String> conversationOf) throws Exception {
        GroupCommit.Stats before = store.appendStats();
        long jvmBefore = jvmCpuNanos();
        long committerBefore = committerCpuNanos();
        long pgBefore = backends == null ? 0 : backends.cpuNanos();
        double rate = appendAll(store, senders, perSender, conversationOf);
        long jvmCpu = jvmCpuNanos() - jvmBefore;
        long committerCpu = committerCpuNanos() - committerBefore;
        long pgCpu = backends == null ? 0 : backends.cpuNanos() - pgBefore;
        GroupCommit.Stats after = store.appendStats();
        long appends = (long) senders * perSender;
        double perCommit = (after.items() - before.items()) / (double) Math.max(1, after.batches() - before.batches());
        System.out.printf(Locale.ROOT, "  %-36s %8.0f appends/s, %5.1f appends per commit,"
                        + " CPU per append: JVM %5.0f us (committer thread %4.0f us)%s%n",
                name + ":", rate, perCommit, jvmCpu / 1e3 / appends, committerCpu / 1e3 / appends,
                backends == null ? "" : String.format(Locale.ROOT, ", PostgreSQL %5.0f us", pgCpu / 1e3 / appends));
    }

    private static long jvmCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** CPU time of the store's committer thread, which every append passes through one after another. */
    private static long committerCpuNanos() {
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long total = 0;
        for (var info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().endsWith("-committer")) {
                total += threads.getThreadCpuTime(info.getThreadId());
            }
        }
        return total;
    }

    /** The server processes of the store's connections, found by their application name, and their CPU time. */
    private static final class PostgresBackends {
        private final TestPostgres pg;

        PostgresBackends(TestPostgres pg) {
            this.pg = pg;
        }

        long cpuNanos() throws Exception {
            long ticks = 0;
            try (var c = java.sql.DriverManager.getConnection(TestPostgres.BASE_URL, TestPostgres.USER,
                    TestPostgres.PASSWORD);
                 var s = c.prepareStatement("SELECT pid FROM pg_stat_activity WHERE application_name = ?")) {
                s.setString(1, pg.schema);
                try (var rs = s.executeQuery()) {
                    while (rs.next()) {
                        // Fields 14 and 15 of /proc/<pid>/stat: user and system time in clock ticks (1/100 s).
                        String stat = Files.readString(Path.of("/proc", rs.getString(1), "stat"));
                        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                    }
                }
            }
            return ticks * 10_000_000L;
        }
    }

    /** Appends/s with every sender appending its messages one after another, all released together. */
    private static double appendAll(JdbiChatStore store, int senders, int perSender,
                                    java.util.function.IntFunction<String> conversationOf) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(senders);
        try {
            CyclicBarrier start = new CyclicBarrier(senders + 1);
            List<Future<?>> futures = new ArrayList<>();
            for (int s = 0; s < senders; s++) {
                String conversationId = conversationOf.apply(s);
                String sender = "u" + (s + 1);
                int senderIndex = s;
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perSender; i++) {
                        store.appendMessage(new NewMessage(conversationId, sender, "text", body(senderIndex, i),
                                null, null, null,
                                null, null));
                    }
                    return null;
                }));
            }
            start.await();
            long begin = System.nanoTime();
            for (Future<?> f : futures) {
                f.get();
            }
            return senders * (double) perSender / ((System.nanoTime() - begin) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }
}
