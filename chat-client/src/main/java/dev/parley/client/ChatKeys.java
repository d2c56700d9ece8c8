package dev.parley.client;

import dev.parley.protocol.MessageType;
import dev.parley.protocol.payload.KeyPayloads.GetKeys;
import dev.parley.protocol.payload.KeyPayloads.KeyPublished;
import dev.parley.protocol.payload.KeyPayloads.KeyUpdated;
import dev.parley.protocol.payload.KeyPayloads.KeysLoaded;
import dev.parley.protocol.payload.KeyPayloads.PublicKeyInfo;
import dev.parley.protocol.payload.KeyPayloads.PublishKey;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The public-key directory ({@code keys} extension, protocol 6.11), from {@link ChatClient#keys()}:
 * publish this user's public keys and fetch those of users sharing a conversation, to encrypt
 * per-recipient bodies ({@link ChatClient#sendEncryptedMessage}). Keys are opaque strings; the
 * server computes each key's fingerprint (hex SHA-256 of its UTF-8 bytes), which clients compare
 * to notice a changed key. Failures are {@link ChatException}s ({@code INVALID_DATA},
 * {@code PAYLOAD_TOO_LARGE}, {@code RATE_LIMITED}).
 */
public final class ChatKeys {
    private final FacetContext ctx;
    private final List<Consumer<KeyUpdated>> listeners = new CopyOnWriteArrayList<>();

    ChatKeys(FacetContext ctx) {
        this.ctx = ctx;
        ctx.onEvents(Set.of("key_updated"), (type, payload) -> {
            KeyUpdated u = ctx.codec.readServerPayload(payload, KeyUpdated.class);
            listeners.forEach(l -> l.accept(u));
        });
    }

    /** Publishes (or replaces) this user's key of {@code keyType}, e.g. {@code x25519}. */
    public CompletableFuture<KeyPublished> publish(String keyType, String publicKey) {
        return ctx.call(MessageType.PUBLISH_KEY, new PublishKey(Objects.requireNonNull(publicKey),
                Objects.requireNonNull(keyType)), KeyPublished.class);
    }

    /**
     * The current keys of these users (this user included if listed); users sharing no conversation
     * with this one are left out. {@code keyType} {@code null}: every type each user published.
     */
    public CompletableFuture<List<PublicKeyInfo>> fetch(Collection<String> userIds, String keyType) {
        return ctx.call(() -> ctx.request(MessageType.GET_KEYS, new GetKeys(List.copyOf(userIds), keyType),
                KeysLoaded.class).thenApply(k -> k.keys() == null ? List.of() : List.copyOf(k.keys())));
    }

    /**
     * Hears of keys published by users sharing a conversation (needs {@code keys} in
     * {@link ChatClient.Builder#extensions}); called on the listener executor.
     */
    public void addListener(Consumer<KeyUpdated> listener) {
        listeners.add(Objects.requireNonNull(listener));
    }

    public void removeListener(Consumer<KeyUpdated> listener) {
        listeners.remove(listener);
    }
}
