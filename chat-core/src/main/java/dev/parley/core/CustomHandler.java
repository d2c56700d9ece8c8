package dev.parley.core;

import com.google.gson.JsonObject;
import dev.parley.protocol.ErrorCode;

/**
 * A handler for an embedder's own message type. It runs on the worker pool, in the session's
 * frame order, for authenticated connections only, and answers exactly once through its request.
 */
@FunctionalInterface
public interface CustomHandler {
    void handle(Request request);

    /** One request of a custom type. */
    interface Request {
        /** The authenticated user's id. */
        String userId();

        /** The request's payload ({@code {}} when absent). */
        JsonObject payload();

        /** Answers with a frame of the given type (which must not be a protocol type name) and payload. */
        void reply(String type, JsonObject payload);

        /** Answers with an {@code error}. */
        void fail(ErrorCode code, String message);
    }
}
