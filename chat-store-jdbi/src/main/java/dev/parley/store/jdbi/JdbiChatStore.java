package dev.parley.store.jdbi;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.parley.core.spi.AppendResult;
import dev.parley.core.spi.ChatStore;
import dev.parley.core.spi.Clock;
import dev.parley.core.spi.ConversationRecord;
import dev.parley.core.spi.CreateResult;
import dev.parley.core.spi.FileRecord;
import dev.parley.core.spi.MessagePage;
import dev.parley.core.spi.MessageRecord;
import dev.parley.core.spi.NewConversation;
import dev.parley.core.spi.NewMessage;
import dev.parley.core.spi.PresenceState;
import dev.parley.core.spi.ReactionChange;
import dev.parley.core.spi.ReplyRecord;
import dev.parley.core.spi.SignedIn;
import dev.parley.core.spi.StoreException;
import dev.parley.core.spi.UnreadCount;
import dev.parley.core.spi.UserProfile;
import dev.parley.protocol.Extension;
import dev.parley.protocol.Timestamps;
import dev.parley.protocol.model.ConversationType;
import dev.parley.protocol.model.Participant;
import dev.parley.protocol.model.Reaction;
import dev.parley.protocol.model.Role;
import dev.parley.protocol.model.User;
import dev.parley.protocol.payload.KeyPayloads.PublicKeyInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.Update;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * A durable {@link ChatStore} on PostgreSQL ({@link #postgres}) or on an embedded SQLite database
 * ({@link #embedded}), through a HikariCP pool. The schema is created and upgraded by Flyway
 * migrations when the store opens.
 *
 * <p>Appends are group-committed: concurrent appends are written by one committer thread, many in
 * one transaction and one commit, and each caller returns once the commit holding its message is
 * done. The transaction locks the rows of its conversations (on SQLite, the whole database, whose
 * transactions take its one write lock when they begin) and advances their {@code latest_seq}, so
 * {@code seq} is gapless and unique even with several server nodes on one database. The
 * committer has a connection of its own; everything else uses the pool.
 */
public final class JdbiChatStore implements ChatStore {
    private static final Logger log = LoggerFactory.getLogger(JdbiChatStore.class);
    private static final String UNIQUE_VIOLATION = "23505";
    /** Inserts or updates a user (bound by {@link #upsertUsers}); {@code created_at} is set on insert only. */
    private static final String UPSERT_USER = "INSERT INTO users (id, username, display_name, avatar_url, email,"
            + " phone, auth_user_id, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            + " ON CONFLICT (id) DO UPDATE SET username = EXCLUDED.username,"
            + " display_name = EXCLUDED.display_name, avatar_url = EXCLUDED.avatar_url,"
            + " email = EXCLUDED.email, phone = EXCLUDED.phone, auth_user_id = EXCLUDED.auth_user_id,"
            + " updated_at = EXCLUDED.updated_at";
    /** What a {@link User} is built from, with {@link #user}; the table's alias is {@code u}. */
    private static final String USER_COLUMNS_OF_U =
            " u.username, u.display_name, u.avatar_url, u.status, u.custom_status, u.last_seen";
    private static final String USER_COLUMNS = USER_COLUMNS_OF_U.replace("u.", "");

    private final HikariDataSource dataSource;
    private final HikariDataSource committerDataSource;
    private final Jdbi jdbi;
    private final Jdbi committerJdbi;
    private final Dialect dialect;
    private final Clock clock;
    private final GroupCommit<PreparedAppend, AppendResult> appends;
    private final GroupCommit<UserProfile, SignedIn> userWrites;
    private final GroupCommit<OpenJoin, Optional<ConversationRecord>> openJoins;
    private final GroupCommit<String, List<String>> conversationIdReads;
    private final GroupCommit<PresenceWrite, Void> presenceWrites;
    /** The embedded database's directory lock, released when the store closes; null on PostgreSQL. */
    private final DirectoryLock directoryLock;

    private JdbiChatStore(HikariDataSource dataSource, HikariDataSource committerDataSource, Dialect dialect,
                          Clock clock, DirectoryLock directoryLock) {
        this.directoryLock = directoryLock;
        this.dataSource = dataSource;
        this.committerDataSource = committerDataSource;
        this.jdbi = Jdbi.create(dataSource);
        this.committerJdbi = Jdbi.create(committerDataSource);
        if (dialect == Dialect.SQLITE) {
            // PostgreSQL's driver keeps compiled statements on the server; SQLite's compiles at each prepare.
            StatementCache statements = new StatementCache();
            jdbi.setStatementBuilderFactory(statements);
            committerJdbi.setStatementBuilderFactory(statements);
        }
        this.dialect = dialect;
        this.clock = clock;
        this.appends = new GroupCommit<>(committerDataSource.getPoolName(), "append message", MAX_BATCH,
                this::writeBatch);
        this.userWrites = new GroupCommit<>(committerDataSource.getPoolName() + "-users", "upsert user", MAX_BATCH,
                this::writeUsers);
        this.openJoins = new GroupCommit<>(committerDataSource.getPoolName() + "-joins", "join open conversation",
                MAX_BATCH, this::writeOpenJoins);
        this.conversationIdReads = new GroupCommit<>(dataSource.getPoolName() + "-conversation-ids",
                "list conversation ids", MAX_BATCH, this::readConversationIds);
        this.presenceWrites = new GroupCommit<>(committerDataSource.getPoolName() + "-presence", "set presence",
                MAX_BATCH, this::writePresence);
    }

    /** A store on an existing PostgreSQL database, with a ten-second {@linkplain #postgres(String, String, String, Duration) timeout}. */
    public static JdbiChatStore postgres(String jdbcUrl, String user, String password) {
        return postgres(jdbcUrl, user, password, Duration.ofSeconds(10));
    }

    /**
     * A store on an existing PostgreSQL database; the schema goes into the connection's current schema.
     * {@code timeout} bounds how long a call waits for a pooled connection, for a new connection, and
     * for any single read from the database's socket, so a call fails with {@link StoreException}
     * instead of hanging when the database is unreachable or stops answering (a call may wait for a
     * connection and then for an answer, so it fails within a small multiple of {@code timeout}). A
     * query running longer than that fails too. The same parameters in the URL ({@code socketTimeout},
     * {@code connectTimeout}, {@code cancelSignalTimeout}) win.
     */
    public static JdbiChatStore postgres(String jdbcUrl, String user, String password, Duration timeout) {
        long seconds = Math.max(1, timeout.toSeconds());
        return open(() -> {
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(jdbcUrl);
            config.setUsername(user);
            config.setPassword(password);
            config.setPoolName("parley-postgres");
            // A batch of inserts goes to the server as multi-row INSERTs: one statement instead of one per row.
            config.addDataSourceProperty("reWriteBatchedInserts", "true");
            config.setConnectionTimeout(Math.max(250, timeout.toMillis()));
            config.addDataSourceProperty("connectTimeout", String.valueOf(seconds));
            config.addDataSourceProperty("socketTimeout", String.valueOf(seconds));
            // A statement timeout sends a cancel request and waits for it; bound that too.
            config.addDataSourceProperty("cancelSignalTimeout", String.valueOf(seconds));
            return config;
        }, Dialect.POSTGRES, Clock.system(), null);
    }

    /**
     * When the embedded database forces its write-ahead log to disk, and so what an acknowledged
     * write survives. Either way a commit is in the log before the call returns.
     */
    public enum Sync {
        /**
         * At every commit (SQLite's {@code synchronous=FULL}), once per group commit: an
         * acknowledged write survives a power loss or an operating-system crash, as on PostgreSQL.
         * The default.
         */
        COMMIT("FULL"),
        /**
         * At checkpoints only ({@code synchronous=NORMAL}): an acknowledged write survives a crash
         * of the process, but a power loss or an operating-system crash may lose what was committed
         * since the last checkpoint. About a tenth more messages per second on one core
         * (BENCHMARKS.md, session 15).
         */
        CHECKPOINT("NORMAL");

        private final String pragma;

        Sync(String pragma) {
            this.pragma = pragma;
        }
    }

    /** {@link #embedded(Path, Sync)} with every commit synced to disk ({@link Sync#COMMIT}). */
    public static JdbiChatStore embedded(Path directory) {
        return embedded(directory, Sync.COMMIT);
    }

    /**
     * A store in an SQLite database file under {@code directory} (created if missing). Only one
     * process may open a directory at a time: the store holds a lock on {@code parley.lock} there
     * until it is closed. {@code sync} says what an acknowledged write survives. SQLite's native
     * library is unpacked into {@code native} there (unless the system property {@code
     * org.sqlite.tmpdir} or {@code org.sqlite.lib.path} says otherwise), replacing what an earlier
     * run left: the driver's default, the system's temporary directory, keeps a copy from every
     * process that was killed.
     */
    public static JdbiChatStore embedded(Path directory, Sync sync) {
        Objects.requireNonNull(sync, "sync");
        Path dir = directory.toAbsolutePath();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new StoreException("cannot create the database directory " + dir, e);
        }
        if (Files.exists(dir.resolve("parley.mv.db"))) {
            // Earlier builds kept their data in H2; nothing reads that file any more.
            throw new StoreException("the data directory " + dir + " holds a database of an earlier Parley version"
                    + " (parley.mv.db, H2); this version keeps its data in SQLite (parley.db): move the old files"
                    + " aside to start with an empty database", null);
        }
        DirectoryLock lock = DirectoryLock.acquire(dir.resolve("parley.lock"), "the database in " + dir
                + " is in use by another process (one server per data directory)");
        SqliteNativeLibrary.unpackInto(dir.resolve("native"));
        Supplier<HikariConfig> configs = () -> {
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl("jdbc:sqlite:" + dir.resolve("parley.db"));
            config.setPoolName("parley-embedded");
            config.setConnectionTimeout(10_000);
            // WAL: readers never wait for the writer. IMMEDIATE: a transaction takes the write lock
            // when it begins, so two writers never deadlock upgrading a read lock; busy_timeout is how
            // long one waits for the other.
            config.addDataSourceProperty("journal_mode", "WAL");
            config.addDataSourceProperty("synchronous", sync.pragma);
            config.addDataSourceProperty("foreign_keys", "true");
            config.addDataSourceProperty("busy_timeout", "10000");
            config.addDataSourceProperty("transaction_mode", "IMMEDIATE");
            return config;
        };
        try {
            return open(configs, Dialect.SQLITE, Clock.system(), lock);
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /** {@code configs} makes a new configuration at each call: one for each pool. */
    private static JdbiChatStore open(Supplier<HikariConfig> configs, Dialect dialect, Clock clock,
                                      DirectoryLock directoryLock) {
        HikariConfig config = configs.get();
        // Each committer (appends, user upserts, open-room joins, presence) writes through a
        // connection of its own, so its batches never wait for a pooled connection behind reads, and
        // reads never wait behind a batch. Its configuration is made anew rather than copied:
        // HikariCP's copy shares the data source properties, so a property set on one pool would
        // reach the other.
        HikariConfig committerConfig = configs.get();
        committerConfig.setPoolName(config.getPoolName() + "-committer");
        committerConfig.setMaximumPoolSize(4);
        HikariDataSource dataSource;
        try {
            dataSource = new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new StoreException("cannot connect to the database", e);
        }
        try {
            // PostgreSQL: the first schema's migrations (written to run on H2 as well, which the
            // embedded store used before SQLite) and PostgreSQL's own, numbered between them (2.1
            // after 2) so the two sets never collide. SQLite: its own set.
            List<String> locations = dialect == Dialect.POSTGRES
                    ? List.of("classpath:dev/parley/store/jdbi/migration", "classpath:dev/parley/store/jdbi/postgres-migration")
                    : List.of("classpath:dev/parley/store/jdbi/sqlite-migration");
            Flyway.configure()
                    .dataSource(dataSource)
                    .locations(locations.toArray(String[]::new))
                    .table("parley_schema_history")
                    .failOnMissingLocations(true)
                    .load()
                    .migrate();
        } catch (RuntimeException e) {
            dataSource.close();
            throw new StoreException("cannot migrate the database schema", e);
        }
        HikariDataSource committerDataSource;
        try {
            committerDataSource = new HikariDataSource(committerConfig);
        } catch (RuntimeException e) {
            dataSource.close();
            throw new StoreException("cannot connect to the database", e);
        }
        log.info("chat store open ({})", dialect.name().toLowerCase(Locale.ROOT));
        return new JdbiChatStore(dataSource, committerDataSource, dialect, clock, directoryLock);
    }

    // ---------------------------------------------------------------- users

    /**
     * Every sign-in writes its profile, so a burst of sign-ins (a server restart, a load test) is a
     * burst of one-row transactions: they go through a group commit of their own, like appends.
     */
    @Override
    public User upsertUser(UserProfile p) {
        return userWrites.submit(p).user();
    }

    /** The profile's write, and the user's conversations read in its transaction: one query per batch of sign-ins. */
    @Override
    public SignedIn signIn(UserProfile p) {
        return userWrites.submit(p);
    }

    /**
     * Writes a batch of profiles in one transaction, in id order (so two nodes' batches lock rows in
     * the same order), the last profile of a user winning, and reads the users back with their
     * conversations in it. If the batch fails, each is tried alone: a bad profile fails only its own
     * caller. A unique violation means two first sign-ins of one user raced to insert (on two
     * nodes); the retry updates the winner's row.
     */
    // Package-private so tests can write a batch of their choosing.
    void writeUsers(List<GroupCommit.Pending<UserProfile, SignedIn>> batch) {
        Map<String, UserProfile> latest = new TreeMap<>();
        batch.forEach(p -> latest.put(p.item.id(), p.item));
        Map<String, SignedIn> signedIn;
        try {
            signedIn = againAfterUniqueViolation(() -> committerJdbi.inTransaction(tx -> {
                upsertUsers(tx, latest.values());
                List<String> ids = List.copyOf(latest.keySet());
                // Read back rather than made from the profiles: the users carry their stored presence.
                Map<String, List<String>> conversations = conversationIdsOf(tx, ids);
                Map<String, SignedIn> byId = new HashMap<>();
                for (User u : users(tx, ids)) {
                    byId.put(u.id(), new SignedIn(u, conversations.getOrDefault(u.id(), List.of())));
                }
                return byId;
            }));
        } catch (RuntimeException e) {
            writeAloneOrFail(batch, e, "upsert user", true, this::writeUsers);
            return;
        }
        batch.forEach(p -> p.succeed(signedIn.get(p.item.id())));
    }

    /**
     * {@code batch}, run once more if it failed on a unique violation: another node inserted the
     * same row meanwhile, and the second run finds it.
     */
    private static <A> A againAfterUniqueViolation(Supplier<A> batch) {
        try {
            return batch.get();
        } catch (RuntimeException e) {
            if (!isUniqueViolation(e)) {
                throw e;
            }
            return batch.get();
        }
    }

    /**
     * After a batch failed: writes each item again alone, so a bad one fails only its own caller.
     * Every item fails at once instead when that cannot help or is not safe: a batch of one, no
     * database (a retry of each would only wait for it again), or {@code retryable} false.
     */
    private static <T, R> void writeAloneOrFail(List<GroupCommit.Pending<T, R>> batch, RuntimeException failure,
                                                String what, boolean retryable,
                                                Consumer<List<GroupCommit.Pending<T, R>>> writer) {
        if (batch.size() == 1 || !retryable || lostConnection(failure)) {
            StoreException error = new StoreException(what + " failed", failure);
            batch.forEach(p -> p.fail(error));
            return;
        }
        // No data in the log: the driver's message may quote the rows.
        log.warn("a batch of {} ({}) failed ({}); writing them one by one", batch.size(), what, sqlState(failure));
        batch.forEach(p -> writer.accept(List.of(p)));
    }

    /**
     * The committers of sign-ins and open joins run their statements with plain JDBC, on statements
     * kept between batches, as the append committer does: Jdbi's binding and its row loop, which
     * the JIT compiles again as each query takes its turn, made a storm of 10,000 first sign-ins
     * and joins 12-15 % longer on the embedded store (BENCHMARKS.md, sessions 14 and 15).
     */
    private void upsertUsers(Handle tx, Collection<UserProfile> profiles) {
        Object now = time(now());
        try (StatementCache.Lent lent = StatementCache.lend(tx, UPSERT_USER)) {
            PreparedStatement upsert = lent.statement();
            for (UserProfile p : profiles) {
                upsert.setString(1, p.id());
                upsert.setBytes(2, ExactText.encode(p.username()));
                upsert.setBytes(3, ExactText.encode(p.displayName()));
                upsert.setBytes(4, ExactText.encode(p.avatarUrl()));
                upsert.setBytes(5, ExactText.encode(p.email()));
                upsert.setBytes(6, ExactText.encode(p.phone()));
                upsert.setBytes(7, ExactText.encode(p.authUserId()));
                upsert.setObject(8, now);
                upsert.addBatch();
            }
            upsert.executeBatch();
        } catch (SQLException e) {
            throw new StoreException("upsert user failed", e);
        }
    }

    @Override
    public List<User> findUsers(Collection<String> ids) {
        List<String> distinct = List.copyOf(new LinkedHashSet<>(ids));
        if (distinct.isEmpty()) {
            return List.of();
        }
        return run("find users", h -> users(h, distinct));
    }

    /**
     * Plain JDBC on a kept statement, like the append committer's writes: the committer reads its
     * senders with this at every batch.
     */
    private List<User> users(Handle h, List<String> distinctIds) {
        List<User> users = new ArrayList<>(distinctIds.size());
        try (StatementCache.Lent lent = StatementCache.lend(h,
                "SELECT id," + USER_COLUMNS + " FROM users WHERE id" + dialect.in("?"))) {
            PreparedStatement query = lent.statement();
            dialect.bindIds(query, 1, distinctIds);
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    users.add(user(rs, rs.getString(1)));
                }
            }
        } catch (SQLException e) {
            throw new StoreException("read users failed", e);
        }
        return users;
    }

    // ---------------------------------------------------------------- conversations

    @Override
    public CreateResult createConversation(NewConversation nc) {
        boolean direct = nc.type() == ConversationType.DIRECT;
        if (direct && nc.otherUserIds().size() != 1) {
            throw new IllegalArgumentException("a direct conversation has exactly one other user");
        }
        String directKey = direct ? directKey(nc.createdBy(), nc.otherUserIds().get(0)) : null;
        return run("create conversation", h -> {
            if (direct) {
                Optional<String> existing = findDirect(h, directKey);
                if (existing.isPresent()) {
                    return new CreateResult(view(h, existing.get(), nc.createdBy()).orElseThrow(), false);
                }
            }
            String id = UUID.randomUUID().toString();
            try {
                h.useTransaction(tx -> insertConversation(tx, id, nc, directKey));
            } catch (JdbiException e) {
                // The other user created the same direct conversation at the same moment: theirs wins.
                if (!direct || !isUniqueViolation(e)) {
                    throw e;
                }
                String existing = findDirect(h, directKey).orElseThrow(() -> e);
                return new CreateResult(view(h, existing, nc.createdBy()).orElseThrow(), false);
            }
            return new CreateResult(view(h, id, nc.createdBy()).orElseThrow(), true);
        });
    }

    private void insertConversation(Handle tx, String id, NewConversation nc, String directKey) {
        Object now = time(now());
        tx.createUpdate("INSERT INTO conversations (id, type, name, direct_key, created_by, created_at, updated_at)"
                        + " VALUES (:id, :type, :name, :directKey, :createdBy, :now, :now)")
                .bind("id", id)
                .bind("type", nc.type().wireName())
                .bind("name", directKey == null ? ExactText.encode(nc.name()) : null)
                .bind("directKey", directKey)
                .bind("createdBy", nc.createdBy())
                .bind("now", now)
                .execute();
        LinkedHashSet<String> others = new LinkedHashSet<>(nc.otherUserIds());
        others.remove(nc.createdBy());
        PreparedBatch batch = tx.prepareBatch("INSERT INTO participants (conversation_id, user_id, role, position, joined_at)"
                + " VALUES (:conversationId, :userId, :role, :position, :now)");
        batch.bind("conversationId", id).bind("userId", nc.createdBy()).bind("role", role(Role.ADMIN))
                .bind("position", 0).bind("now", now).add();
        int position = 1;
        for (String other : others) {
            batch.bind("conversationId", id).bind("userId", other).bind("role", role(Role.MEMBER))
                    .bind("position", position++).bind("now", now).add();
        }
        batch.execute();
    }

    private static Optional<String> findDirect(Handle h, String directKey) {
        return h.createQuery("SELECT id FROM conversations WHERE direct_key = :key")
                .bind("key", directKey).mapTo(String.class).findOne();
    }

    /** Unambiguous for any two ids: the length prefix marks where the first one ends. */
    private static String directKey(String a, String b) {
        String first = a.compareTo(b) <= 0 ? a : b;
        String second = first == a ? b : a;
        return first.length() + ":" + first + "|" + second;
    }

    @Override
    public Optional<ConversationRecord> findConversation(String conversationId, String viewerId) {
        return run("find conversation", h -> view(h, conversationId, viewerId));
    }

    @Override
    public List<ConversationRecord> listConversations(String userId, int limit) {
        if (limit <= 0) {
            return List.of();
        }
        return run("list conversations", h -> views(h, userId, null, limit));
    }

    private Optional<ConversationRecord> view(Handle h, String conversationId, String viewerId) {
        return views(h, viewerId, conversationId, 1).stream().findFirst();
    }

    /**
     * The viewer's conversations (or the one named), newest activity first. One query reads the
     * conversations with their unread counts and the ids of their latest visible messages; then one
     * batch each loads those messages and the participants, whatever the page size.
     */
    private List<ConversationRecord> views(Handle h, String viewerId, String onlyConversationId, int limit) {
        // The unread count is computed outside the query that holds the LIMIT, so only for the
        // conversations returned: SQLite computes a sorted query's columns before it sorts.
        String newestFirst = " ORDER BY COALESCE(x.latest_at, x.created_at) DESC, x.id DESC";
        String sql = withUnread("SELECT x.* FROM (SELECT " + VIEW_COLUMNS
                + "   WHERE p.user_id = :viewer AND p.left_at IS NULL"
                + (onlyConversationId == null ? "" : " AND c.id = :conversationId")
                + " ) x" + newestFirst + " LIMIT :limit") + newestFirst;
        var query = h.createQuery(sql).bind("viewer", viewerId).bind("limit", limit);
        if (onlyConversationId != null) {
            query.bind("conversationId", onlyConversationId);
        }
        return assembleViews(h, query.map((rs, ctx) -> viewRow(rs)).list());
    }

    /**
     * Each viewer's view of a conversation, by (conversation id, viewer id); a pair whose viewer is
     * not an active member is absent. One query reads the rows of every pair, one the participants
     * of every conversation, whatever the number of pairs.
     */
    private Map<List<String>, ConversationRecord> viewsOf(Handle h, Set<List<String>> pairs) {
        List<String> ids = pairs.stream().map(p -> p.get(0)).distinct().toList();
        List<String> viewers = pairs.stream().map(p -> p.get(1)).distinct().toList();
        // The two lists select a few rows beyond the pairs (a viewer who is also in another pair's
        // conversation); they are dropped here.
        List<ViewRow> rows = new ArrayList<>();
        try (StatementCache.Lent lent = StatementCache.lend(h, withUnread("SELECT " + VIEW_COLUMNS
                + " WHERE p.conversation_id" + dialect.in("?") + " AND p.user_id" + dialect.in("?")
                + " AND p.left_at IS NULL"))) {
            PreparedStatement query = lent.statement();
            dialect.bindIds(query, 1, ids);
            dialect.bindIds(query, 2, viewers);
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    ViewRow r = viewRow(rs);
                    if (pairs.contains(List.of(r.id, r.viewerId))) {
                        rows.add(r);
                    }
                }
            }
        } catch (SQLException e) {
            throw new StoreException("read conversations failed", e);
        }
        List<ConversationRecord> assembled = assembleViews(h, rows);
        Map<List<String>, ConversationRecord> views = new HashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            views.put(List.of(rows.get(i).id, rows.get(i).viewerId), assembled.get(i));
        }
        return views;
    }

    // Scalar subqueries keep every lookup on the newest-first (conversation_id, seq) index (ordered by
    // both columns, so every planner sees it).
    private static final String LATEST_VISIBLE = " FROM messages v WHERE v.conversation_id = c.id"
            + " AND v.deleted_at IS NULL ORDER BY v.conversation_id, v.seq DESC LIMIT 1)";

    /** The columns of a conversation as the participant {@code p} sees it, and the FROM clause. */
    private static final String VIEW_COLUMNS = "p.user_id AS viewer, c.id, c.type, c.name, c.description,"
            + " c.avatar_url, c.created_by, c.created_at, c.updated_at, c.latest_seq, p.last_read_seq,"
            + " p.sent_since_read,"
            + " (SELECT v.id" + LATEST_VISIBLE + " AS latest_id,"
            + " (SELECT v.created_at" + LATEST_VISIBLE + " AS latest_at"
            + " FROM participants p JOIN conversations c ON c.id = p.conversation_id";

    /** {@code rowsSql} (which selects {@link #VIEW_COLUMNS}) with each row's unread count. */
    private static String withUnread(String rowsSql) {
        return "SELECT x.*, " + unread("x.id", "x.viewer", "x.latest_seq", "x.last_read_seq", "x.sent_since_read")
                + " AS unread FROM (" + rowsSql + ") x";
    }

    /**
     * A reader's unread count: other senders' messages after the read position that are not
     * deleted. A conversation's seqs are gapless, so that is every message after the position
     * less the reader's own (kept in {@code sent_since_read}) and other senders' deleted ones
     * (on a partial index of deleted messages): the cost of the count does not grow with the
     * number of unread messages.
     */
    private static String unread(String conversationId, String readerId, String latestSeq, String lastReadSeq,
                                 String sentSinceRead) {
        return "(" + latestSeq + " - " + lastReadSeq + " - " + sentSinceRead
                + " - (SELECT COUNT(*) FROM messages d WHERE d.conversation_id = " + conversationId
                + " AND d.deleted_at IS NOT NULL AND d.seq > " + lastReadSeq + " AND d.sender_id <> " + readerId + "))";
    }

    /** A row of {@link #VIEW_COLUMNS} with its unread count. */
    private record ViewRow(String viewerId, String id, ConversationType type, String name, String description,
                           String avatarUrl, String createdBy, Instant createdAt, Instant updatedAt, long latestSeq,
                           long lastReadSeq, String latestId, int unread) {
    }

    private ViewRow viewRow(ResultSet rs) throws SQLException {
        return new ViewRow(rs.getString("viewer"), rs.getString("id"),
                ConversationType.valueOf(rs.getString("type").toUpperCase(Locale.ROOT)), text(rs, "name"),
                text(rs, "description"), text(rs, "avatar_url"), rs.getString("created_by"),
                instant(rs, "created_at"), instant(rs, "updated_at"), rs.getLong("latest_seq"),
                rs.getLong("last_read_seq"), rs.getString("latest_id"), rs.getInt("unread"));
    }

    /**
     * The rows' conversations, in row order, with their latest messages (one batch per viewer, as
     * a message may read differently for each) and their participants (one batch).
     */
    private List<ConversationRecord> assembleViews(Handle h, List<ViewRow> rows) {
        if (rows.isEmpty()) {
            return List.of();
        }
        Map<String, List<String>> latestIdsByViewer = new HashMap<>();
        for (ViewRow r : rows) {
            if (r.latestId != null) {
                latestIdsByViewer.computeIfAbsent(r.viewerId, v -> new ArrayList<>()).add(r.latestId);
            }
        }
        Map<List<String>, MessageRecord> latest = new HashMap<>();
        latestIdsByViewer.forEach((viewer, latestIds) -> {
            for (MessageRecord m : messagesById(h, latestIds, viewer)) {
                latest.put(List.of(viewer, m.id()), m);
            }
        });
        Map<String, List<Participant>> participants = participants(h,
                rows.stream().map(ViewRow::id).distinct().toList());
        List<ConversationRecord> views = new ArrayList<>(rows.size());
        for (ViewRow r : rows) {
            views.add(new ConversationRecord(r.id, r.type, r.name, r.description, r.avatarUrl, r.createdBy,
                    r.createdAt, r.updatedAt, participants.getOrDefault(r.id, List.of()),
                    r.latestId == null ? null : latest.get(List.of(r.viewerId, r.latestId)), r.unread, r.latestSeq,
                    r.lastReadSeq));
        }
        return views;
    }

    /** Plain JDBC: every join's answer lists its room's members, the most rows a connection storm reads. */
    private Map<String, List<Participant>> participants(Handle h, List<String> conversationIds) {
        Map<String, List<Participant>> byConversation = new HashMap<>();
        try (StatementCache.Lent lent = StatementCache.lend(h, "SELECT p.conversation_id, p.user_id, p.role,"
                + " p.joined_at," + USER_COLUMNS_OF_U + " FROM participants p JOIN users u ON u.id = p.user_id"
                + " WHERE p.conversation_id" + dialect.in("?") + " AND p.left_at IS NULL"
                + " ORDER BY p.conversation_id, p.position")) {
            PreparedStatement query = lent.statement();
            dialect.bindIds(query, 1, conversationIds);
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    String userId = rs.getString("user_id");
                    byConversation.computeIfAbsent(rs.getString("conversation_id"), k -> new ArrayList<>())
                            .add(new Participant(userId, Role.valueOf(rs.getString("role").toUpperCase(Locale.ROOT)),
                                    instant(rs, "joined_at"), user(rs, userId)));
                }
            }
        } catch (SQLException e) {
            throw new StoreException("list participants failed", e);
        }
        return byConversation;
    }

    @Override
    public boolean isParticipant(String conversationId, String userId) {
        return run("check participant", h -> h.createQuery("SELECT COUNT(*) FROM participants"
                        + " WHERE conversation_id = :c AND user_id = :u AND left_at IS NULL")
                .bind("c", conversationId).bind("u", userId).mapTo(Integer.class).one() > 0);
    }

    @Override
    public List<String> participantIds(String conversationId) {
        return run("list participants", h -> h.createQuery("SELECT user_id FROM participants"
                        + " WHERE conversation_id = :c AND left_at IS NULL ORDER BY position")
                .bind("c", conversationId).mapTo(String.class).list());
    }

    /** Read with the calls queued meanwhile: one query for them all (see {@link #readConversationIds}). */
    @Override
    public List<String> conversationIdsOf(String userId) {
        return conversationIdReads.submit(userId);
    }

    /**
     * The conversation ids of a batch of users in one query. The engine reads a user's ids when the
     * user's last connection closes (to announce {@code user_offline}), so a disconnect storm would
     * otherwise be a storm of one-user reads.
     */
    // Package-private so tests can read a batch of their choosing.
    void readConversationIds(List<GroupCommit.Pending<String, List<String>>> batch) {
        List<String> users = batch.stream().map(p -> p.item).distinct().toList();
        Map<String, List<String>> ids;
        try {
            ids = run("list conversation ids", h -> conversationIdsOf(h, users));
        } catch (StoreException e) {
            batch.forEach(p -> p.fail(e));
            return;
        }
        batch.forEach(p -> p.succeed(ids.getOrDefault(p.item, List.of())));
    }

    /** Each of the users' active conversations, by user (users in none are absent). */
    private Map<String, List<String>> conversationIdsOf(Handle h, List<String> userIds) {
        Map<String, List<String>> byUser = new HashMap<>();
        try (StatementCache.Lent lent = StatementCache.lend(h, "SELECT user_id, conversation_id FROM participants"
                + " WHERE user_id" + dialect.in("?") + " AND left_at IS NULL")) {
            PreparedStatement query = lent.statement();
            dialect.bindIds(query, 1, userIds);
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    byUser.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getString(2));
                }
            }
        } catch (SQLException e) {
            throw new StoreException("list conversation ids failed", e);
        }
        return byUser;
    }

    /**
     * Every open join, first ones, returning members and rooms not yet created alike, goes through
     * the open-join committer: a burst of joins (clients reconnecting after a restart, a crowd
     * arriving) is settled with a few queries a batch instead of a few a join.
     */
    @Override
    public Optional<ConversationRecord> joinOpenConversation(String conversationId, String userId, int maxParticipants) {
        return openJoins.submit(new OpenJoin(conversationId, userId, maxParticipants));
    }

    /** A user entering an open room that holds at most {@code maxParticipants} active members. */
    record OpenJoin(String conversationId, String userId, int maxParticipants) {
    }

    /**
     * Writes a batch of open-room joins in one transaction and answers each caller with the
     * conversation as its user sees it, or empty for a full room or a conversation that is not a
     * group. A unique violation means another node created one of the rooms meanwhile: the retry
     * joins it. If the batch fails otherwise, each join is tried alone, so a bad one (an unknown
     * user) fails only its own caller; joining is idempotent, so a retry after a failed commit is
     * safe.
     */
    // Package-private so tests can write a batch of their choosing.
    void writeOpenJoins(List<GroupCommit.Pending<OpenJoin, Optional<ConversationRecord>>> batch) {
        List<OpenJoin> joins = batch.stream().map(p -> p.item).toList();
        List<Optional<ConversationRecord>> answers;
        try {
            answers = againAfterUniqueViolation(() -> committerJdbi.withHandle(h -> joinAndView(h, joins)));
        } catch (RuntimeException e) {
            writeAloneOrFail(batch, e, "join open conversation", true, this::writeOpenJoins);
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).succeed(answers.get(i));
        }
    }

    private List<Optional<ConversationRecord>> joinAndView(Handle h, List<OpenJoin> joins) {
        List<Boolean> joined;
        try {
            joined = h.inTransaction(tx -> joinAll(tx, joins));
        } catch (SQLException e) {
            throw new StoreException("join open conversation failed", e);
        }
        // The views are read after the commit, so that the batch's locks are not held meanwhile, and
        // for the whole batch at once: reading each alone cost more than the join.
        Set<List<String>> members = new HashSet<>();
        for (int i = 0; i < joins.size(); i++) {
            if (joined.get(i)) {
                members.add(List.of(joins.get(i).conversationId, joins.get(i).userId));
            }
        }
        Map<List<String>, ConversationRecord> views = viewsOf(h, members);
        return joins.stream().map(j -> Optional.ofNullable(views.get(List.of(j.conversationId, j.userId)))).toList();
    }

    /** The transaction of a batch of joins; the answer of each join, in batch order. */
    private List<Boolean> joinAll(Handle tx, List<OpenJoin> joins) throws SQLException {
        List<String> ids = joins.stream().map(OpenJoin::conversationId).distinct().toList();
        // Locked in id order, like an append batch's conversations, so batches cannot deadlock; the
        // lock orders joiners of one room, so no count below can be overtaken.
        Map<String, String> types = new HashMap<>();
        try (StatementCache.Lent lent = StatementCache.lend(tx, "SELECT id, type FROM conversations WHERE id"
                + dialect.in("?") + " ORDER BY id" + dialect.forUpdate)) {
            PreparedStatement query = lent.statement();
            dialect.bindIds(query, 1, ids);
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    types.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        // Per room: active members and the last position handed out.
        Map<String, int[]> rooms = new HashMap<>();
        try (StatementCache.Lent lent = StatementCache.lend(tx, "SELECT conversation_id,"
                + " COUNT(CASE WHEN left_at IS NULL THEN 1 END), MAX(position) FROM participants"
                + " WHERE conversation_id" + dialect.in("?") + " GROUP BY conversation_id")) {
            PreparedStatement query = lent.statement();
            dialect.bindIds(query, 1, ids);
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    rooms.put(rs.getString(1), new int[] {rs.getInt(2), rs.getInt(3)});
                }
            }
        }
        // The joiners' rows, if any: true while a member, false after leaving.
        Map<List<String>, Boolean> memberships = new HashMap<>();
        try (StatementCache.Lent lent = StatementCache.lend(tx, "SELECT conversation_id, user_id, left_at"
                + " FROM participants WHERE conversation_id" + dialect.in("?") + " AND user_id" + dialect.in("?"))) {
            PreparedStatement query = lent.statement();
            dialect.bindIds(query, 1, ids);
            dialect.bindIds(query, 2, joins.stream().map(OpenJoin::userId).distinct().toList());
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    memberships.put(List.of(rs.getString(1), rs.getString(2)), rs.getObject(3) == null);
                }
            }
        }

        // Rooms not created yet: the first joiner of the batch creates each one, as its admin. (A
        // node racing on the same id fails this batch with a unique violation; the batch then runs
        // again and finds the room.)
        for (OpenJoin j : joins) {
            if (!types.containsKey(j.conversationId)) {
                insertConversation(tx, j.conversationId,
                        new NewConversation(ConversationType.GROUP, j.conversationId, j.userId, List.of()), null);
                types.put(j.conversationId, ConversationType.GROUP.wireName());
                rooms.put(j.conversationId, new int[] {1, 0});
                memberships.put(List.of(j.conversationId, j.userId), true);
            }
        }

        Object now = time(now());
        List<Boolean> joined = new ArrayList<>(joins.size());
        try (StatementCache.Lent lentInserts = StatementCache.lend(tx, "INSERT INTO participants"
                + " (conversation_id, user_id, role, position, joined_at) VALUES (?, ?, ?, ?, ?)");
             StatementCache.Lent lentReturns = StatementCache.lend(tx, "UPDATE participants"
                     + " SET left_at = NULL, joined_at = ? WHERE conversation_id = ? AND user_id = ?")) {
            PreparedStatement inserts = lentInserts.statement();
            PreparedStatement returns = lentReturns.statement();
            int inserted = 0;
            int returned = 0;
            for (OpenJoin j : joins) {
                if (!ConversationType.GROUP.wireName().equals(types.get(j.conversationId))) {
                    joined.add(false);
                    continue;
                }
                List<String> key = List.of(j.conversationId, j.userId);
                Boolean member = memberships.get(key);
                if (Boolean.TRUE.equals(member)) {
                    joined.add(true);
                    continue;
                }
                int[] room = rooms.computeIfAbsent(j.conversationId, c -> new int[] {0, -1});
                if (room[0] >= j.maxParticipants) {
                    joined.add(false);
                    continue;
                }
                if (member == null) {
                    inserts.setString(1, j.conversationId);
                    inserts.setString(2, j.userId);
                    inserts.setString(3, role(Role.MEMBER));
                    inserts.setInt(4, ++room[1]);
                    inserts.setObject(5, now);
                    inserts.addBatch();
                    inserted++;
                } else { // a row of an earlier membership
                    returns.setObject(1, now);
                    returns.setString(2, j.conversationId);
                    returns.setString(3, j.userId);
                    returns.addBatch();
                    returned++;
                }
                room[0]++;
                memberships.put(key, true);
                joined.add(true);
            }
            if (inserted > 0) {
                inserts.executeBatch();
            }
            if (returned > 0) {
                returns.executeBatch();
            }
        }
        return joined;
    }

    // ---------------------------------------------------------------- messages

    /**
     * The most appends written in one transaction. The engine keeps about one append per busy
     * conversation in flight, so this bounds the conversations of a batch too.
     */
    private static final int MAX_BATCH = 256;

    /**
     * Stores the message in one transaction with the appends that queued meanwhile (group commit,
     * see {@link GroupCommit}) and returns after that transaction committed.
     */
    @Override
    public AppendResult appendMessage(NewMessage m) {
        return appends.submit(prepare(m));
    }

    /**
     * An append with the values the committer would otherwise compute on its serial path: each
     * caller encodes its own message, in parallel, so the committer only binds them.
     */
    record PreparedAppend(NewMessage message, byte[] content, byte[] metadata, JsonObject metadataCopy,
                          String searchText, String searchWords) {
    }

    // Package-private so tests can write a batch of their choosing.
    PreparedAppend prepare(NewMessage m) {
        boolean perRecipient = m.contents() != null;
        return new PreparedAppend(m, perRecipient ? null : ExactText.encode(m.content()),
                ExactText.encode(m.metadata().toString()), m.metadata().deepCopy(),
                perRecipient ? null : SearchText.image(m.content()),
                perRecipient || !dialect.fullTextSearch ? null : SearchText.words(m.content()));
    }

    /** Batches and appends the committer has written so far (for benchmarks). */
    GroupCommit.Stats appendStats() {
        return appends.stats();
    }

    /** What one append of a batch came to: its result, or the error its caller gets. */
    private record Outcome(AppendResult result, RuntimeException error) {
        static Outcome stored(AppendResult result) {
            return new Outcome(result, null);
        }

        static Outcome failed(RuntimeException error) {
            return new Outcome(null, error);
        }
    }

    /** The idempotency key of a message: its client message id is unique per conversation and sender. */
    private record ClientKey(String conversationId, String senderId, String clientMessageId) {
        static ClientKey of(NewMessage m) {
            return new ClientKey(m.conversationId(), m.senderId(), m.clientMessageId());
        }
    }

    /** A conversation's highest seq and the time of its message, as the batch advances them. */
    private record Counter(long latestSeq, Instant lastMessageAt) {
    }

    /** Set once the transaction's work is done and its commit begins. */
    private static final class Attempt {
        boolean committing;
    }

    /**
     * Writes a batch on the committer thread and settles every caller. If the transaction fails
     * before its commit, nothing of it was stored, and each message is tried again alone: a bad row
     * fails only its own caller (unless the database could not be reached: then all fail at once).
     * If the commit itself fails, whether it took effect is unknown, so every caller gets the error
     * (a retry with the same client message id finds what was stored).
     */
    // Package-private so tests can write a batch of their choosing.
    void writeBatch(List<GroupCommit.Pending<PreparedAppend, AppendResult>> batch) {
        List<PreparedAppend> messages = batch.stream().map(p -> p.item).toList();
        Attempt attempt = new Attempt();
        List<Outcome> outcomes;
        try {
            outcomes = committerJdbi.withHandle(h -> appendAll(h, messages, attempt));
        } catch (RuntimeException e) {
            // A failed commit may have taken effect: no retry then.
            writeAloneOrFail(batch, e, "append message", !attempt.committing, this::writeBatch);
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            Outcome o = outcomes.get(i);
            if (o.error != null) {
                batch.get(i).fail(o.error);
            } else {
                batch.get(i).succeed(o.result);
            }
        }
    }

    /** The outcome of each message of the batch, in batch order, after the batch committed. */
    private List<Outcome> appendAll(Handle h, List<PreparedAppend> prepared, Attempt attempt) {
        List<NewMessage> batch = prepared.stream().map(PreparedAppend::message).toList();
        Outcome[] outcomes = new Outcome[batch.size()];
        // Read before the transaction, so the conversation locks are held for the writes only.
        Map<String, User> senders = new HashMap<>();
        users(h, batch.stream().map(NewMessage::senderId).distinct().toList()).forEach(u -> senders.put(u.id(), u));
        Map<String, ReplyRecord> replies = replyPreviews(h,
                batch.stream().map(NewMessage::replyToId).filter(Objects::nonNull).distinct().toList(), null);

        // The first message with a client message id leads; a repeat of it in this batch gets its outcome.
        Map<ClientKey, Integer> leaders = new HashMap<>();
        Map<Integer, Integer> repeats = new HashMap<>();
        List<Integer> toWrite = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            NewMessage m = batch.get(i);
            if (!senders.containsKey(m.senderId())) {
                outcomes[i] = Outcome.failed(new StoreException("append message failed",
                        new IllegalArgumentException("unknown sender")));
                continue;
            }
            Integer leader = m.clientMessageId() == null ? null : leaders.putIfAbsent(ClientKey.of(m), i);
            if (leader != null) {
                repeats.put(i, leader);
            } else {
                toWrite.add(i);
            }
        }
        if (!toWrite.isEmpty()) {
            h.useTransaction(tx -> {
                writeLocked(tx, batch, prepared, toWrite, outcomes, senders, replies);
                attempt.committing = true;
            });
        }
        repeats.forEach((i, leader) -> {
            Outcome first = outcomes[leader];
            outcomes[i] = first.error != null ? first
                    : Outcome.stored(new AppendResult(first.result.message(), true));
        });
        return List.of(outcomes);
    }

    /**
     * The transaction of a batch: locks its conversations, answers repeats of stored client message
     * ids with the stored message, and inserts the rest with the next seqs of their conversations.
     * {@code batch} holds the messages of {@code prepared}, index for index.
     */
    private void writeLocked(Handle tx, List<NewMessage> batch, List<PreparedAppend> prepared, List<Integer> toWrite,
                             Outcome[] outcomes, Map<String, User> senders, Map<String, ReplyRecord> replies) {
        Instant now = now();
        Map<String, Counter> counters = new HashMap<>();
        // Every node locks in the database's order of ids, so two batches cannot deadlock; a
        // conversation's appends queue here across nodes, which keeps its seq gapless and unique.
        // Plain JDBC, as for the writes below, on statements kept between batches where SQLite
        // would compile them at each prepare: binding each value through JDBI cost the committer
        // more than the driver's own work, and the JIT compiled Jdbi's result loop with every
        // query's row mapping inlined, again whenever another got hot (BENCHMARKS.md, session 14).
        try (StatementCache.Lent lent = StatementCache.lend(tx, "SELECT id, latest_seq, last_message_at"
                + " FROM conversations WHERE id" + dialect.in("?") + " ORDER BY id" + dialect.lockForAppend)) {
            PreparedStatement locks = lent.statement();
            Set<String> ids = new HashSet<>();
            for (int i : toWrite) {
                ids.add(batch.get(i).conversationId());
            }
            dialect.bindIds(locks, 1, ids);
            try (ResultSet rs = locks.executeQuery()) {
                while (rs.next()) {
                    counters.put(rs.getString(1), new Counter(rs.getLong(2), instant(rs, 3)));
                }
            }
        } catch (SQLException e) {
            throw new StoreException("append message failed", e);
        }

        // Under the locks, a message with the same client message id committed before is visible.
        List<NewMessage> keyed = toWrite.stream().map(batch::get)
                .filter(m -> m.clientMessageId() != null && counters.containsKey(m.conversationId())).toList();
        Map<ClientKey, MessageRecord> stored = new HashMap<>();
        if (!keyed.isEmpty()) {
            messages(tx, " WHERE m.conversation_id" + dialect.in(":c") + " AND m.sender_id" + dialect.in(":s")
                            + " AND m.client_message_id" + dialect.in(":k"),
                    Map.of("c", keyed.stream().map(NewMessage::conversationId).distinct().toList(),
                            "s", keyed.stream().map(NewMessage::senderId).distinct().toList(),
                            "k", keyed.stream().map(NewMessage::clientMessageId).distinct().toList()), null)
                    .forEach(r -> stored.put(new ClientKey(r.conversationId(), r.senderId(), r.clientMessageId()), r));
        }

        // PostgreSQL's driver sends each batch as multi-row INSERTs (reWriteBatchedInserts).
        try (StatementCache.Lent lentRows = StatementCache.lend(tx,
                dialect.fullTextSearch ? INSERT_MESSAGE_WITH_WORDS : INSERT_MESSAGE);
             StatementCache.Lent lentCopies = StatementCache.lend(tx, INSERT_COPY)) {
            PreparedStatement rows = lentRows.statement();
            PreparedStatement copies = lentCopies.statement();
            int copyCount = 0;
            Set<String> advanced = new LinkedHashSet<>();
            Map<List<String>, Integer> sent = new LinkedHashMap<>();
            for (int i : toWrite) {
                NewMessage m = batch.get(i);
                PreparedAppend p = prepared.get(i);
                Counter counter = counters.get(m.conversationId());
                if (counter == null) {
                    outcomes[i] = Outcome.failed(new IllegalArgumentException("unknown conversation"));
                    continue;
                }
                MessageRecord earlier = m.clientMessageId() == null ? null : stored.get(ClientKey.of(m));
                if (earlier != null) {
                    outcomes[i] = Outcome.stored(new AppendResult(earlier, true));
                    continue;
                }
                // created_at never decreases with seq, even if the clock steps back.
                Instant createdAt = counter.lastMessageAt == null || now.isAfter(counter.lastMessageAt)
                        ? now : counter.lastMessageAt;
                long seq = counter.latestSeq + 1;
                counters.put(m.conversationId(), new Counter(seq, createdAt));
                advanced.add(m.conversationId());
                sent.merge(List.of(m.conversationId(), m.senderId()), 1, Integer::sum);
                String id = TimeOrderedIds.next(createdAt.toEpochMilli());
                boolean perRecipient = m.contents() != null;
                rows.setString(1, id);
                rows.setString(2, m.conversationId());
                rows.setLong(3, seq);
                rows.setString(4, m.senderId());
                rows.setString(5, m.messageType());
                rows.setBytes(6, p.content);
                rows.setBoolean(7, perRecipient);
                rows.setString(8, m.replyToId());
                rows.setString(9, m.threadRootId());
                rows.setString(10, m.clientMessageId());
                rows.setBytes(11, p.metadata);
                rows.setObject(12, time(createdAt));
                rows.setString(13, p.searchText);
                if (dialect.fullTextSearch) {
                    rows.setString(14, p.searchWords);
                }
                rows.addBatch();
                if (perRecipient) {
                    for (Map.Entry<String, String> copy : m.contents().entrySet()) {
                        copies.setString(1, id);
                        copies.setString(2, copy.getKey());
                        copies.setBytes(3, ExactText.encode(copy.getValue()));
                        copies.addBatch();
                        copyCount++;
                    }
                }
                outcomes[i] = Outcome.stored(new AppendResult(new MessageRecord(id, m.conversationId(), seq,
                        m.senderId(), senders.get(m.senderId()), m.messageType(), perRecipient ? null : m.content(),
                        m.contents(), m.replyToId(), m.replyToId() == null ? null : replies.get(m.replyToId()),
                        p.metadataCopy, createdAt, m.clientMessageId(), null, null, m.threadRootId(), 0,
                        null, List.of()), false));
            }
            if (advanced.isEmpty()) {
                return;
            }
            advanceConversations(tx, advanced.stream()
                    .map(c -> Map.entry(c, counters.get(c))).toList());
            countSent(tx, sent);
            rows.executeBatch();
            if (copyCount > 0) {
                copies.executeBatch();
            }
        } catch (SQLException e) {
            throw new StoreException("append message failed", e);
        }
    }

    private static final String INSERT_MESSAGE = "INSERT INTO messages (id, conversation_id, seq, sender_id,"
            + " message_type, content, per_recipient, reply_to_id, thread_root_id, client_message_id, metadata,"
            + " created_at, search_text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    /** {@link #INSERT_MESSAGE} with the body's words for the full-text index (parameter 14). */
    private static final String INSERT_MESSAGE_WITH_WORDS = INSERT_MESSAGE
            .replace("search_text)", "search_text, search_words)").replace("?)", "?, CAST(? AS tsvector))");
    private static final String INSERT_COPY = "INSERT INTO message_contents (message_id, user_id, content)"
            + " VALUES (?, ?, ?)";

    /**
     * Adds each sender's new messages to their {@code sent_since_read} (see {@link #unread}), by
     * (conversation id, sender id). The batch holds its conversations' locks, so no other append
     * touches these rows meanwhile.
     */
    private void countSent(Handle tx, Map<List<String>, Integer> sent) throws SQLException {
        if (dialect.arrayParameters) {
            Object[] conversations = new Object[sent.size()];
            Object[] senders = new Object[sent.size()];
            Object[] counts = new Object[sent.size()];
            int i = 0;
            for (Map.Entry<List<String>, Integer> e : sent.entrySet()) {
                conversations[i] = e.getKey().get(0);
                senders[i] = e.getKey().get(1);
                counts[i++] = e.getValue();
            }
            updateFromArrays(tx, "UPDATE participants p SET sent_since_read = p.sent_since_read + v.n"
                            + " FROM unnest(?::varchar[], ?::varchar[], ?::int[]) AS v(c, u, n)"
                            + " WHERE p.conversation_id = v.c AND p.user_id = v.u",
                    List.of("varchar", "varchar", "integer"), conversations, senders, counts);
            return;
        }
        try (StatementCache.Lent lent = StatementCache.lend(tx, "UPDATE participants"
                + " SET sent_since_read = sent_since_read + ? WHERE conversation_id = ? AND user_id = ?")) {
            PreparedStatement count = lent.statement();
            for (Map.Entry<List<String>, Integer> e : sent.entrySet()) {
                count.setInt(1, e.getValue());
                count.setString(2, e.getKey().get(0));
                count.setString(3, e.getKey().get(1));
                count.addBatch();
            }
            count.executeBatch();
        }
    }

    /**
     * A PostgreSQL UPDATE of many rows in one statement: {@code sql} reads its rows from
     * {@code unnest} of one array parameter per column, of the given SQL types.
     */
    private static void updateFromArrays(Handle tx, String sql, List<String> types, Object[]... columns)
            throws SQLException {
        Connection connection = tx.getConnection();
        try (PreparedStatement update = connection.prepareStatement(sql)) {
            for (int i = 0; i < columns.length; i++) {
                update.setArray(i + 1, connection.createArrayOf(types.get(i), columns[i]));
            }
            update.executeUpdate();
        }
    }

    /** Sets each conversation's latest_seq and last message time: on PostgreSQL in one statement. */
    private void advanceConversations(Handle tx, List<Map.Entry<String, Counter>> advanced) throws SQLException {
        if (dialect.arrayParameters) {
            Object[] ids = new Object[advanced.size()];
            Object[] seqs = new Object[advanced.size()];
            Object[] times = new Object[advanced.size()];
            for (int i = 0; i < advanced.size(); i++) {
                ids[i] = advanced.get(i).getKey();
                seqs[i] = advanced.get(i).getValue().latestSeq;
                // ISO-8601 with offset, which timestamptz reads exactly.
                times[i] = advanced.get(i).getValue().lastMessageAt.toString();
            }
            updateFromArrays(tx, "UPDATE conversations c"
                            + " SET latest_seq = v.seq, last_message_at = v.t::timestamptz, updated_at = v.t::timestamptz"
                            + " FROM unnest(?::varchar[], ?::bigint[], ?::varchar[]) AS v(id, seq, t) WHERE c.id = v.id",
                    List.of("varchar", "bigint", "varchar"), ids, seqs, times);
            return;
        }
        try (StatementCache.Lent lent = StatementCache.lend(tx, "UPDATE conversations SET latest_seq = ?,"
                + " last_message_at = ?, updated_at = ? WHERE id = ?")) {
            PreparedStatement bump = lent.statement();
            for (Map.Entry<String, Counter> e : advanced) {
                bump.setLong(1, e.getValue().latestSeq);
                bump.setObject(2, time(e.getValue().lastMessageAt));
                bump.setObject(3, time(e.getValue().lastMessageAt));
                bump.setString(4, e.getKey());
                bump.addBatch();
            }
            bump.executeBatch();
        }
    }

    private static void insertCopies(Handle tx, String messageId, Map<String, String> contents) {
        if (contents == null || contents.isEmpty()) {
            return;
        }
        PreparedBatch batch = tx.prepareBatch(
                "INSERT INTO message_contents (message_id, user_id, content) VALUES (:id, :userId, :content)");
        for (Map.Entry<String, String> copy : contents.entrySet()) {
            batch.bind("id", messageId).bind("userId", copy.getKey())
                    .bind("content", ExactText.encode(copy.getValue())).add();
        }
        batch.execute();
    }

    @Override
    public Optional<MessageRecord> findMessage(String conversationId, String messageId, String viewerId) {
        return run("find message", h -> messages(h, " WHERE m.id = :id AND m.conversation_id = :conversationId",
                Map.of("id", messageId, "conversationId", conversationId), viewerId).stream().findFirst());
    }

    @Override
    public MessagePage loadMessages(String conversationId, String viewerId, Long beforeSeq, int limit,
                                    boolean includeDeleted, boolean excludeThreadReplies) {
        String where = " WHERE m.conversation_id = :conversationId AND m.seq < :beforeSeq"
                + (includeDeleted ? "" : " AND m.deleted_at IS NULL")
                + (excludeThreadReplies ? " AND m.thread_root_id IS NULL" : "")
                + " ORDER BY m.conversation_id, m.seq DESC LIMIT :limit";
        return run("load messages", h -> newestPage(h, where, Map.of(
                "conversationId", conversationId,
                "beforeSeq", beforeSeq == null ? Long.MAX_VALUE : beforeSeq), limit, viewerId));
    }

    @Override
    public long markRead(String conversationId, String userId, long seq) {
        return run("mark read", h -> h.inTransaction(tx -> {
            // Never backwards, and never past the newest message: later messages must stay unread.
            String newest = dialect.least + "(:seq, (SELECT latest_seq FROM conversations WHERE id = :c))";
            tx.createUpdate("UPDATE participants SET last_read_seq = " + newest
                            + " WHERE conversation_id = :c AND user_id = :u AND left_at IS NULL"
                            + " AND last_read_seq < " + newest)
                    .bind("seq", seq).bind("c", conversationId).bind("u", userId)
                    .execute();
            // The reader's own messages after the new position, for the unread count (see unread()):
            // usually none, as a reader marks up to the newest message.
            tx.createUpdate("UPDATE participants SET sent_since_read = (SELECT COUNT(*) FROM messages m"
                            + " WHERE m.conversation_id = :c AND m.sender_id = :u AND m.seq > participants.last_read_seq)"
                            + " WHERE conversation_id = :c AND user_id = :u")
                    .bind("c", conversationId).bind("u", userId)
                    .execute();
            return tx.createQuery("SELECT last_read_seq FROM participants"
                            + " WHERE conversation_id = :c AND user_id = :u AND left_at IS NULL")
                    .bind("c", conversationId).bind("u", userId)
                    .mapTo(Long.class).findOne().orElse(0L);
        }));
    }

    // ---------------------------------------------------------------- extensions (protocol section 6)

    @Override
    public Set<Extension> supportedExtensions() {
        return EnumSet.of(Extension.REACTIONS, Extension.EDITS, Extension.RECEIPTS, Extension.THREADS,
                Extension.SEARCH, Extension.RESUME, Extension.PRESENCE, Extension.KEYS,
                Extension.FILES);
    }

    /** Locks a non-deleted message of the conversation until commit; false if there is none. */
    private boolean lockLiveMessage(Handle tx, String conversationId, String messageId) {
        return tx.createQuery("SELECT id FROM messages WHERE id = :id AND conversation_id = :c"
                        + " AND deleted_at IS NULL" + dialect.forUpdate)
                .bind("id", messageId).bind("c", conversationId)
                .mapTo(String.class).findOne().isPresent();
    }

    @Override
    public Optional<ReactionChange> addReaction(String conversationId, String messageId, String userId, String emoji,
                                                int maxDistinct) {
        byte[] emojiBytes = ExactText.encode(emoji);
        return run("add reaction", h -> h.inTransaction(tx -> {
            // The message's lock serializes reactions to it, so the distinct-emoji limit holds.
            if (!lockLiveMessage(tx, conversationId, messageId)) {
                return Optional.<ReactionChange>empty();
            }
            boolean exists = tx.createQuery("SELECT COUNT(*) FROM reactions"
                            + " WHERE message_id = :m AND user_id = :u AND emoji = :e")
                    .bind("m", messageId).bind("u", userId).bind("e", emojiBytes)
                    .mapTo(Integer.class).one() > 0;
            if (!exists) {
                Long rank = tx.createQuery("SELECT MIN(emoji_rank) FROM reactions WHERE message_id = :m AND emoji = :e")
                        .bind("m", messageId).bind("e", emojiBytes).mapTo(Long.class).one();
                if (rank == null) {
                    if (tx.createQuery("SELECT COUNT(DISTINCT emoji) FROM reactions WHERE message_id = :m")
                            .bind("m", messageId).mapTo(Integer.class).one() >= maxDistinct) {
                        throw new IllegalStateException("too many distinct reactions");
                    }
                    rank = tx.createQuery("SELECT COALESCE(MAX(emoji_rank), 0) + 1 FROM reactions WHERE message_id = :m")
                            .bind("m", messageId).mapTo(Long.class).one();
                }
                tx.createUpdate("INSERT INTO reactions (message_id, user_id, emoji, emoji_rank, created_at)"
                                + " VALUES (:m, :u, :e, :rank, :t)")
                        .bind("m", messageId).bind("u", userId).bind("e", emojiBytes).bind("rank", rank)
                        .bind("t", time(now()))
                        .execute();
            }
            return Optional.of(new ReactionChange(!exists,
                    reactions(tx, List.of(messageId)).getOrDefault(messageId, List.of())));
        }));
    }

    @Override
    public Optional<ReactionChange> removeReaction(String conversationId, String messageId, String userId,
                                                   String emoji) {
        return run("remove reaction", h -> h.inTransaction(tx -> {
            if (!lockLiveMessage(tx, conversationId, messageId)) {
                return Optional.<ReactionChange>empty();
            }
            int removed = tx.createUpdate("DELETE FROM reactions WHERE message_id = :m AND user_id = :u AND emoji = :e")
                    .bind("m", messageId).bind("u", userId).bind("e", ExactText.encode(emoji))
                    .execute();
            return Optional.of(new ReactionChange(removed > 0,
                    reactions(tx, List.of(messageId)).getOrDefault(messageId, List.of())));
        }));
    }

    /** Returns the edited message with every recipient's copy, which the engine fans out per viewer. */
    @Override
    public Optional<MessageRecord> editMessage(String conversationId, String messageId, String editorId,
                                               String content, Map<String, String> contents, JsonObject metadata,
                                               Instant editedAt) {
        boolean perRecipient = contents != null;
        Object at = time(Timestamps.truncate(editedAt));
        return run("edit message", h -> h.inTransaction(tx -> {
            if (!lockLiveMessage(tx, conversationId, messageId)) {
                return Optional.<MessageRecord>empty();
            }
            tx.createUpdate("UPDATE messages SET content = :content, per_recipient = :perRecipient,"
                            + " search_text = :searchText, edited_at = :t, changed_at = :t"
                            + (dialect.fullTextSearch ? ", search_words = CAST(:searchWords AS tsvector)" : "")
                            + (metadata == null ? "" : ", metadata = :metadata")
                            + " WHERE id = :id")
                    .bind("content", perRecipient ? null : ExactText.encode(content))
                    .bind("perRecipient", perRecipient)
                    .bind("searchText", perRecipient ? null : SearchText.image(content))
                    .bind("searchWords", perRecipient ? null : SearchText.words(content))
                    .bind("t", at)
                    .bind("metadata", metadata == null ? null : ExactText.encode(metadata.toString()))
                    .bind("id", messageId)
                    .execute();
            tx.createUpdate("DELETE FROM message_contents WHERE message_id = :id").bind("id", messageId).execute();
            insertCopies(tx, messageId, contents);
            return messages(tx, " WHERE m.id = :id", Map.of("id", messageId), null).stream().findFirst();
        }));
    }

    @Override
    public Optional<MessageRecord> deleteMessage(String conversationId, String messageId, Instant deletedAt) {
        Object at = time(Timestamps.truncate(deletedAt));
        return run("delete message", h -> h.inTransaction(tx -> {
            Optional<Boolean> alreadyDeleted = tx.createQuery("SELECT deleted_at IS NOT NULL FROM messages"
                            + " WHERE id = :id AND conversation_id = :c" + dialect.forUpdate)
                    .bind("id", messageId).bind("c", conversationId)
                    .mapTo(Boolean.class).findOne();
            if (alreadyDeleted.isEmpty()) {
                return Optional.<MessageRecord>empty();
            }
            if (!alreadyDeleted.get()) {
                // Soft delete: the row keeps id, seq, sender and time; every body and reaction goes.
                tx.createUpdate("UPDATE messages SET deleted_at = :t, changed_at = :t, content = NULL,"
                                + " search_text = NULL," + (dialect.fullTextSearch ? " search_words = NULL," : "")
                                + " metadata = :emptyObject WHERE id = :id")
                        .bind("t", at).bind("emptyObject", ExactText.encode("{}")).bind("id", messageId)
                        .execute();
                tx.createUpdate("DELETE FROM message_contents WHERE message_id = :id").bind("id", messageId).execute();
                tx.createUpdate("DELETE FROM reactions WHERE message_id = :id").bind("id", messageId).execute();
            }
            return messages(tx, " WHERE m.id = :id", Map.of("id", messageId), null).stream().findFirst();
        }));
    }

    @Override
    public Map<String, Long> readPositions(String conversationId) {
        return run("read positions", h -> {
            Map<String, Long> positions = new LinkedHashMap<>();
            h.createQuery("SELECT user_id, last_read_seq FROM participants"
                            + " WHERE conversation_id = :c AND left_at IS NULL ORDER BY position")
                    .bind("c", conversationId)
                    .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getLong(2)))
                    .forEach(e -> positions.put(e.getKey(), e.getValue()));
            return positions;
        });
    }

    @Override
    public Map<String, UnreadCount> unreadCounts(String conversationId) {
        // Plain JDBC on a kept statement: with read receipts on, every message sent runs this.
        return run("unread counts", h -> {
            Map<String, UnreadCount> counts = new LinkedHashMap<>();
            try (StatementCache.Lent lent = StatementCache.lend(h, "SELECT p.user_id, p.last_read_seq, "
                    + unread("p.conversation_id", "p.user_id", "c.latest_seq", "p.last_read_seq", "p.sent_since_read")
                    + " FROM participants p JOIN conversations c ON c.id = p.conversation_id"
                    + " WHERE p.conversation_id = ? AND p.left_at IS NULL ORDER BY p.position")) {
                PreparedStatement query = lent.statement();
                query.setString(1, conversationId);
                try (ResultSet rs = query.executeQuery()) {
                    while (rs.next()) {
                        counts.put(rs.getString(1), new UnreadCount(rs.getLong(2), rs.getInt(3)));
                    }
                }
            } catch (SQLException e) {
                throw new StoreException("unread counts failed", e);
            }
            return counts;
        });
    }

    @Override
    public MessagePage loadThread(String conversationId, String threadRootId, String viewerId, Long beforeSeq,
                                  int limit) {
        return run("load thread", h -> newestPage(h, " WHERE m.conversation_id = :conversationId"
                + " AND m.thread_root_id = :root AND m.deleted_at IS NULL AND m.seq < :beforeSeq"
                + " ORDER BY m.thread_root_id, m.seq DESC LIMIT :limit",
                Map.of("conversationId", conversationId, "root", threadRootId,
                        "beforeSeq", beforeSeq == null ? Long.MAX_VALUE : beforeSeq), limit, viewerId));
    }

    /**
     * On SQLite, and on PostgreSQL for a query holding anything but letters, digits and spaces, a
     * message matches when its shared body contains the query, ignoring case, as the contract
     * says; this scans the scope's messages newest first. On PostgreSQL a query of words is a
     * full-text search on an index instead: a message matches when each query word (in any order)
     * begins a word of its body, so {@code "hel wor"} finds "Hello, world" but {@code "ello"} does
     * not find "hello", as a substring would. Words are split and lower-cased without stemming
     * (the {@code simple} configuration), whatever the language; scripts written without spaces
     * (Chinese, Japanese) are one word per run, so only their run's first characters are found.
     * Per-recipient (end-to-end encrypted) and deleted bodies never match on either database.
     */
    @Override
    public Optional<MessagePage> searchMessages(String userId, String conversationId, String query,
                                                String beforeMessageId, int limit) {
        String scope = " FROM messages m JOIN participants p ON p.conversation_id = m.conversation_id"
                + " AND p.user_id = :user AND p.left_at IS NULL"
                + " WHERE " + (conversationId == null ? "1 = 1" : "m.conversation_id = :conversationId");
        Map<String, Object> scopeBinds = new HashMap<>();
        scopeBinds.put("user", userId);
        if (conversationId != null) {
            scopeBinds.put("conversationId", conversationId);
        }
        return run("search messages", h -> {
            record Hit(String id, Instant createdAt, String content) {
            }
            Hit cursor = null;
            if (beforeMessageId != null) {
                cursor = h.createQuery("SELECT m.id, m.created_at" + scope + " AND m.id = :before")
                        .bindMap(scopeBinds).bind("before", beforeMessageId)
                        .map((rs, ctx) -> new Hit(rs.getString(1), instant(rs, 2), null))
                        .findOne().orElse(null);
                if (cursor == null) {
                    return Optional.<MessagePage>empty();
                }
            }
            // A LIKE on the search image may over-match (see SearchText); read batches newest first
            // and keep the exact hits until one more than the page is found. Full-text hits are final.
            String tsquery = dialect.fullTextSearch ? SearchText.prefixQuery(query) : null;
            String match = tsquery != null
                    ? " AND m.search_words IS NOT NULL AND m.search_words @@ CAST(:match AS tsquery)"
                    : " AND m.search_text LIKE :match ESCAPE '\\'";
            List<String> hits = new ArrayList<>();
            int batchSize = Math.max(limit + 1, 50);
            while (hits.size() <= limit) {
                var batchQuery = h.createQuery("SELECT m.id, m.created_at, m.content" + scope
                                + " AND m.deleted_at IS NULL AND m.per_recipient = FALSE"
                                + match
                                + (cursor == null ? "" : " AND (m.created_at < :t OR (m.created_at = :t AND m.id < :id))")
                                + " ORDER BY m.created_at DESC, m.id DESC LIMIT :n")
                        .bindMap(scopeBinds)
                        .bind("match", tsquery != null ? tsquery : SearchText.containsPattern(query))
                        .bind("n", batchSize);
                if (cursor != null) {
                    batchQuery.bind("t", time(cursor.createdAt)).bind("id", cursor.id);
                }
                List<Hit> batch = batchQuery.map((rs, ctx) -> new Hit(rs.getString(1), instant(rs, 2), text(rs, "content")))
                        .list();
                for (Hit hit : batch) {
                    if ((tsquery != null || SearchText.contains(hit.content, query)) && hits.size() <= limit) {
                        hits.add(hit.id);
                    }
                }
                if (batch.size() < batchSize) {
                    break;
                }
                cursor = batch.get(batch.size() - 1);
            }
            List<String> page = hits.subList(0, Math.min(limit, hits.size()));
            Map<String, MessageRecord> byId = new HashMap<>();
            messagesById(h, page, userId).forEach(m -> byId.put(m.id(), m));
            return Optional.of(new MessagePage(page.stream().map(byId::get).toList(), hits.size() > limit));
        });
    }

    @Override
    public MessagePage messagesAfter(String conversationId, String viewerId, long afterSeq, int limit) {
        return run("load messages after", h -> oldestPage(h, " WHERE m.conversation_id = :c AND m.seq > :after"
                        + " AND m.deleted_at IS NULL ORDER BY m.conversation_id, m.seq LIMIT :limit",
                Map.of("c", conversationId, "after", afterSeq), limit, viewerId));
    }

    @Override
    public MessagePage messagesChangedSince(String conversationId, String viewerId, long upToSeq, Instant since,
                                            int limit) {
        return run("load changed messages", h -> oldestPage(h, " WHERE m.conversation_id = :c AND m.seq <= :upTo"
                        + " AND m.changed_at > :since ORDER BY m.seq LIMIT :limit",
                Map.of("c", conversationId, "upTo", upToSeq, "since", time(since)), limit, viewerId));
    }

    /**
     * Every user's first connection and last disconnection writes their presence, so a connection
     * storm (clients coming back after a restart) is a storm of one-row transactions, each syncing
     * the log: they go through a group commit of their own, as sign-ins do.
     */
    @Override
    public void setPresence(String userId, PresenceState state) {
        presenceWrites.submit(new PresenceWrite(userId, state));
    }

    /** A user's presence to store. */
    record PresenceWrite(String userId, PresenceState state) {
    }

    /**
     * Writes a batch of presence states in one transaction, the last one of each user, as upserts
     * like sign-ins' ({@link #UPSERT_USER}): a user without a row yet gets one, which the profile
     * fills in at the next sign-in. If the batch fails, each write is tried alone.
     */
    // Package-private so tests can write a batch of their choosing.
    void writePresence(List<GroupCommit.Pending<PresenceWrite, Void>> batch) {
        // In id order, as sign-ins write their users: on PostgreSQL the two committers lock rows of
        // the same table, and one order means neither waits for the other in a cycle.
        Map<String, PresenceState> latest = new TreeMap<>();
        batch.forEach(p -> latest.put(p.item.userId(), p.item.state()));
        try {
            committerJdbi.useTransaction(tx -> upsertPresence(tx, latest));
        } catch (RuntimeException e) {
            writeAloneOrFail(batch, e, "set presence", true, this::writePresence);
            return;
        }
        batch.forEach(p -> p.succeed(null));
    }

    private void upsertPresence(Handle tx, Map<String, PresenceState> states) {
        Object now = time(now());
        try (StatementCache.Lent lent = StatementCache.lend(tx, "INSERT INTO users"
                + " (id, status, custom_status, last_seen, updated_at) VALUES (?, ?, ?, ?, ?)"
                + " ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status,"
                + " custom_status = EXCLUDED.custom_status, last_seen = EXCLUDED.last_seen")) {
            PreparedStatement upsert = lent.statement();
            for (Map.Entry<String, PresenceState> e : states.entrySet()) {
                PresenceState state = e.getValue();
                upsert.setString(1, e.getKey());
                upsert.setString(2, state.status());
                upsert.setBytes(3, ExactText.encode(state.customStatus()));
                upsert.setObject(4, state.lastSeen() == null ? null : time(state.lastSeen()));
                upsert.setObject(5, now);
                upsert.addBatch();
            }
            upsert.executeBatch();
        } catch (SQLException e) {
            throw new StoreException("set presence failed", e);
        }
    }

    @Override
    public Map<String, PresenceState> presenceOf(Collection<String> userIds) {
        List<String> ids = List.copyOf(new LinkedHashSet<>(userIds));
        if (ids.isEmpty()) {
            return new HashMap<>();
        }
        return run("read presence", h -> {
            Map<String, PresenceState> states = new HashMap<>();
            h.createQuery("SELECT id, status, custom_status, last_seen FROM users"
                            + " WHERE id" + dialect.in(":ids") + " AND status IS NOT NULL")
                    .bind("ids", dialect.ids(ids))
                    .map((rs, ctx) -> Map.entry(rs.getString("id"), new PresenceState(rs.getString("status"),
                            text(rs, "custom_status"), instant(rs, "last_seen"))))
                    .forEach(e -> states.put(e.getKey(), e.getValue()));
            return states;
        });
    }

    @Override
    public Set<String> contactsOf(String userId, Collection<String> candidates) {
        String sql = "SELECT DISTINCT other.user_id FROM participants me"
                + " JOIN participants other ON other.conversation_id = me.conversation_id"
                + " WHERE me.user_id = :u AND me.left_at IS NULL AND other.left_at IS NULL AND other.user_id <> :u";
        if (candidates != null && candidates.isEmpty()) {
            return new TreeSet<>();
        }
        return run("find contacts", h -> {
            Set<String> contacts = new TreeSet<>();
            if (candidates == null) {
                contacts.addAll(h.createQuery(sql).bind("u", userId).mapTo(String.class).list());
                return contacts;
            }
            contacts.addAll(h.createQuery(sql + " AND other.user_id" + dialect.in(":ids"))
                    .bind("u", userId).bind("ids", dialect.ids(new LinkedHashSet<>(candidates)))
                    .mapTo(String.class).list());
            return contacts;
        });
    }

    @Override
    public PublicKeyInfo publishKey(PublicKeyInfo key) {
        return run("publish key", h -> {
            for (int attempt = 0; ; attempt++) {
                int updated = bindKey(h.createUpdate("UPDATE public_keys SET public_key = :publicKey,"
                        + " fingerprint = :fingerprint, updated_at = :updatedAt"
                        + " WHERE user_id = :userId AND key_type = :keyType"), key).execute();
                if (updated > 0) {
                    return key;
                }
                try {
                    bindKey(h.createUpdate("INSERT INTO public_keys (user_id, key_type, public_key, fingerprint,"
                            + " updated_at) VALUES (:userId, :keyType, :publicKey, :fingerprint, :updatedAt)"), key)
                            .execute();
                    return key;
                } catch (JdbiException e) {
                    // Another node published this user's first key of the type at the same moment.
                    if (!isUniqueViolation(e) || attempt > 0) {
                        throw e;
                    }
                }
            }
        });
    }

    private Update bindKey(Update update, PublicKeyInfo key) {
        return update.bind("userId", key.userId())
                .bind("keyType", key.keyType())
                .bind("publicKey", ExactText.encode(key.publicKey()))
                .bind("fingerprint", ExactText.encode(key.fingerprint()))
                .bind("updatedAt", key.updatedAt() == null ? null : time(key.updatedAt()));
    }

    @Override
    public List<PublicKeyInfo> keysOf(Collection<String> userIds, String keyType) {
        List<String> ids = List.copyOf(new LinkedHashSet<>(userIds));
        if (ids.isEmpty()) {
            return List.of();
        }
        return run("read keys", h -> {
            Map<String, List<PublicKeyInfo>> byUser = new HashMap<>();
            var query = h.createQuery("SELECT user_id, key_type, public_key, fingerprint, updated_at"
                            + " FROM public_keys WHERE user_id" + dialect.in(":ids")
                            + (keyType == null ? "" : " AND key_type = :keyType")
                            + " ORDER BY key_type")
                    .bind("ids", dialect.ids(ids));
            if (keyType != null) {
                query.bind("keyType", keyType);
            }
            query.map((rs, ctx) -> new PublicKeyInfo(rs.getString("user_id"), rs.getString("key_type"),
                            text(rs, "public_key"), text(rs, "fingerprint"), instant(rs, "updated_at")))
                    .forEach(k -> byUser.computeIfAbsent(k.userId(), u -> new ArrayList<>()).add(k));
            // In the order the users were asked for, each user's keys by type.
            return ids.stream().flatMap(id -> byUser.getOrDefault(id, List.of()).stream()).toList();
        });
    }

    @Override
    public void saveFile(FileRecord file) {
        run("save file", h -> {
            for (int attempt = 0; ; attempt++) {
                if (bindFile(h.createUpdate("UPDATE attachments SET conversation_id = :conversationId,"
                        + " message_id = :messageId, uploader_id = :uploaderId, file_name = :name,"
                        + " mime_type = :mimeType, size_bytes = :size, sha256 = :sha256, created_at = :createdAt"
                        + " WHERE id = :id"), file).execute() > 0) {
                    return null;
                }
                try {
                    bindFile(h.createUpdate("INSERT INTO attachments (id, conversation_id, message_id, uploader_id,"
                            + " file_name, mime_type, size_bytes, sha256, created_at) VALUES (:id, :conversationId,"
                            + " :messageId, :uploaderId, :name, :mimeType, :size, :sha256, :createdAt)"), file)
                            .execute();
                    return null;
                } catch (JdbiException e) {
                    if (!isUniqueViolation(e) || attempt > 0) {
                        throw e;
                    }
                }
            }
        });
    }

    private Update bindFile(Update update, FileRecord file) {
        return update.bind("id", file.fileId())
                .bind("conversationId", file.conversationId())
                .bind("messageId", file.messageId())
                .bind("uploaderId", file.uploaderId())
                .bind("name", ExactText.encode(file.name()))
                .bind("mimeType", ExactText.encode(file.mimeType()))
                .bind("size", file.size())
                .bind("sha256", file.sha256())
                .bind("createdAt", file.createdAt() == null ? null : time(file.createdAt()));
    }

    @Override
    public Optional<FileRecord> findFile(String fileId) {
        return run("find file", h -> h.createQuery("SELECT id, conversation_id, message_id, uploader_id, file_name,"
                        + " mime_type, size_bytes, sha256, created_at FROM attachments WHERE id = :id")
                .bind("id", fileId)
                .map((rs, ctx) -> new FileRecord(rs.getString("id"), rs.getString("conversation_id"),
                        rs.getString("message_id"), rs.getString("uploader_id"), text(rs, "file_name"),
                        text(rs, "mime_type"), rs.getLong("size_bytes"), rs.getString("sha256"),
                        instant(rs, "created_at")))
                .findOne());
    }

    @Override
    public long storedFileBytes(String userId) {
        return run("sum file sizes", h -> h.createQuery("SELECT COALESCE(SUM(size_bytes), 0) FROM attachments"
                        + " WHERE uploader_id = :u")
                .bind("u", userId).mapTo(Long.class).one());
    }

    /** The first {@code limit} rows of an ascending query; {@code hasMore} if a further row exists. */
    private List<MessageRecord> oldestFirst(Handle h, String whereAndOrder, Map<String, Object> binds, int limit,
                                            String viewerId) {
        Map<String, Object> all = new HashMap<>(binds);
        all.put("limit", limit + 1);
        return messages(h, whereAndOrder, all, viewerId);
    }

    private MessagePage oldestPage(Handle h, String whereAndOrder, Map<String, Object> binds, int limit,
                                   String viewerId) {
        if (limit <= 0) {
            return new MessagePage(List.of(), false);
        }
        List<MessageRecord> rows = oldestFirst(h, whereAndOrder, binds, limit, viewerId);
        return new MessagePage(rows.subList(0, Math.min(limit, rows.size())), rows.size() > limit);
    }

    /** A descending query's first {@code limit} rows, returned ascending; {@code hasMore} if older rows exist. */
    private MessagePage newestPage(Handle h, String whereAndOrder, Map<String, Object> binds, int limit,
                                   String viewerId) {
        if (limit <= 0) {
            return new MessagePage(List.of(), false);
        }
        List<MessageRecord> newestFirst = new ArrayList<>(oldestFirst(h, whereAndOrder, binds, limit, viewerId));
        boolean hasMore = newestFirst.size() > limit;
        List<MessageRecord> page = newestFirst.subList(0, Math.min(limit, newestFirst.size()));
        Collections.reverse(page);
        return new MessagePage(page, hasMore);
    }

    // ---------------------------------------------------------------- message loading

    private static final String MESSAGE_SELECT = "SELECT m.id, m.conversation_id, m.seq, m.sender_id, m.message_type,"
            + " m.content, m.per_recipient, m.reply_to_id, m.thread_root_id, m.client_message_id, m.metadata,"
            + " m.created_at, m.edited_at, m.deleted_at," + USER_COLUMNS_OF_U + ","
            + " mc.content AS viewer_content"
            + " FROM messages m JOIN users u ON u.id = m.sender_id"
            + " LEFT JOIN message_contents mc ON mc.message_id = m.id AND mc.user_id = :viewer";

    /** One stored message row, before the batch lookups that complete it. */
    private record MessageRow(String id, String conversationId, long seq, String senderId, User sender,
                              String messageType, String content, boolean perRecipient, String viewerContent,
                              String replyToId, String threadRootId, String clientMessageId, String metadata,
                              Instant createdAt, Instant editedAt, Instant deletedAt) {
    }

    private List<MessageRecord> messagesById(Handle h, List<String> ids, String viewerId) {
        return ids.isEmpty() ? List.of()
                : messages(h, " WHERE m.id" + dialect.in(":ids"), Map.of("ids", ids), viewerId);
    }

    /**
     * Messages matching {@code whereAndOrder} as {@code viewerId} receives them, in row order;
     * {@code viewerId = null} keeps every recipient's copy. Replies, thread counts, reactions and
     * copies are each read in one batch for all rows.
     */
    private List<MessageRecord> messages(Handle h, String whereAndOrder, Map<String, Object> binds, String viewerId) {
        var query = h.createQuery(MESSAGE_SELECT + whereAndOrder).bind("viewer", viewerId);
        for (Map.Entry<String, Object> b : binds.entrySet()) {
            if (b.getValue() instanceof List<?> list) {
                query.bind(b.getKey(), dialect.ids(list.stream().map(String.class::cast).toList()));
            } else {
                query.bind(b.getKey(), b.getValue());
            }
        }
        List<MessageRow> rows = query.map((rs, ctx) -> new MessageRow(rs.getString("id"),
                rs.getString("conversation_id"), rs.getLong("seq"), rs.getString("sender_id"),
                user(rs, rs.getString("sender_id")),
                rs.getString("message_type"), text(rs, "content"), rs.getBoolean("per_recipient"),
                text(rs, "viewer_content"), rs.getString("reply_to_id"), rs.getString("thread_root_id"),
                rs.getString("client_message_id"), text(rs, "metadata"), instant(rs, "created_at"),
                instant(rs, "edited_at"), instant(rs, "deleted_at"))).list();
        if (rows.isEmpty()) {
            return List.of();
        }
        List<String> live = rows.stream().filter(r -> r.deletedAt == null).map(MessageRow::id).toList();
        Map<String, Map<String, String>> allCopies = viewerId == null
                ? copies(h, rows.stream().filter(r -> r.perRecipient && r.deletedAt == null).map(MessageRow::id).toList())
                : Map.of();
        Map<String, ReplyRecord> replies = replyPreviews(h,
                rows.stream().map(MessageRow::replyToId).filter(id -> id != null).distinct().toList(), viewerId);
        Map<String, ThreadStats> threads = threadStats(h,
                rows.stream().filter(r -> r.threadRootId == null).map(MessageRow::id).toList());
        Map<String, List<Reaction>> reactions = reactions(h, live);
        List<MessageRecord> records = new ArrayList<>(rows.size());
        for (MessageRow r : rows) {
            boolean deleted = r.deletedAt != null;
            Map<String, String> contents = null;
            if (r.perRecipient && !deleted) {
                contents = viewerId == null ? allCopies.getOrDefault(r.id, Map.of())
                        : r.viewerContent == null ? Map.of() : Map.of(viewerId, r.viewerContent);
            }
            ThreadStats thread = threads.get(r.id);
            records.add(new MessageRecord(r.id, r.conversationId, r.seq, r.senderId, r.sender, r.messageType,
                    deleted || r.perRecipient ? null : r.content, contents, r.replyToId,
                    r.replyToId == null ? null : replies.get(r.replyToId),
                    deleted ? new JsonObject() : JsonParser.parseString(r.metadata).getAsJsonObject(),
                    r.createdAt, r.clientMessageId, r.editedAt, r.deletedAt, r.threadRootId,
                    thread == null ? 0 : thread.count, thread == null ? null : thread.lastReplyAt,
                    reactions.getOrDefault(r.id, List.of())));
        }
        return records;
    }

    /** Every recipient's copy of the given per-recipient messages. */
    private Map<String, Map<String, String>> copies(Handle h, List<String> messageIds) {
        Map<String, Map<String, String>> copies = new HashMap<>();
        if (messageIds.isEmpty()) {
            return copies;
        }
        h.createQuery("SELECT message_id, user_id, content FROM message_contents WHERE message_id"
                        + dialect.in(":ids"))
                .bind("ids", dialect.ids(messageIds))
                .map((rs, ctx) -> List.of(rs.getString("message_id"), rs.getString("user_id"), text(rs, "content")))
                .forEach(row -> copies.computeIfAbsent(row.get(0), k -> new HashMap<>()).put(row.get(1), row.get(2)));
        return copies;
    }

    private Map<String, ReplyRecord> replyPreviews(Handle h, List<String> ids, String viewerId) {
        Map<String, ReplyRecord> previews = new HashMap<>();
        if (ids.isEmpty()) {
            return previews;
        }
        record Quoted(String id, String senderId, String content, boolean perRecipient, String viewerContent,
                      Instant deletedAt) {
        }
        List<Quoted> quoted = h.createQuery("SELECT m.id, m.sender_id, m.content, m.per_recipient, m.deleted_at,"
                        + " mc.content AS viewer_content FROM messages m"
                        + " LEFT JOIN message_contents mc ON mc.message_id = m.id AND mc.user_id = :viewer"
                        + " WHERE m.id" + dialect.in(":ids"))
                .bind("viewer", viewerId)
                .bind("ids", dialect.ids(ids))
                .map((rs, ctx) -> new Quoted(rs.getString("id"), rs.getString("sender_id"), text(rs, "content"),
                        rs.getBoolean("per_recipient"), text(rs, "viewer_content"), instant(rs, "deleted_at")))
                .list();
        Map<String, Map<String, String>> allCopies = viewerId == null
                ? copies(h, quoted.stream().filter(q -> q.perRecipient && q.deletedAt == null).map(Quoted::id).toList())
                : Map.of();
        for (Quoted q : quoted) {
            boolean deleted = q.deletedAt != null;
            Map<String, String> contents = null;
            if (q.perRecipient && !deleted) {
                contents = viewerId == null ? allCopies.getOrDefault(q.id, Map.of())
                        : q.viewerContent == null ? Map.of() : Map.of(viewerId, q.viewerContent);
            }
            previews.put(q.id, new ReplyRecord(q.id, q.senderId, deleted || q.perRecipient ? null : q.content,
                    contents, q.deletedAt));
        }
        return previews;
    }

    private record ThreadStats(int count, Instant lastReplyAt) {
    }

    private Map<String, ThreadStats> threadStats(Handle h, List<String> rootIds) {
        Map<String, ThreadStats> stats = new HashMap<>();
        if (rootIds.isEmpty()) {
            return stats;
        }
        h.createQuery("SELECT thread_root_id, COUNT(*) AS replies, MAX(created_at) AS last_reply_at"
                        + " FROM messages WHERE thread_root_id" + dialect.in(":ids") + " AND deleted_at IS NULL"
                        + " GROUP BY thread_root_id")
                .bind("ids", dialect.ids(rootIds))
                .map((rs, ctx) -> Map.entry(rs.getString("thread_root_id"),
                        new ThreadStats(rs.getInt("replies"), instant(rs, "last_reply_at"))))
                .forEach(e -> stats.put(e.getKey(), e.getValue()));
        return stats;
    }

    /** Reactions per message, each emoji in order of its first use (protocol 6.1). */
    private Map<String, List<Reaction>> reactions(Handle h, List<String> messageIds) {
        Map<String, List<Reaction>> reactions = new HashMap<>();
        if (messageIds.isEmpty()) {
            return reactions;
        }
        Map<String, Map<String, List<String>>> users = new HashMap<>();
        h.createQuery("SELECT message_id, emoji, user_id FROM reactions WHERE message_id" + dialect.in(":ids")
                        + " ORDER BY message_id, emoji_rank, ordinal")
                .bind("ids", dialect.ids(messageIds))
                .map((rs, ctx) -> List.of(rs.getString("message_id"), text(rs, "emoji"), rs.getString("user_id")))
                .forEach(row -> users.computeIfAbsent(row.get(0), k -> new LinkedHashMap<>())
                        .computeIfAbsent(row.get(1), k -> new ArrayList<>()).add(row.get(2)));
        users.forEach((messageId, byEmoji) -> reactions.put(messageId, byEmoji.entrySet().stream()
                .map(e -> new Reaction(e.getKey(), e.getValue().size(), e.getValue())).toList()));
        return reactions;
    }

    // ---------------------------------------------------------------- lifecycle

    /**
     * A trivial query with a two-second timeout. When every pooled connection is busy it first waits
     * for one, at most the pool's connection timeout.
     */
    @Override
    public boolean isHealthy() {
        try {
            return jdbi.withHandle(h -> h.createQuery("SELECT 1").setQueryTimeout(2).mapTo(Integer.class).one() == 1);
        } catch (RuntimeException e) {
            log.warn("chat store health check failed: {}", e.toString());
            return false;
        }
    }

    /**
     * Stops taking appends, waits up to ten seconds for the queued ones to commit, then closes the
     * connections; an append still being written then fails with a {@link StoreException}.
     */
    @Override
    public void close() {
        if (!appends.close(10_000)) {
            log.warn("closing the chat store while appends are still being written; they will fail");
        }
        userWrites.close(10_000);
        openJoins.close(10_000);
        conversationIdReads.close(10_000);
        presenceWrites.close(10_000);
        committerDataSource.close();
        dataSource.close();
        if (directoryLock != null) {
            directoryLock.close();
        }
    }

    /** Whether the database could not be reached (or was lost mid-way), as opposed to refusing the data. */
    private static boolean lostConnection(Throwable e) {
        return anySqlCause(e, sql -> sql instanceof SQLTransientConnectionException
                || sql.getSQLState() != null && sql.getSQLState().startsWith("08"));
    }

    /** The SQL state of the first {@link SQLException} in the chain, for logs that must not quote data. */
    private static String sqlState(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                return "SQL state " + sql.getSQLState();
            }
        }
        return e.getClass().getName();
    }

    // ---------------------------------------------------------------- helpers

    /** Runs {@code work} on a pooled connection, turning database failures into {@link StoreException}. */
    // Package-private so tests can look at the schema.
    <T> T run(String what, HandleCallback<T, RuntimeException> work) {
        try {
            return jdbi.withHandle(work);
        } catch (JdbiException e) {
            throw new StoreException(what + " failed", e);
        }
    }

    private static boolean isUniqueViolation(Throwable e) {
        return anySqlCause(e, sql -> UNIQUE_VIOLATION.equals(sql.getSQLState())
                || sql instanceof SQLiteException lite && (lite.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE
                        || lite.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY));
    }

    /** Whether an {@link SQLException} in the cause chain of {@code e} passes {@code test}. */
    private static boolean anySqlCause(Throwable e, Predicate<SQLException> test) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && test.test(sql)) {
                return true;
            }
        }
        return false;
    }

    private Instant now() {
        return Timestamps.truncate(clock.now());
    }

    private Object time(Instant instant) {
        return dialect.time(instant);
    }

    private Instant instant(ResultSet rs, String column) throws SQLException {
        return dialect.instant(rs, rs.findColumn(column));
    }

    private Instant instant(ResultSet rs, int column) throws SQLException {
        return dialect.instant(rs, column);
    }

    private static String text(ResultSet rs, String column) throws SQLException {
        return ExactText.decode(rs.getBytes(column));
    }

    /** A user as others see it, with presence when the presence extension has stored one. */
    private User user(ResultSet rs, String id) throws SQLException {
        User user = User.of(id, text(rs, "username"), text(rs, "display_name"), text(rs, "avatar_url"));
        String status = rs.getString("status");
        return status == null ? user : user.withPresence(status, text(rs, "custom_status"), instant(rs, "last_seen"));
    }

    private static String role(Role role) {
        return role.name().toLowerCase(Locale.ROOT);
    }
}
