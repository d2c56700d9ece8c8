package dev.parley.server;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;

/** Open WebSocket connections per client address, capped so one host cannot take every slot. */
final class AddressLimiter {
    private final int max;
    private final ConcurrentHashMap<InetAddress, Integer> open = new ConcurrentHashMap<>();

    AddressLimiter(int max) {
        this.max = max;
    }

    /** Takes a slot for this address, or returns {@code false} if it has {@code max} already. */
    boolean tryAcquire(InetAddress address) {
        boolean[] acquired = {false};
        open.compute(address, (a, n) -> {
            int current = n == null ? 0 : n;
            if (current >= max) {
                return n;
            }
            acquired[0] = true;
            return current + 1;
        });
        return acquired[0];
    }

    void release(InetAddress address) {
        open.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
    }

    int openFrom(InetAddress address) {
        return open.getOrDefault(address, 0);
    }
}
