package dev.parley.loadtest;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** One conversation of the run and the connections assigned to it. */
final class Room {
    final int index;
    final List<ClientConnection> members = new ArrayList<>();
    /** Members whose connection is joined to the room now: each message sent later should reach each of them. */
    final AtomicInteger joined = new AtomicInteger();
    private volatile String quotedConversationId;

    Room(int index) {
        this.index = index;
    }

    void conversationId(String id) {
        quotedConversationId = Frames.quote(id);
    }

    /** The conversation id as a JSON string literal, ready for {@link Frames#sendMessage}. */
    String quotedConversationId() {
        return quotedConversationId;
    }
}
