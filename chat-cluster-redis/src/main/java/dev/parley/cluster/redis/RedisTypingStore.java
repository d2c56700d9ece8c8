package dev.parley.cluster.redis;

import dev.parley.core.spi.TypingStore;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link TypingStore} shared by every node through Redis, so a user joining on any node sees who
 * is typing, and a typist whose node crashed stops typing (announced by one live node) when the
 * entry expires. Under {@code <prefix>:typing:}:
 * <ul>
 *   <li>{@code conv:<conversationId>}: sorted set of typing user ids by expiry (epoch ms);</li>
 *   <li>{@code user:<userId>}: sorted set of the user's conversation ids by expiry;</li>
 *   <li>{@code due}: sorted set of every entry by expiry, each member the JSON array
 *       {@code [conversationId, userId]}, and {@code name}: hash of member to username.</li>
 * </ul>
 * Each change is one Lua script over all four, so they never disagree. The per-conversation and
 * per-user sets expire a minute after their latest entry.
 */
public final class RedisTypingStore implements TypingStore {
    private static final Duration KEY_GRACE = Duration.ofMinutes(1);

    // KEYS: conv, user, due, name. ARGV: conversation id, user id, username ('' if none), expiry ms, now ms, key ttl ms.
    private static final String START = """
            local old = redis.call('ZSCORE', KEYS[1], ARGV[2])
            local member = cjson.encode({ARGV[1], ARGV[2]})
            redis.call('ZADD', KEYS[1], ARGV[4], ARGV[2])
            redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
            redis.call('ZADD', KEYS[3], ARGV[4], member)
            if ARGV[3] == '' then redis.call('HDEL', KEYS[4], member) else redis.call('HSET', KEYS[4], member, ARGV[3]) end
            redis.call('PEXPIRE', KEYS[1], ARGV[6])
            redis.call('PEXPIRE', KEYS[2], ARGV[6])
            if old and tonumber(old) > tonumber(ARGV[5]) then return 0 end
            return 1
            """;

    // KEYS: conv, user, due, name. ARGV: conversation id, user id.
    private static final String STOP = """
            local member = cjson.encode({ARGV[1], ARGV[2]})
            redis.call('ZREM', KEYS[2], ARGV[1])
            redis.call('HDEL', KEYS[4], member)
            local inDue = redis.call('ZREM', KEYS[3], member)
            local inConv = redis.call('ZREM', KEYS[1], ARGV[2])
            if inDue == 1 or inConv == 1 then return 1 end
            return 0
            """;

    // KEYS: due, name. ARGV: now ms, key prefix. Returns {conversation, user, username or '', ...}.
    private static final String CLAIM = """
            local out = {}
            for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 500)) do
              local entry = cjson.decode(member)
              local name = redis.call('HGET', KEYS[2], member)
              redis.call('ZREM', KEYS[1], member)
              redis.call('HDEL', KEYS[2], member)
              redis.call('ZREM', ARGV[2] .. 'conv:' .. entry[1], entry[2])
              redis.call('ZREM', ARGV[2] .. 'user:' .. entry[2], entry[1])
              out[#out + 1] = entry[1]
              out[#out + 1] = entry[2]
              out[#out + 1] = name or ''
            end
            return out
            """;

    private final RedisConnections redis;
    private final RedisCommands<String, String> commands;
    private final String base;
    private final String dueKey;
    private final String nameKey;
    private final AtomicBoolean closed = new AtomicBoolean();

    RedisTypingStore(RedisConnections redis) {
        this.redis = redis;
        this.commands = redis.commands().sync();
        this.base = redis.settings().keyPrefix() + ":typing:";
        this.dueKey = base + "due";
        this.nameKey = base + "name";
    }

    @Override
    public boolean start(String conversationId, String userId, String username, Instant expiresAt, Instant now) {
        long keyTtl = Math.max(1, Duration.between(now, expiresAt).plus(KEY_GRACE).toMillis());
        Long started = commands.eval(START, ScriptOutputType.INTEGER, keys(conversationId, userId),
                conversationId, userId, username == null ? "" : username, Long.toString(expiresAt.toEpochMilli()),
                Long.toString(now.toEpochMilli()), Long.toString(keyTtl));
        return started == 1L;
    }

    @Override
    public boolean stop(String conversationId, String userId) {
        Long stopped = commands.eval(STOP, ScriptOutputType.INTEGER, keys(conversationId, userId),
                conversationId, userId);
        return stopped == 1L;
    }

    @Override
    public List<String> typingIn(String conversationId, Instant now) {
        return commands.zrangebyscore(base + "conv:" + conversationId, after(now));
    }

    @Override
    public List<String> conversationsOf(String userId, Instant now) {
        return commands.zrangebyscore(base + "user:" + userId, after(now));
    }

    @Override
    public List<Expired> claimExpired(Instant now) {
        List<Object> out = commands.eval(CLAIM, ScriptOutputType.MULTI, new String[] {dueKey, nameKey},
                Long.toString(now.toEpochMilli()), base);
        List<Expired> expired = new ArrayList<>();
        for (int i = 0; i + 2 < out.size(); i += 3) {
            String name = (String) out.get(i + 2);
            expired.add(new Expired((String) out.get(i), (String) out.get(i + 1), name.isEmpty() ? null : name));
        }
        return expired;
    }

    private String[] keys(String conversationId, String userId) {
        return new String[] {base + "conv:" + conversationId, base + "user:" + userId, dueKey, nameKey};
    }

    /** Scores strictly after {@code now}: entries not yet expired. */
    private static Range<Long> after(Instant now) {
        return Range.from(Range.Boundary.excluding(now.toEpochMilli()), Range.Boundary.unbounded());
    }

    /** Releases this store's hold on the connections; the entries stay in Redis for the other nodes. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            redis.release();
        }
    }
}
