package dev.parley.cluster.redis;

import dev.parley.core.spi.CallRecord;
import dev.parley.core.spi.CallStore;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link CallStore} shared by every node through Redis. Under {@code <prefix>:}:
 * <ul>
 *   <li>{@code call:<callId>}: hash of the call's fields; it expires a minute after the ring
 *       deadline while ringing, {@link #CONNECTED_TTL} after the answer once connected, so calls
 *       whose nodes all crashed leave nothing behind;</li>
 *   <li>{@code calls:ringing}: sorted set of ringing call ids by ring deadline (epoch ms);</li>
 *   <li>{@code ended-call:<callId>}: the tombstone of an ended call, its last fields plus
 *       {@code endedAt} (the engine's time, epoch ms); the call's hash is renamed to it in the
 *       script that ends the call, and it expires after {@link CallStore#ENDED_CALL_RETENTION}.</li>
 * </ul>
 * Every transition is one Lua script, so answer, decline, end and the ring timeout race safely
 * across nodes: exactly one wins. Commands fail at once while Redis is unreachable (the engine
 * answers the request with an error); nothing is kept locally.
 */
public final class RedisCallStore implements CallStore {
    /** How long a connected call's state lives; a longer call's relays and end get {@code NOT_FOUND}. */
    static final Duration CONNECTED_TTL = Duration.ofHours(24);
    private static final Duration RINGING_GRACE = Duration.ofMinutes(1);

    // KEYS: call, ringing. ARGV: call id, ttl ms, deadline ms, then field/value pairs.
    private static final String CREATE = """
            if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
            for i = 4, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
            redis.call('PEXPIRE', KEYS[1], ARGV[2])
            redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
            return 1
            """;

    // KEYS: call, ringing. ARGV: call id, answering session, connected at ms, ttl ms.
    private static final String CONNECT = """
            if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'calleeSession') == 1 then
              return {}
            end
            redis.call('HSET', KEYS[1], 'calleeSession', ARGV[2], 'connectedAt', ARGV[3])
            redis.call('PEXPIRE', KEYS[1], ARGV[4])
            redis.call('ZREM', KEYS[2], ARGV[1])
            return redis.call('HGETALL', KEYS[1])
            """;

    // KEYS: call, ringing, ended call. ARGV: call id, '1' to end only a ringing call, ended at ms, retention ms.
    private static final String END = """
            local fields = redis.call('HGETALL', KEYS[1])
            if #fields == 0 then return {} end
            if ARGV[2] == '1' and redis.call('HEXISTS', KEYS[1], 'calleeSession') == 1 then return {} end
            redis.call('RENAME', KEYS[1], KEYS[3])
            redis.call('HSET', KEYS[3], 'endedAt', ARGV[3])
            redis.call('PEXPIRE', KEYS[3], ARGV[4])
            redis.call('ZREM', KEYS[2], ARGV[1])
            return fields
            """;

    // KEYS: ringing. ARGV: now ms, call key prefix, ended call key prefix, retention ms.
    // Returns {id, fields, id, fields, ...}.
    private static final String CLAIM = """
            local out = {}
            for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 100)) do
              redis.call('ZREM', KEYS[1], id)
              local key = ARGV[2] .. id
              if redis.call('HEXISTS', key, 'calleeSession') == 0 then
                local fields = redis.call('HGETALL', key)
                if #fields > 0 then
                  local ended = ARGV[3] .. id
                  redis.call('RENAME', key, ended)
                  redis.call('HSET', ended, 'endedAt', ARGV[1])
                  redis.call('PEXPIRE', ended, ARGV[4])
                  out[#out + 1] = id
                  out[#out + 1] = fields
                end
              end
            end
            return out
            """;

    private final RedisConnections redis;
    private final RedisCommands<String, String> commands;
    private final String callPrefix;
    private final String endedPrefix;
    private final String ringingKey;
    private final AtomicBoolean closed = new AtomicBoolean();

    RedisCallStore(RedisConnections redis) {
        this.redis = redis;
        this.commands = redis.commands().sync();
        this.callPrefix = redis.settings().keyPrefix() + ":call:";
        this.endedPrefix = redis.settings().keyPrefix() + ":ended-call:";
        this.ringingKey = redis.settings().keyPrefix() + ":calls:ringing";
    }

    @Override
    public void create(CallRecord call) {
        long ttl = Math.max(1, Duration.between(call.startedAt(), call.ringDeadline()).plus(RINGING_GRACE).toMillis());
        List<String> args = new ArrayList<>(List.of(call.id(), Long.toString(ttl),
                Long.toString(call.ringDeadline().toEpochMilli())));
        put(args, "callerId", call.callerId());
        put(args, "callerSession", call.callerSession());
        put(args, "calleeId", call.calleeId());
        put(args, "conversationId", call.conversationId());
        put(args, "callType", call.callType());
        put(args, "startedAt", Long.toString(call.startedAt().toEpochMilli()));
        put(args, "ringDeadline", Long.toString(call.ringDeadline().toEpochMilli()));
        if (call.calleeSession() != null) {
            put(args, "calleeSession", call.calleeSession());
            put(args, "connectedAt", Long.toString(call.connectedAt().toEpochMilli()));
        }
        Long created = commands.eval(CREATE, ScriptOutputType.INTEGER, new String[] {key(call.id()), ringingKey},
                args.toArray(String[]::new));
        if (created == 0L) {
            throw new IllegalArgumentException("call " + call.id() + " exists");
        }
    }

    private static void put(List<String> args, String field, String value) {
        if (value != null) {
            args.add(field);
            args.add(value);
        }
    }

    @Override
    public Optional<CallRecord> find(String callId) {
        return record(callId, commands.hgetall(key(callId)));
    }

    @Override
    public Optional<CallRecord> findEnded(String callId, Instant now) {
        Map<String, String> fields = commands.hgetall(endedPrefix + callId);
        String endedAt = fields.get("endedAt");
        if (endedAt == null || !now.isBefore(instant(endedAt).plus(ENDED_CALL_RETENTION))) {
            return Optional.empty();
        }
        return record(callId, fields);
    }

    @Override
    public Optional<CallRecord> connect(String callId, String answeringSession, Instant at) {
        List<Object> fields = commands.eval(CONNECT, ScriptOutputType.MULTI, new String[] {key(callId), ringingKey},
                callId, answeringSession, Long.toString(at.toEpochMilli()), Long.toString(CONNECTED_TTL.toMillis()));
        return record(callId, fields);
    }

    @Override
    public Optional<CallRecord> end(String callId, Instant at) {
        return end(callId, at, false);
    }

    @Override
    public Optional<CallRecord> endRinging(String callId, Instant at) {
        return end(callId, at, true);
    }

    private Optional<CallRecord> end(String callId, Instant at, boolean onlyRinging) {
        List<Object> fields = commands.eval(END, ScriptOutputType.MULTI,
                new String[] {key(callId), ringingKey, endedPrefix + callId}, callId, onlyRinging ? "1" : "0",
                Long.toString(at.toEpochMilli()), Long.toString(ENDED_CALL_RETENTION.toMillis()));
        return record(callId, fields);
    }

    @Override
    public List<CallRecord> claimUnanswered(Instant now) {
        List<Object> out = commands.eval(CLAIM, ScriptOutputType.MULTI, new String[] {ringingKey},
                Long.toString(now.toEpochMilli()), callPrefix, endedPrefix, Long.toString(ENDED_CALL_RETENTION.toMillis()));
        List<CallRecord> claimed = new ArrayList<>();
        for (int i = 0; i + 1 < out.size(); i += 2) {
            record((String) out.get(i), (List<?>) out.get(i + 1)).ifPresent(claimed::add);
        }
        return claimed;
    }

    private String key(String callId) {
        return callPrefix + callId;
    }

    private static Optional<CallRecord> record(String callId, List<?> flat) {
        Map<String, String> fields = new HashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            fields.put((String) flat.get(i), (String) flat.get(i + 1));
        }
        return record(callId, fields);
    }

    private static Optional<CallRecord> record(String callId, Map<String, String> f) {
        if (f.isEmpty() || !f.containsKey("callerId")) {
            return Optional.empty();
        }
        return Optional.of(new CallRecord(callId, f.get("callerId"), f.get("callerSession"), f.get("calleeId"),
                f.get("conversationId"), f.get("callType"), instant(f.get("startedAt")),
                instant(f.get("ringDeadline")), f.get("calleeSession"), instant(f.get("connectedAt"))));
    }

    private static Instant instant(String epochMillis) {
        return epochMillis == null ? null : Instant.ofEpochMilli(Long.parseLong(epochMillis));
    }

    /** Releases this store's hold on the connections; the calls stay in Redis for the other nodes. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            redis.release();
        }
    }
}
