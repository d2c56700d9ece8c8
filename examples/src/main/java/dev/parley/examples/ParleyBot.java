package dev.parley.examples;

import dev.parley.client.ChatClient;
import dev.parley.client.ChatListener;
import dev.parley.client.ConnectionState;
import dev.parley.protocol.model.Conversation;
import dev.parley.protocol.model.Message;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bot's connection, on the Java client SDK ({@link ChatClient}): it authenticates, joins its
 * conversations, joins and greets conversations others create with it, and answers messages from
 * other users. The SDK reconnects after drops and re-joins the rooms by itself.
 */
final class ParleyBot implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ParleyBot.class);

    private final ChatClient client;
    private final String token;
    private final Function<String, Optional<String>> brain;
    private final Set<String> joined = ConcurrentHashMap.newKeySet();
    private volatile String userId;
    private volatile boolean started;

    ParleyBot(URI server, String token, Function<String, Optional<String>> brain,
            Consumer<ConnectionState> onState) {
        this.token = token;
        this.brain = brain;
        this.client = ChatClient.builder()
                .serverUri(server)
                .listener(new ChatListener() {
                    @Override
                    public void onConversationsChanged(List<Conversation> conversations) {
                        if (started) {
                            conversations.forEach(ParleyBot.this::joinNew);
                        }
                    }

                    @Override
                    public void onMessageReceived(Message message) {
                        answer(message);
                    }

                    @Override
                    public void onConnectionStateChanged(ConnectionState state) {
                        onState.accept(state);
                    }
                })
                .build();
    }

    /**
     * Connects and authenticates, then joins every conversation the bot already has; completes with
     * the bot's user id once all are joined, so no message sent after that slips by.
     */
    CompletableFuture<String> start() {
        return client.authenticate(token)
                .thenCompose(auth -> {
                    userId = auth.user().id();
                    return client.loadConversations();
                })
                .thenCompose(conversations -> CompletableFuture.allOf(conversations.stream()
                        .filter(c -> joined.add(c.id()))
                        .map(c -> client.joinConversation(c.id()))
                        .toArray(CompletableFuture[]::new)))
                .thenApply(done -> {
                    started = true;
                    // Conversations created while the initial joins were running.
                    client.conversations().forEach(this::joinNew);
                    return userId;
                });
    }

    /** Someone started a conversation with the bot: join it and say what the bot does. */
    private void joinNew(Conversation conversation) {
        if (!joined.add(conversation.id())) {
            return;
        }
        client.joinConversation(conversation.id()).thenRun(() -> {
            if (!userId.equals(conversation.createdBy())) {
                client.sendMessage(conversation.id(), BotExample.GREETING);
            }
        }).exceptionally(e -> {
            log.warn("cannot join conversation {}: {}", conversation.id(), e.toString());
            return null;
        });
    }

    private void answer(Message message) {
        // Never answer itself, nor bodies it cannot read.
        if (message.senderId() == null || message.senderId().equals(userId) || message.encryptedContent() == null) {
            return;
        }
        brain.apply(message.encryptedContent())
                .ifPresent(reply -> client.sendMessage(message.conversationId(), reply));
    }

    @Override
    public void close() {
        client.close();
    }
}
