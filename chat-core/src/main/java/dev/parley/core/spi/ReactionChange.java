package dev.parley.core.spi;

import dev.parley.protocol.model.Reaction;
import java.util.List;

/**
 * The outcome of adding or removing a reaction: whether anything changed (adding an existing
 * reaction or removing an absent one changes nothing) and the message's reactions afterwards.
 */
public record ReactionChange(boolean changed, List<Reaction> reactions) {
    public ReactionChange {
        reactions = List.copyOf(reactions);
    }
}
