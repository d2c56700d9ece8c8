package dev.parley.core;

/** The close codes and reasons of protocol section 2.8, in one place. */
public final class CloseCodes {
    public static final int NORMAL = 1000;
    public static final int GOING_AWAY = 1001;
    public static final int POLICY_VIOLATION = 1008;
    public static final int MESSAGE_TOO_BIG = 1009;
    public static final int INTERNAL_ERROR = 1011;
    public static final int TRY_AGAIN_LATER = 1013;
    public static final int AUTH_TIMEOUT = 4001;
    public static final int TOKEN_EXPIRED = 4002;
    public static final int AUTH_REVOKED = 4003;
    public static final int HEARTBEAT_TIMEOUT = 4004;
    public static final int RATE_LIMITED = 4008;
    public static final int TOO_MANY_CONNECTIONS = 4009;
    public static final int SLOW_CONSUMER = 4010;

    private CloseCodes() {
    }
}
