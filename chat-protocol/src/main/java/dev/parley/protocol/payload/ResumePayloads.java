package dev.parley.protocol.payload;

import dev.parley.protocol.Rules.MaxChars;
import dev.parley.protocol.Rules.MaxItems;
import dev.parley.protocol.Rules.Range;
import dev.parley.protocol.Rules.Required;
import dev.parley.protocol.model.Message;
import java.time.Instant;
import java.util.List;

/** Resume after reconnect (6.7). */
public final class ResumePayloads {
    private ResumePayloads() {
    }

    /** {@code resume}. */
    public record Resume(@Required @MaxItems(100) List<ResumeEntry> conversations, Instant since) {
    }

    /** One conversation to resume: the highest {@code seq} the client holds (0: none). */
    public record ResumeEntry(
            @Required @MaxChars(value = 128, invalid = true) String conversationId,
            @Required @Range(min = 0) Long lastSeq) {
    }

    /** {@code resumed}: one result per entry, in request order. */
    public record Resumed(List<ResumeResult> conversations) {
    }

    /** The outcome for one conversation. */
    public record ResumeResult(
            String conversationId,
            boolean joined,
            String error,
            long latestSeq,
            List<Message> messages,
            List<Message> updated,
            boolean mustReload) {
    }
}
