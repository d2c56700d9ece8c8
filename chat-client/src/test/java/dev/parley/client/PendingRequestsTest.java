package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.protocol.Envelope;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.JsonCodec;
import dev.parley.protocol.MessageType;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class PendingRequestsTest {
    private final ManualScheduler scheduler = new ManualScheduler();
    private final JsonCodec codec = JsonCodec.standard();
    private final PendingRequests pending = new PendingRequests(scheduler, codec);

    private Envelope frame(String json) {
        return codec.decodeFrame(json);
    }

    @Test
    void answersAreMatchedByRequestIdNotByType() {
        CompletableFuture<Envelope> first = pending.register("r-1", MessageType.CREATE_CONVERSATION, 30_000);
        CompletableFuture<Envelope> second = pending.register("r-2", MessageType.CREATE_CONVERSATION, 30_000);
        // the same type arriving as an event with a fresh id answers nothing
        assertThat(pending.complete(frame("{\"type\":\"conversation_created\",\"payload\":{\"id\":\"c-9\"},\"requestId\":\"ev-1\"}")))
                .isFalse();
        assertThat(pending.complete(frame("{\"type\":\"conversation_created\",\"payload\":{\"id\":\"c-2\"},\"requestId\":\"r-2\"}")))
                .isTrue();
        assertThat(first).isNotDone();
        assertThat(second.join().payload().get("id").getAsString()).isEqualTo("c-2");
    }

    @Test
    void anErrorFailsTheRequestWithItsCodeAndDetails() {
        CompletableFuture<Envelope> f = pending.register("r-1", MessageType.SEND_MESSAGE, 30_000);
        pending.complete(frame("{\"type\":\"error\",\"payload\":{\"error\":\"Missing required fields: content\","
                + "\"code\":\"MISSING_REQUIRED_FIELDS\",\"requestId\":\"r-1\",\"details\":{\"fields\":[\"content\"]}},"
                + "\"requestId\":\"r-1\"}"));
        assertThatThrownBy(f::join).isInstanceOf(CompletionException.class).cause()
                .isInstanceOfSatisfying(ChatException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ChatException.Kind.REJECTED);
                    assertThat(e.code()).isEqualTo(ErrorCode.MISSING_REQUIRED_FIELDS);
                    assertThat(e.details().get("fields")).asList().containsExactly("content");
                    assertThat(e.getMessage()).contains("content");
                });
    }

    @Test
    void aCorrelatedAuthErrorCountsAsAnError() {
        CompletableFuture<Envelope> f = pending.register("r-1", MessageType.AUTH, 30_000);
        pending.complete(frame("{\"type\":\"auth_error\",\"payload\":{\"error\":\"expired\",\"code\":\"TOKEN_EXPIRED\"},\"requestId\":\"r-1\"}"));
        assertThatThrownBy(f::join).cause().isInstanceOfSatisfying(ChatException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.TOKEN_EXPIRED));
    }

    @Test
    void legacyErrorCodesAreMappedToVersionOneCodes() {
        CompletableFuture<Envelope> f = pending.register("r-1", MessageType.LOAD_MESSAGES, 30_000);
        pending.complete(frame("{\"type\":\"error\",\"payload\":{\"error\":\"nope\",\"code\":\"AUTH_REQUIRED\"},\"requestId\":\"r-1\"}"));
        assertThatThrownBy(f::join).cause().isInstanceOfSatisfying(ChatException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHORIZED);
            assertThat(e.wireCode()).isEqualTo("AUTH_REQUIRED");
        });
    }

    @Test
    void noAnswerWithinTheTimeoutFailsWithTimeoutAndALateAnswerIsDropped() {
        CompletableFuture<Envelope> f = pending.register("r-1", MessageType.PING, 30_000);
        scheduler.advance(29_999);
        assertThat(f).isNotDone();
        scheduler.advance(1);
        assertThatThrownBy(f::join).cause().isInstanceOfSatisfying(ChatException.class,
                e -> assertThat(e.kind()).isEqualTo(ChatException.Kind.TIMEOUT));
        assertThat(pending.complete(frame("{\"type\":\"pong\",\"payload\":{},\"requestId\":\"r-1\"}"))).isFalse();
        assertThat(pending.size()).isZero();
    }

    @Test
    void anAnsweredRequestNoLongerTimesOut() {
        CompletableFuture<Envelope> f = pending.register("r-1", MessageType.PING, 30_000);
        pending.complete(frame("{\"type\":\"pong\",\"payload\":{},\"requestId\":\"r-1\"}"));
        assertThat(scheduler.scheduledCount()).isZero();
        assertThat(f).isCompleted();
    }

    @Test
    void aLostConnectionFailsEveryWaitingRequest() {
        CompletableFuture<Envelope> a = pending.register("r-1", MessageType.PING, 30_000);
        CompletableFuture<Envelope> b = pending.register("r-2", MessageType.LOAD_CONVERSATIONS, 30_000);
        pending.failAll(ChatException.local(ChatException.Kind.NOT_CONNECTED, "lost"));
        assertThat(a).isCompletedExceptionally();
        assertThat(b).isCompletedExceptionally();
        assertThat(scheduler.scheduledCount()).isZero();
    }
}
