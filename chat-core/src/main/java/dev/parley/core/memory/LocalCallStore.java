package dev.parley.core.memory;

import dev.parley.core.spi.CallRecord;
import dev.parley.core.spi.CallStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The one-node {@link CallStore}: calls in a map; each transition is one atomic map operation.
 * Ended calls move to a second map, written before the live entry goes so that a reader who misses
 * the live call finds its tombstone; they are purged, oldest first, by whichever call passes a time
 * after their retention (the engine's sweep calls {@link #claimUnanswered} every pass).
 */
public final class LocalCallStore implements CallStore {
    private final ConcurrentHashMap<String, CallRecord> calls = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Ended> ended = new ConcurrentHashMap<>();
    /** Tombstones in the order they were written, which is their expiry order as long as time moves forward. */
    private final ConcurrentLinkedQueue<Ended> endedInOrder = new ConcurrentLinkedQueue<>();

    private record Ended(CallRecord call, Instant at) {
        boolean expiredAt(Instant now) {
            return !now.isBefore(at.plus(ENDED_CALL_RETENTION));
        }
    }

    @Override
    public void create(CallRecord call) {
        if (calls.putIfAbsent(call.id(), call) != null) {
            throw new IllegalArgumentException("call " + call.id() + " exists");
        }
    }

    @Override
    public Optional<CallRecord> find(String callId) {
        return Optional.ofNullable(calls.get(callId));
    }

    @Override
    public Optional<CallRecord> findEnded(String callId, Instant now) {
        purge(now);
        Ended e = ended.get(callId);
        return e == null || e.expiredAt(now) ? Optional.empty() : Optional.of(e.call());
    }

    @Override
    public Optional<CallRecord> connect(String callId, String answeringSession, Instant at) {
        CallRecord[] won = {null};
        calls.computeIfPresent(callId, (id, call) -> {
            if (!call.isRinging()) {
                return call;
            }
            won[0] = call.connected(answeringSession, at);
            return won[0];
        });
        return Optional.ofNullable(won[0]);
    }

    @Override
    public Optional<CallRecord> end(String callId, Instant at) {
        return endIf(callId, at, false);
    }

    @Override
    public Optional<CallRecord> endRinging(String callId, Instant at) {
        return endIf(callId, at, true);
    }

    @Override
    public List<CallRecord> claimUnanswered(Instant now) {
        purge(now);
        List<CallRecord> claimed = new ArrayList<>();
        for (CallRecord call : calls.values()) {
            if (call.isRinging() && !now.isBefore(call.ringDeadline())) {
                endIf(call.id(), now, true).ifPresent(claimed::add);
            }
        }
        return claimed;
    }

    private Optional<CallRecord> endIf(String callId, Instant at, boolean onlyRinging) {
        purge(at);
        CallRecord[] won = {null};
        calls.computeIfPresent(callId, (id, call) -> {
            if (onlyRinging && !call.isRinging()) {
                return call;
            }
            Ended tombstone = new Ended(call, at);
            ended.put(id, tombstone);
            endedInOrder.add(tombstone);
            won[0] = call;
            return null;
        });
        return Optional.ofNullable(won[0]);
    }

    private void purge(Instant now) {
        for (Ended oldest = endedInOrder.peek(); oldest != null && oldest.expiredAt(now); oldest = endedInOrder.peek()) {
            if (endedInOrder.remove(oldest)) {
                ended.remove(oldest.call().id(), oldest);
            }
        }
    }

    /** Tombstones held, for tests of the purge. */
    int endedCount() {
        return ended.size();
    }
}
