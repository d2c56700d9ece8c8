package dev.parley.server;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which browser origins may open a WebSocket. Requests without an {@code Origin} header (native
 * clients, bots) and same-origin pages are always allowed; other origins only when listed, or when
 * the policy allows any (the list holds {@code *}, or dev mode without a list).
 */
final class OriginPolicy {
    private final boolean any;
    private final Set<String> allowed;

    private OriginPolicy(boolean any, Set<String> allowed) {
        this.any = any;
        this.allowed = allowed;
    }

    /** {@code ALLOWED_ORIGINS} as configured ({@code null}: unset). */
    static OriginPolicy of(List<String> configured, boolean devMode) {
        if (configured == null) {
            return new OriginPolicy(devMode, Set.of());
        }
        boolean any = configured.contains("*");
        return new OriginPolicy(any, configured.stream().map(OriginPolicy::normalize).collect(Collectors.toUnmodifiableSet()));
    }

    boolean allowsAny() {
        return any;
    }

    /**
     * @param origin the request's {@code Origin} header ({@code null} or empty if absent)
     * @param host   the request's {@code Host} header
     */
    boolean allows(String origin, String host) {
        if (origin == null || origin.isEmpty() || any) {
            return true;
        }
        String normalized = normalize(origin);
        return allowed.contains(normalized) || sameOrigin(normalized, host);
    }

    private static boolean sameOrigin(String origin, String host) {
        if (host == null || host.isEmpty()) {
            return false;
        }
        try {
            URI uri = URI.create(origin);
            if (uri.getHost() == null) {
                return false;
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme();
            int defaultPort = "https".equals(scheme) ? 443 : 80;
            int port = uri.getPort() != -1 ? uri.getPort() : defaultPort;
            String h = host.toLowerCase(Locale.ROOT);
            int colon = h.lastIndexOf(':');
            boolean hasPort = colon > h.lastIndexOf(']');
            String hostName = hasPort ? h.substring(0, colon) : h;
            // A Host without a port means the scheme's default; the page and the socket share the scheme.
            int hostPort = hasPort ? Integer.parseInt(h.substring(colon + 1)) : defaultPort;
            return uri.getHost().equalsIgnoreCase(hostName) && port == hostPort;
        } catch (IllegalArgumentException malformed) {
            return false;
        }
    }

    private static String normalize(String origin) {
        String o = origin.trim().toLowerCase(Locale.ROOT);
        return o.endsWith("/") ? o.substring(0, o.length() - 1) : o;
    }
}
