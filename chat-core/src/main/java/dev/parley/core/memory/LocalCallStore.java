package dev.parley.core.memory;

import dev.parley.core.spi.CallRecord;
import dev.parley.core.spi.CallStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The one-node {@link CallStore}: calls in a map; each transition is one atomic map operation. */
public final class LocalCallStore implements CallStore {
    private final ConcurrentHashMap<String, CallRecord> calls = new ConcurrentHashMap<>();

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
    public Optional<CallRecord> end(String callId) {
        return Optional.ofNullable(calls.remove(callId));
    }

    @Override
    public Optional<CallRecord> endRinging(String callId) {
        CallRecord call = calls.get(callId);
        return call != null && call.isRinging() && calls.remove(callId, call) ? Optional.of(call) : Optional.empty();
    }

    @Override
    public List<CallRecord> claimUnanswered(Instant now) {
        List<CallRecord> claimed = new ArrayList<>();
        for (CallRecord call : calls.values()) {
            if (call.isRinging() && !now.isBefore(call.ringDeadline()) && calls.remove(call.id(), call)) {
                claimed.add(call);
            }
        }
        return claimed;
    }
}
