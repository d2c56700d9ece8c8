package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.model.Message;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class MessageStoreTest {
    private final MessageStore store = new MessageStore();

    static Message msg(String id, long seq, String body) {
        return new Message(id, "c-1", "u-a", null, "text", body, null, null, null,
                Instant.parse("2025-01-01T00:00:00Z").plusSeconds(seq), seq, null, null, null, null, null, null, null);
    }

    @Test
    void messagesAreOrderedBySeqWhateverTheArrivalOrder() {
        store.merge("c-1", List.of(msg("m-3", 3, "c"), msg("m-1", 1, "a")));
        store.merge("c-1", List.of(msg("m-2", 2, "b")));
        assertThat(store.snapshot("c-1")).extracting(Message::id).containsExactly("m-1", "m-2", "m-3");
    }

    @Test
    void aMessageArrivingAsResponseEventAndPageIsHeldOnce() {
        Message m = msg("m-1", 1, "hi");
        assertThat(store.merge("c-1", List.of(m)).added()).containsExactly(m);
        assertThat(store.merge("c-1", List.of(m)).changed()).isFalse();
        assertThat(store.merge("c-1", List.of(msg("m-0", 0, "x"), m)).added()).extracting(Message::id)
                .containsExactly("m-0");
        assertThat(store.snapshot("c-1")).extracting(Message::id).containsExactly("m-0", "m-1");
    }

    @Test
    void anOpenHoleHoldsTheConfirmedSeqWhateverArrivesUntilItIsFilled() {
        store.merge("c-1", List.of(msg("m-1", 1, "a"), msg("m-2", 2, "b")));
        store.holeAbove("c-1", 2); // a newest page after a reconnect starts at seq 60
        store.merge("c-1", List.of(msg("m-60", 60, "x"), msg("m-61", 61, "y")));
        store.merge("c-1", List.of(msg("m-62", 62, "live event")));
        assertThat(store.confirmedSeq("c-1")).as("recovery must start again below the hole").isEqualTo(2);
        store.holeFilled("c-1");
        assertThat(store.confirmedSeq("c-1")).isEqualTo(62);
    }

    @Test
    void aNewerCopyOfAHeldMessageReplacesIt() {
        store.merge("c-1", List.of(msg("m-1", 1, "before")));
        MessageStore.Merge merge = store.merge("c-1", List.of(msg("m-1", 1, "after")));
        assertThat(merge.added()).isEmpty();
        assertThat(merge.changed()).isTrue();
        assertThat(store.snapshot("c-1")).singleElement().extracting(Message::encryptedContent).isEqualTo("after");
    }

    @Test
    void addedMessagesAreReportedInSeqOrder() {
        MessageStore.Merge merge = store.merge("c-1", List.of(msg("m-5", 5, ""), msg("m-4", 4, ""), msg("m-6", 6, "")));
        assertThat(merge.added()).extracting(Message::seq).containsExactly(4L, 5L, 6L);
    }

    @Test
    void conversationsAreKeptApart() {
        store.merge("c-1", List.of(msg("m-1", 1, "")));
        store.merge("c-2", List.of(msg("m-9", 1, "")));
        assertThat(store.snapshot("c-1")).extracting(Message::id).containsExactly("m-1");
        assertThat(store.snapshot("c-2")).extracting(Message::id).containsExactly("m-9");
        assertThat(store.snapshot("c-3")).isEmpty();
    }

    @Test
    void cursorIsTheOldestHeldAndResumePointTheNewest() {
        assertThat(store.oldest("c-1")).isNull();
        assertThat(store.newestSeq("c-1")).isZero();
        store.merge("c-1", List.of(msg("m-7", 7, ""), msg("m-3", 3, ""), msg("m-5", 5, "")));
        assertThat(store.oldest("c-1").id()).isEqualTo("m-3");
        assertThat(store.newestSeq("c-1")).isEqualTo(7);
    }

    @Test
    void onlyMessagesReceivedInOrderConfirmWhatIsHeld() {
        store.merge("c-1", List.of(msg("m-1", 1, ""), msg("m-2", 2, "")));
        store.merge("c-1", List.of(msg("m-9", 9, "")), false); // the answer to a re-sent message
        assertThat(store.confirmedSeq("c-1")).isEqualTo(2);
        assertThat(store.newestSeq("c-1")).isEqualTo(9);
        store.merge("c-1", List.of(msg("m-3", 3, "")));
        assertThat(store.confirmedSeq("c-1")).isEqualTo(3);
        assertThat(store.confirmedSeq("c-2")).isZero();
    }

    @Test
    void droppingOlderMessagesRemovesThemAndTheirIds() {
        store.merge("c-1", List.of(msg("m-1", 1, ""), msg("m-2", 2, ""), msg("m-9", 9, "")));
        assertThat(store.dropOlderThan("c-1", 9)).isTrue();
        assertThat(store.snapshot("c-1")).extracting(Message::id).containsExactly("m-9");
        assertThat(store.merge("c-1", List.of(msg("m-1", 1, ""))).added()).hasSize(1);
    }

    @Test
    void snapshotsAreImmutableAndDetached() {
        store.merge("c-1", List.of(msg("m-1", 1, "")));
        List<Message> before = store.snapshot("c-1");
        store.merge("c-1", List.of(msg("m-2", 2, "")));
        assertThat(before).hasSize(1);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> before.add(msg("x", 3, "")))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void aChangeReplacesOnlyAHeldMessageSoThatNoHoleAppears() {
        store.merge("c-1", List.of(msg("m-5", 5, "held")));
        assertThat(store.replace("c-1", msg("m-5", 5, "edited"))).isTrue();
        assertThat(store.replace("c-1", msg("m-5", 5, "edited"))).as("same copy").isFalse();
        assertThat(store.replace("c-1", msg("m-1", 1, "an old message edited"))).isFalse();
        assertThat(store.replace("c-2", msg("m-9", 9, "elsewhere"))).isFalse();
        assertThat(store.snapshot("c-1")).extracting(Message::encryptedContent).containsExactly("edited");
        assertThat(store.oldest("c-1").id()).isEqualTo("m-5");
        assertThat(store.confirmedSeq("c-1")).isEqualTo(5);
    }
}
