package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.model.Message;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ThreadStoreTest {
    private final ThreadStore threads = new ThreadStore();
    private final Message root = message("root", 1, null, "root");

    private static Message message(String id, long seq, String rootId, String body) {
        return new Message(id, "c-1", "u-a", null, "text", body, null, null, null,
                Instant.parse("2025-01-01T00:00:00Z").plusSeconds(seq), seq, null, null, null, rootId,
                rootId == null ? 0 : null, null, null);
    }

    @Test
    void pagesBackAndRepliesAsTheyArriveAreHeldOnceInOrder() {
        threads.page("c-1", root, List.of(message("r-4", 4, "root", "d"), message("r-5", 5, "root", "e")), true, false);
        threads.page("c-1", root, List.of(message("r-2", 2, "root", "b")), false, true);
        assertThat(threads.arrived("c-1", message("r-6", 6, "root", "f"))).isNotNull();
        assertThat(threads.arrived("c-1", message("r-6", 6, "root", "f"))).as("already held").isNull();
        assertThat(threads.arrived("c-1", message("x-7", 7, "other-root", "g"))).as("a thread not loaded").isNull();
        assertThat(threads.arrived("c-1", message("m-8", 8, null, "plain"))).isNull();

        MessageThread t = threads.get("c-1", "root");
        assertThat(t.replies()).extracting(Message::id).containsExactly("r-2", "r-4", "r-5", "r-6");
        assertThat(t.hasMore()).isFalse();
        assertThat(threads.oldestReply("c-1", "root").id()).isEqualTo("r-2");
    }

    @Test
    void theNewestPageStartsTheHeldRepliesAfreshSoThatNoHoleRemains() {
        threads.page("c-1", root, List.of(message("r-2", 2, "root", "b")), false, false);
        threads.page("c-1", root, List.of(message("r-9", 9, "root", "i")), true, false);
        assertThat(threads.get("c-1", "root").replies()).extracting(Message::id).containsExactly("r-9");
        assertThat(threads.get("c-1", "root").hasMore()).isTrue();
    }

    @Test
    void changesReachTheRootAndTheRepliesHeld() {
        threads.page("c-1", root, List.of(message("r-2", 2, "root", "b")), false, false);
        assertThat(threads.update("c-1", "r-2", m -> message("r-2", 2, "root", "edited"))).isNotNull();
        assertThat(threads.update("c-1", "root", m -> message("root", 1, null, "root edited"))).isNotNull();
        assertThat(threads.update("c-1", "root", m -> m)).as("no change").isNull();
        assertThat(threads.update("c-2", "r-2", m -> message("r-2", 2, "root", "other"))).isNull();

        MessageThread t = threads.get("c-1", "root");
        assertThat(t.root().encryptedContent()).isEqualTo("root edited");
        assertThat(t.replies()).extracting(Message::encryptedContent).containsExactly("edited");
        assertThat(threads.held()).containsExactly(java.util.Map.entry("c-1", "root"));
    }
}
