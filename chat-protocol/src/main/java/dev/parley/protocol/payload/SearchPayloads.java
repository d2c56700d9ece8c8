package dev.parley.protocol.payload;

import dev.parley.protocol.Rules.MaxChars;
import dev.parley.protocol.Rules.Range;
import dev.parley.protocol.Rules.Required;
import dev.parley.protocol.model.Message;
import java.util.List;

/** Search (6.6). */
public final class SearchPayloads {
    /** Results per page when {@code limit} is absent. */
    public static final int DEFAULT_LIMIT = 20;
    /** Larger {@code limit} values are refused. */
    public static final int MAX_LIMIT = 50;

    private SearchPayloads() {
    }

    /** {@code search_messages}: without {@code conversationId}, every conversation of the user. */
    public record SearchMessages(
            @MaxChars(value = 128, invalid = true) String conversationId,
            @Required @MaxChars(value = 200, invalid = true) String query,
            @Range(min = 1, max = MAX_LIMIT) Integer limit,
            @MaxChars(value = 128, invalid = true) String beforeMessageId) {

        public int limitOrDefault() {
            return limit == null ? DEFAULT_LIMIT : limit;
        }
    }

    /** {@code search_results}: newest first. */
    public record SearchResults(String conversationId, String query, List<Message> messages, boolean hasMore) {
    }
}
