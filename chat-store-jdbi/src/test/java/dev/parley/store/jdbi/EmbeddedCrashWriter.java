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
 * Run in a child JVM by {@link EmbeddedCrashTest}: several threads append messages to an embedded
 * store (so appends are group-committed in batches), each message's id is printed as soon as its
 * append returns (the moment the engine would acknowledge it), and after {@code count}
 * acknowledgements the JVM halts without closing anything, as a crash would, with appends still
 * in flight.
 */
final class EmbeddedCrashWriter {
    private static final int THREADS = 8;
    private static int acked;

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
        System.out.flush();
        for (int t = 0; t < THREADS; t++) {
            String sender = t % 2 == 0 ? "alice" : "bob";
            new Thread(() -> {
                for (int i = 0; ; i++) {
                    MessageRecord m = store.appendMessage(new NewMessage(c.id(), sender, "text", "m" + i, null,
                            null, null, null, null)).message();
                    acknowledge(m, count);
                }
            }).start();
        }
    }

    private static synchronized void acknowledge(MessageRecord m, int count) {
        System.out.println("acked " + m.id());
        System.out.flush();
        if (++acked == count) {
            Runtime.getRuntime().halt(0);
        }
    }
}
