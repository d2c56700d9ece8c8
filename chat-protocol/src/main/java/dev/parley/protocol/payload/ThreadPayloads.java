package dev.parley.protocol.payload;

import dev.parley.protocol.ProtocolLimits;
import dev.parley.protocol.Rules.MaxChars;
import dev.parley.protocol.Rules.Range;
import dev.parley.protocol.Rules.Required;
import dev.parley.protocol.model.Message;
import java.time.Instant;
import java.util.List;

/** Threads (6.2). */
public final class ThreadPayloads {
    private ThreadPayloads() {
    }

    /** {@code load_thread}: paged like {@code load_more_messages}. */
    public record LoadThread(
            @Required @MaxChars(value = 128, invalid = true) String conversationId,
            @Required @MaxChars(value = 128, invalid = true) String threadRootId,
            @MaxChars(value = 128, invalid = true) String beforeMessageId,
            @Range(min = 1) Integer limit) {

        public int pageSize(ProtocolLimits limits) {
            return MessagePayloads.Pages.size(limit, limits);
        }
    }

    /** {@code thread_loaded}. */
    public record ThreadLoaded(
            String conversationId, String threadRootId, Message root, List<Message> messages, boolean hasMore) {
    }

    /** {@code thread_updated}: after each reply. */
    public record ThreadUpdated(
            String conversationId, String threadRootId, int threadReplyCount, Instant threadLastReplyAt) {
    }
}
