package dev.parley.core;

import dev.parley.core.spi.BrokerEvent;
import dev.parley.core.spi.ChatStore;
import dev.parley.protocol.Extension;
import dev.parley.protocol.MessageType;
import dev.parley.protocol.Timestamps;
import dev.parley.protocol.payload.KeyPayloads.GetKeys;
import dev.parley.protocol.payload.KeyPayloads.KeyPublished;
import dev.parley.protocol.payload.KeyPayloads.KeyUpdated;
import dev.parley.protocol.payload.KeyPayloads.KeysLoaded;
import dev.parley.protocol.payload.KeyPayloads.PublicKeyInfo;
import dev.parley.protocol.payload.KeyPayloads.PublishKey;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The public-key directory (protocol 6.11): one current opaque key per (user, key type), handed
 * only to users who share a conversation, so encrypting clients need no HTTP side channel.
 */
final class KeyHandlers {
    private final ChatEngine engine;
    private final ChatStore store;

    KeyHandlers(ChatEngine engine) {
        this.engine = engine;
        this.store = engine.chatStore();
    }

    void publish(Session s, PublishKey req, String requestId) {
        String me = s.userId();
        engine.takeToken(UserRateLimits.Kind.PUBLISH_KEY, me);
        PublicKeyInfo key = store.publishKey(new PublicKeyInfo(me, req.keyType(), req.publicKey(),
                fingerprint(req.publicKey()), Timestamps.truncate(engine.now())));
        s.send(MessageType.KEY_PUBLISHED, new KeyPublished(key.keyType(), key.fingerprint(), key.updatedAt()), requestId);
        String frame = engine.encode(MessageType.KEY_UPDATED,
                new KeyUpdated(me, key.keyType(), key.fingerprint(), key.updatedAt()));
        BrokerEvent toContacts = new BrokerEvent(frame, null, null, null, Extension.KEYS.wireName());
        for (String contact : store.contactsOf(me, null)) {
            engine.publishToUser(contact, toContacts);
        }
        engine.publishToUser(me, new BrokerEvent(frame, null, null, s.id(), Extension.KEYS.wireName()));
    }

    void get(Session s, GetKeys req, String requestId) {
        String me = s.userId();
        Set<String> visible = new LinkedHashSet<>(store.contactsOf(me, req.userIds()));
        if (req.userIds().contains(me)) {
            visible.add(me);
        }
        s.send(MessageType.KEYS_LOADED, new KeysLoaded(store.keysOf(visible, req.keyType())), requestId);
    }

    /** Lowercase hex SHA-256 of the key's UTF-8 bytes. */
    static String fingerprint(String publicKey) {
        return HexFormat.of().formatHex(FileHandlers.newSha256().digest(publicKey.getBytes(StandardCharsets.UTF_8)));
    }
}
