package dev.parley.protocol.payload;

import dev.parley.protocol.Rules.Limit;
import dev.parley.protocol.Rules.MaxBytes;
import dev.parley.protocol.Rules.MaxItems;
import dev.parley.protocol.Rules.Pattern;
import dev.parley.protocol.Rules.Required;
import java.time.Instant;
import java.util.List;

/** The public-key directory (6.11). */
public final class KeyPayloads {
    private static final String KEY_TYPE = "[a-z0-9_-]{1,32}";
    private static final String KEY_TYPE_REASON = "1 to 32 characters of a-z 0-9 _ -";

    private KeyPayloads() {
    }

    /** {@code publish_key}. */
    public record PublishKey(
            @Required @MaxBytes(Limit.PUBLIC_KEY) String publicKey,
            @Required @Pattern(value = KEY_TYPE, reason = KEY_TYPE_REASON) String keyType) {
    }

    /** {@code key_published}: the fingerprint is the hex SHA-256 of the key's UTF-8 bytes. */
    public record KeyPublished(String keyType, String fingerprint, Instant updatedAt) {
    }

    /** {@code get_keys}. */
    public record GetKeys(
            @Required @MaxItems(200) List<String> userIds,
            @Pattern(value = KEY_TYPE, reason = KEY_TYPE_REASON) String keyType) {
    }

    /** One published key. */
    public record PublicKeyInfo(String userId, String keyType, String publicKey, String fingerprint, Instant updatedAt) {
    }

    /** {@code keys_loaded}. */
    public record KeysLoaded(List<PublicKeyInfo> keys) {
    }

    /** {@code key_updated}: to users sharing a conversation with the publisher. */
    public record KeyUpdated(String userId, String keyType, String fingerprint, Instant updatedAt) {
    }
}
