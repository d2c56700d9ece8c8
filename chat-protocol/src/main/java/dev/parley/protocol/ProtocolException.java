package dev.parley.protocol;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A request or frame that the protocol refuses, with its wire error code and {@code details}.
 * This is the only exception the codec and the validators throw, whatever the input.
 */
public final class ProtocolException extends RuntimeException {
    private final ErrorCode code;
    private final Map<String, Object> details;
    private final String requestId;

    public ProtocolException(ErrorCode code, String message) {
        this(code, message, Map.of(), null);
    }

    public ProtocolException(ErrorCode code, String message, Map<String, Object> details) {
        this(code, message, details, null);
    }

    private ProtocolException(ErrorCode code, String message, Map<String, Object> details, String requestId) {
        super(message, null, false, false); // no stack trace: these are expected outcomes, often hostile input
        this.code = code;
        this.details = Collections.unmodifiableMap(new LinkedHashMap<>(details));
        this.requestId = requestId;
    }

    public ErrorCode code() {
        return code;
    }

    /** Code-specific details ({@code fields}, {@code field}, {@code reason}, {@code maxBytes}, ...); empty if none. */
    public Map<String, Object> details() {
        return details;
    }

    /** The request id read from the failed frame, or {@code null} if it could not be read. */
    public String requestId() {
        return requestId;
    }

    /** The same error, correlated with the request it answers. */
    public ProtocolException withRequestId(String id) {
        return new ProtocolException(code, getMessage(), details, id);
    }

    public static ProtocolException missingFields(List<String> fields) {
        return new ProtocolException(ErrorCode.MISSING_REQUIRED_FIELDS,
                "Missing required fields: " + String.join(", ", fields), Map.of("fields", List.copyOf(fields)));
    }

    public static ProtocolException invalidData(String field, String reason) {
        return new ProtocolException(ErrorCode.INVALID_DATA, "Invalid " + field + ": " + reason,
                Map.of("field", field, "reason", reason));
    }

    public static ProtocolException tooManyItems(String field, int maxItems) {
        return new ProtocolException(ErrorCode.INVALID_DATA, "Too many items in " + field + " (at most " + maxItems + ")",
                Map.of("field", field, "reason", "too many items", "maxItems", (long) maxItems));
    }

    public static ProtocolException tooLarge(String field, long maxBytes) {
        return new ProtocolException(ErrorCode.PAYLOAD_TOO_LARGE, field + " is larger than " + maxBytes + " bytes",
                Map.of("field", field, "maxBytes", maxBytes));
    }

    public static ProtocolException tooManyChars(String field, int maxChars) {
        return new ProtocolException(ErrorCode.PAYLOAD_TOO_LARGE, field + " is longer than " + maxChars + " characters",
                Map.of("field", field, "maxChars", (long) maxChars));
    }

    public static ProtocolException invalidMessage(String reason) {
        return new ProtocolException(ErrorCode.INVALID_MESSAGE, "Invalid message: " + reason);
    }

    public static ProtocolException unknownType(String type) {
        return new ProtocolException(ErrorCode.UNKNOWN_MESSAGE_TYPE, "Unknown message type: " + type);
    }

    public static ProtocolException notFound(String resource) {
        return new ProtocolException(ErrorCode.NOT_FOUND, "Not found: " + resource, Map.of("resource", resource));
    }

    public static ProtocolException accessDenied() {
        return new ProtocolException(ErrorCode.ACCESS_DENIED, "Access denied");
    }
}
