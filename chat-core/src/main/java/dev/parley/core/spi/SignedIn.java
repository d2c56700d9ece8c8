package dev.parley.core.spi;

import dev.parley.protocol.model.User;
import java.util.List;

/**
 * A user just signed in: the profile as other users see it, and the ids of the conversations in
 * which the user is an active participant, which the engine announces the user to.
 */
public record SignedIn(User user, List<String> conversationIds) {
    public SignedIn {
        conversationIds = List.copyOf(conversationIds);
    }
}
