package dev.parley.protocol.payload;

import dev.parley.protocol.Rules.Limit;
import dev.parley.protocol.Rules.MaxBytes;
import dev.parley.protocol.Rules.MaxChars;
import dev.parley.protocol.Rules.Required;
import dev.parley.protocol.model.Reaction;
import java.util.List;

/** Reactions (6.1). */
public final class ReactionPayloads {
    private ReactionPayloads() {
    }

    /** {@code add_reaction} and {@code remove_reaction}. */
    public record ReactionRequest(
            @Required @MaxChars(value = 128, invalid = true) String conversationId,
            @Required @MaxChars(value = 128, invalid = true) String messageId,
            @Required @MaxBytes(Limit.EMOJI) String emoji) {
    }

    /** {@code reaction_added} and {@code reaction_removed}. */
    public record ReactionResult(String conversationId, String messageId, String emoji, List<Reaction> reactions) {
    }

    /** {@code reaction_updated}: {@code action} is {@code added} or {@code removed}. */
    public record ReactionUpdated(
            String conversationId, String messageId, String userId, String emoji, String action, List<Reaction> reactions) {
    }
}
