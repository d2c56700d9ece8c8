package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.OutgoingMessage.State;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.model.Message;
import org.junit.jupiter.api.Test;

class OutboundQueueTest {
    private final OutboundQueue queue = new OutboundQueue();
    private final Message stored = MessageStoreTest.msg("m-1", 1, "hi");

    @Test
    void aNewSendIsPendingWithAFreshUuidKey() {
        OutboundQueue.Entry a = queue.add("c-1", "hi", "text", null);
        OutboundQueue.Entry b = queue.add("c-1", "hi", "text", null);
        assertThat(a.snapshot().state()).isEqualTo(State.PENDING);
        assertThat(a.clientMessageId).matches("[0-9a-f-]{36}").isNotEqualTo(b.clientMessageId);
        assertThat(queue.waiting()).containsExactly(a, b);
    }

    @Test
    void anAttemptInFlightIsNotSentTwice() {
        OutboundQueue.Entry a = queue.add("c-1", "hi", "text", null);
        queue.inFlight(a, "r-1");
        assertThat(queue.waiting()).isEmpty();
        assertThat(a.attempts).isEqualTo(1);
        assertThat(a.snapshot().state()).isEqualTo(State.PENDING);
    }

    @Test
    void aDroppedConnectionPutsEveryAttemptBackInOrderWithTheSameKey() {
        OutboundQueue.Entry a = queue.add("c-1", "one", "text", null);
        OutboundQueue.Entry b = queue.add("c-1", "two", "text", null);
        String key = a.clientMessageId;
        queue.inFlight(a, "r-1");
        queue.inFlight(b, "r-2");
        queue.connectionLost();
        assertThat(queue.waiting()).containsExactly(a, b);
        assertThat(a.clientMessageId).isEqualTo(key);
        queue.inFlight(a, "r-3");
        assertThat(a.attempts).isEqualTo(2);
    }

    @Test
    void anAnswerToAnAbandonedAttemptIsNotCurrent() {
        OutboundQueue.Entry a = queue.add("c-1", "hi", "text", null);
        queue.inFlight(a, "r-1");
        queue.connectionLost();
        queue.inFlight(a, "r-2");
        assertThat(queue.isCurrent(a, "r-1")).isFalse();
        assertThat(queue.isCurrent(a, "r-2")).isTrue();
    }

    @Test
    void acknowledgementCompletesTheResultOnceAndLeavesTheQueue() {
        OutboundQueue.Entry a = queue.add("c-1", "hi", "text", null);
        queue.inFlight(a, "r-1");
        queue.acknowledged(a, stored);
        queue.acknowledged(a, MessageStoreTest.msg("m-other", 2, "x"));
        queue.failed(a, "late failure", ErrorCode.SERVER_ERROR);
        assertThat(a.snapshot().state()).isEqualTo(State.SENT);
        assertThat(a.result).isCompletedWithValue(SendResult.ok(stored, a.clientMessageId));
        assertThat(queue.size()).isZero();
        assertThat(queue.isCurrent(a, "r-1")).isFalse();
    }

    @Test
    void aRefusalFailsTheSendWithTheServersCode() {
        OutboundQueue.Entry a = queue.add("c-1", "hi", "text", null);
        queue.inFlight(a, "r-1");
        queue.failed(a, "Access denied", ErrorCode.ACCESS_DENIED);
        assertThat(a.snapshot().state()).isEqualTo(State.FAILED);
        SendResult r = a.result.join();
        assertThat(r.success()).isFalse();
        assertThat(r.data()).isNull();
        assertThat(r.error()).isEqualTo("Access denied");
        assertThat(r.code()).isEqualTo(ErrorCode.ACCESS_DENIED);
        assertThat(queue.waiting()).isEmpty();
    }

    @Test
    void closingFailsEverythingStillQueued() {
        OutboundQueue.Entry a = queue.add("c-1", "one", "text", null);
        OutboundQueue.Entry b = queue.add("c-2", "two", "text", null);
        queue.inFlight(a, "r-1");
        assertThat(queue.failAll("closed")).containsExactly(a, b);
        assertThat(a.result.join().success()).isFalse();
        assertThat(b.result.join().error()).isEqualTo("closed");
        assertThat(queue.snapshot()).isEmpty();
    }

    @Test
    void snapshotShowsPendingSendsOldestFirst() {
        queue.add("c-1", "one", "text", null);
        queue.add("c-1", "two", "image", "m-0");
        assertThat(queue.snapshot()).extracting(OutgoingMessage::content).containsExactly("one", "two");
        assertThat(queue.snapshot().get(1).replyToId()).isEqualTo("m-0");
    }
}
