package dev.parley.client;

import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.model.Message;

/**
 * The outcome of {@link ChatClient#sendMessage}, shaped like the seed's {@code {success, data, error}}.
 *
 * @param success         whether the server stored the message
 * @param data            the stored message as the sender sees it; {@code null} on failure
 * @param error           a human-readable reason on failure; {@code null} on success
 * @param code            the protocol error code on a server rejection, else {@code null}
 * @param clientMessageId the idempotency key this send used on every attempt
 */
public record SendResult(boolean success, Message data, String error, ErrorCode code, String clientMessageId) {

    static SendResult ok(Message message, String clientMessageId) {
        return new SendResult(true, message, null, null, clientMessageId);
    }

    static SendResult failed(String error, ErrorCode code, String clientMessageId) {
        return new SendResult(false, null, error, code, clientMessageId);
    }
}
