package dev.parley.cluster.redis;

import dev.parley.core.spi.PresenceStore;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link PresenceStore} shared by every node through Redis. Under {@code <prefix>:presence:}:
 * <ul>
 *   <li>{@code user:<userId>}: hash of the user's connections, connection id to node id;</li>
 *   <li>{@code node:<nodeId>}: hash of the node's connections, connection id to user id;</li>
 *   <li>{@code alive:<nodeId>}: the node's heartbeat, expiring after the presence TTL;</li>
 *   <li>{@code nodes}: set of the nodes that hold connections.</li>
 * </ul>
 * Each change is one Lua script, so "first connection" and "last connection" are decided
 * atomically across nodes. A background thread renews the heartbeat every quarter TTL; the
 * engine's periodic {@link #refresh} removes the connections of nodes whose heartbeat expired
 * (a crashed node) and reports the users who thereby went offline, each to one node only.
 *
 * <p>While Redis is unreachable, answers come from this node's own connections (a best effort),
 * and once Redis is back the node writes its connections again. The scripts build key names
 * from ids, so this needs a single Redis (or a primary with replicas), not Redis Cluster.
 */
public final class RedisPresenceStore implements PresenceStore {
    private static final Logger log = LoggerFactory.getLogger(RedisPresenceStore.class);

    private static final String ADD = """
            local before = redis.call('HLEN', KEYS[1])
            redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
            redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
            redis.call('SADD', KEYS[3], ARGV[2])
            if before == 0 then return 1 end
            return 0
            """;

    private static final String REMOVE = """
            redis.call('HDEL', KEYS[2], ARGV[1])
            if redis.call('HDEL', KEYS[1], ARGV[1]) == 1 and redis.call('EXISTS', KEYS[1]) == 0 then return 1 end
            return 0
            """;

    private static final String ONLINE = """
            local result = {}
            for i, key in ipairs(KEYS) do result[i] = redis.call('EXISTS', key) end
            return result
            """;

    private static final String HEARTBEAT = """
            local existed = redis.call('EXISTS', KEYS[1])
            redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
            redis.call('SADD', KEYS[2], ARGV[2])
            return existed
            """;

    // Removes the entries of every other node without a heartbeat; returns the users left without any.
    private static final String PURGE = """
            local offline = {}
            for _, node in ipairs(redis.call('SMEMBERS', KEYS[1])) do
              if node ~= ARGV[2] and redis.call('EXISTS', ARGV[1] .. 'alive:' .. node) == 0 then
                local nodeKey = ARGV[1] .. 'node:' .. node
                local entries = redis.call('HGETALL', nodeKey)
                for i = 1, #entries, 2 do
                  local userKey = ARGV[1] .. 'user:' .. entries[i + 1]
                  if redis.call('HGET', userKey, entries[i]) == node then
                    redis.call('HDEL', userKey, entries[i])
                    if redis.call('EXISTS', userKey) == 0 then offline[#offline + 1] = entries[i + 1] end
                  end
                end
                redis.call('DEL', nodeKey)
                redis.call('SREM', KEYS[1], node)
              end
            end
            return offline
            """;

    // Replaces this node's entries with ARGV[4..] (connection, user pairs); with a TTL of 0 the node leaves.
    private static final String SYNC = """
            local entries = redis.call('HGETALL', KEYS[1])
            for i = 1, #entries, 2 do
              local userKey = ARGV[1] .. 'user:' .. entries[i + 1]
              if redis.call('HGET', userKey, entries[i]) == ARGV[2] then redis.call('HDEL', userKey, entries[i]) end
            end
            redis.call('DEL', KEYS[1])
            if ARGV[3] == '0' then
              redis.call('DEL', KEYS[2])
              redis.call('SREM', KEYS[3], ARGV[2])
              return 0
            end
            for i = 4, #ARGV, 2 do
              redis.call('HSET', ARGV[1] .. 'user:' .. ARGV[i + 1], ARGV[i], ARGV[2])
              redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
            end
            redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
            redis.call('SADD', KEYS[3], ARGV[2])
            return 0
            """;

