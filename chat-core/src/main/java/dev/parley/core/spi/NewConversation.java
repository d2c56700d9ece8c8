package dev.parley.core.spi;

import dev.parley.protocol.model.ConversationType;
import java.util.List;

/** A conversation to create: the creator becomes {@code admin}, the others {@code member}. */
public record NewConversation(ConversationType type, String name, String createdBy, List<String> otherUserIds) {
    public NewConversation {
        otherUserIds = List.copyOf(otherUserIds);
    }
}
