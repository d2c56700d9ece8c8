package dev.parley.store.jdbi;

import dev.parley.core.spi.ConversationRecord;
import dev.parley.core.spi.MessageRecord;
import dev.parley.core.spi.NewConversation;
import dev.parley.core.spi.NewMessage;
import dev.parley.core.spi.UserProfile;
import dev.parley.protocol.model.ConversationType;
import java.nio.file.Path;
import java.util.List;

/**
 * Run in a child JVM by {@link EmbeddedCrashTest}: appends messages to an embedded store, prints
 * each one's id as soon as the append returns (the moment the engine would acknowledge it), then
 * halts the JVM without closing anything, as a crash would.
 */
final class EmbeddedCrashWriter {
    private EmbeddedCrashWriter() {
    }

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        int count = Integer.parseInt(args[1]);
        JdbiChatStore store = JdbiChatStore.embedded(dir);
        store.upsertUser(new UserProfile("alice", "alice", "Alice", null, null, null, null));
        store.upsertUser(new UserProfile("bob", "bob", "Bob", null, null, null, null));
        ConversationRecord c = store.createConversation(
                new NewConversation(ConversationType.DIRECT, null, "alice", List.of("bob"))).conversation();
        System.out.println("conversation " + c.id());
        for (int i = 0; i < count; i++) {
            MessageRecord m = store.appendMessage(new NewMessage(c.id(), "alice", "text", "m" + i, null, null, null,
                    null, null)).message();
            System.out.println("acked " + m.id());
            System.out.flush();
        }
        Runtime.getRuntime().halt(0);
    }
}