    private final RedisConnections redis;
    private final RedisCommands<String, String> commands;
    private final String base;
    private final String nodeId;
    private final String nodeKey;
    private final String aliveKey;
    private final String nodesKey;
    private final String ttlMillis;
    // This node's connections: the truth written back to Redis after an outage.
    private final ConcurrentHashMap<String, Set<String>> local = new ConcurrentHashMap<>();
    // Single changes share the lock; rewriting all of this node's entries takes it alone.
    private final ReadWriteLock syncLock = new ReentrantReadWriteLock();
    private final AtomicBoolean needsSync = new AtomicBoolean();
    private final AtomicBoolean failing = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ScheduledExecutorService heartbeat;

    RedisPresenceStore(RedisConnections redis) {
        this.redis = redis;
        this.commands = redis.commands().sync();
        RedisSettings s = redis.settings();
        this.base = s.keyPrefix() + ":presence:";
        this.nodeId = s.nodeId();
        this.nodeKey = base + "node:" + nodeId;
        this.aliveKey = base + "alive:" + nodeId;
        this.nodesKey = base + "nodes";
        this.ttlMillis = Long.toString(s.presenceTtl().toMillis());
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "parley-redis-heartbeat");
            t.setDaemon(true);
            return t;
        });
        beat();
        // After a reconnect, catch up at once rather than at the next beat.
        redis.commands().addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
                try {
                    heartbeat.execute(RedisPresenceStore.this::beat);
                } catch (RejectedExecutionException e) {
                    // closing
                }
            }
        });
        long period = Math.max(1, s.presenceTtl().toMillis() / 4);
        heartbeat.scheduleWithFixedDelay(this::beat, period, period, TimeUnit.MILLISECONDS);
    }

    private String userKey(String userId) {
        return base + "user:" + userId;
    }

    @Override
    public boolean add(String userId, String connectionId) {
        syncLock.readLock().lock();
        try {
            boolean[] firstHere = {false};
            local.compute(userId, (k, set) -> {
                Set<String> conns = set == null ? ConcurrentHashMap.newKeySet() : set;
                firstHere[0] = conns.isEmpty();
                conns.add(connectionId);
                return conns;
            });
            try {
                Long first = commands.eval(ADD, ScriptOutputType.INTEGER,
                        new String[] {userKey(userId), nodeKey, nodesKey}, connectionId, nodeId, userId);
                succeeded();
                return first == 1L;
            } catch (RuntimeException e) {
                failed(e);
                return firstHere[0];
            }
        } finally {
            syncLock.readLock().unlock();
        }
    }

    @Override
    public boolean remove(String userId, String connectionId) {
        syncLock.readLock().lock();
        try {
            boolean[] lastHere = {false};
            local.computeIfPresent(userId, (k, set) -> {
                lastHere[0] = set.remove(connectionId) && set.isEmpty();
                return set.isEmpty() ? null : set;
            });
            if (closed.get() || !redis.isOpen()) {
                return lastHere[0];
            }
            try {
                Long last = commands.eval(REMOVE, ScriptOutputType.INTEGER,
                        new String[] {userKey(userId), nodeKey}, connectionId);
                succeeded();
                return last == 1L;
            } catch (RuntimeException e) {
                failed(e);
                return lastHere[0];
            }
        } finally {
            syncLock.readLock().unlock();
        }
    }

    @Override
    public int connectionCount(String userId) {
        try {
            long n = commands.hlen(userKey(userId));
            succeeded();
            return (int) n;
        } catch (RuntimeException e) {
            failed(e);
            Set<String> conns = local.get(userId);
            return conns == null ? 0 : conns.size();
        }
    }

    @Override
    public Set<String> online(Collection<String> userIds) {
        List<String> ids = List.copyOf(new LinkedHashSet<>(userIds));
        if (ids.isEmpty()) {
            return Set.of();
        }
        try {
            List<Object> flags = commands.eval(ONLINE, ScriptOutputType.MULTI,
                    ids.stream().map(this::userKey).toArray(String[]::new));
            succeeded();
            Set<String> result = new HashSet<>();
            for (int i = 0; i < ids.size(); i++) {
                if (Long.valueOf(1).equals(flags.get(i))) {
                    result.add(ids.get(i));
                }
            }
            return result;
        } catch (RuntimeException e) {
            failed(e);
            Set<String> result = new HashSet<>();
            for (String id : ids) {
                if (local.containsKey(id)) {
                    result.add(id);
                }
            }
            return result;
        }
    }

    /**
     * Removes the connections of nodes whose heartbeat expired and returns the users who thereby
     * went offline; across the cluster each such user is reported once, to the node whose call
     * removed their last connection. This node's own liveness is kept by its heartbeat thread.
     */
    @Override
    public Set<String> refresh(Collection<String> connectionIds) {
        if (closed.get() || !redis.isOpen()) {
            return Set.of();
        }
        try {
            List<Object> offline = commands.eval(PURGE, ScriptOutputType.MULTI, new String[] {nodesKey}, base, nodeId);
            succeeded();
            Set<String> users = new LinkedHashSet<>();
            for (Object o : offline) {
                users.add((String) o);
            }
            if (!users.isEmpty()) {
                log.info("Removed the connections of crashed nodes: {} users went offline", users.size());
            }
            return users;
        } catch (RuntimeException e) {
            failed(e);
            return Set.of();
        }
    }

    /** Renews this node's heartbeat, and rewrites its entries if Redis lost them or missed changes. */
    private void beat() {
        if (closed.get() || !redis.isOpen()) {
            return;
        }
        try {
            Long existed = commands.eval(HEARTBEAT, ScriptOutputType.INTEGER, new String[] {aliveKey, nodesKey},
                    ttlMillis, nodeId);
            if (existed == 0L) {
                needsSync.set(true); // first beat, Redis restarted, or this node was taken for dead
            }
            if (needsSync.getAndSet(false)) {
                try {
                    writeAll(ttlMillis);
                } catch (RuntimeException e) {
                    needsSync.set(true);
                    throw e;
                }
            }
            succeeded();
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    private void writeAll(String ttl) {
        syncLock.writeLock().lock();
        try {
            List<String> args = new ArrayList<>();
            args.add(base);
            args.add(nodeId);
            args.add(ttl);
            if (!ttl.equals("0")) {
                for (Map.Entry<String, Set<String>> e : local.entrySet()) {
                    for (String conn : e.getValue()) {
                        args.add(conn);
                        args.add(e.getKey());
                    }
                }
            }
            commands.eval(SYNC, ScriptOutputType.INTEGER, new String[] {nodeKey, aliveKey, nodesKey},
                    args.toArray(String[]::new));
        } finally {
            syncLock.writeLock().unlock();
        }
    }

    private void failed(RuntimeException e) {
        needsSync.set(true);
        if (closed.get() || !redis.isOpen()) {
            return; // shutting down: nothing to report
        }
        if (failing.compareAndSet(false, true)) {
            log.warn("Presence in Redis is unavailable; answering from this node's connections until it is back ({})",
                    e.toString());
        }
    }

    private void succeeded() {
        if (failing.get() && !needsSync.get() && failing.compareAndSet(true, false)) {
            log.info("Presence in Redis is available again");
        }
    }

    void stopHeartbeat() {
        heartbeat.shutdown();
    }

    /** Removes this node's remaining connections from Redis and releases its hold on the connections. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        stopHeartbeat();
        if (redis.isOpen()) {
            try {
                writeAll("0");
            } catch (RuntimeException e) {
                log.warn("Could not remove this node's presence at close; other nodes expire it ({})", e.toString());
            }
        }
        redis.release();
    }
}
