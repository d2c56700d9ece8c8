package dev.parley.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.protocol.model.Conversation;
import dev.parley.protocol.model.ConversationType;
import dev.parley.protocol.model.User;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/** The small value types around the codec: limits, extension names, text measures, resource helpers. */
class ValueTypesTest {

    @Test
    void defaultLimitsAreTheProtocolDefaults() {
        ProtocolLimits d = ProtocolLimits.DEFAULTS;
        assertThat(d.maxFrameBytes()).isEqualTo(1 << 20);
        assertThat(d.maxContentBytes()).isEqualTo(65536);
        assertThat(d.maxMetadataBytes()).isEqualTo(4096);
        assertThat(d.maxNameChars()).isEqualTo(100);
        assertThat(d.maxGroupSize()).isEqualTo(256);
        assertThat(d.maxRequestIdChars()).isEqualTo(128);
        assertThat(d.maxNestingDepth()).isEqualTo(32);
        assertThat(d.defaultPageSize()).isEqualTo(50);
        assertThat(d.maxPageSize()).isEqualTo(100);
        assertThat(d.maxFileBytes()).isEqualTo(25L * 1024 * 1024);
        assertThat(d.fileChunkBytes()).isEqualTo(49152);
        assertThat(d.toBuilder().build()).isEqualTo(d);
        assertThat(JsonCodec.standard().limits()).isEqualTo(d);
    }

    @Test
    void nonsensicalLimitsAreRefusedWhenBuilt() {
        assertThatThrownBy(() -> ProtocolLimits.builder().maxContentBytes(0).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxContentBytes");
        assertThatThrownBy(() -> ProtocolLimits.builder().maxGroupSize(1).build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ProtocolLimits.builder().defaultPageSize(101).build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ProtocolLimits.builder().maxFileBytes(0).build()).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void extensionsAreNamedInLowerCaseAndLookedUpExactly() {
        assertThat(Extension.REACTIONS.wireName()).isEqualTo("reactions");
        assertThat(Extension.E2EE.wireName()).isEqualTo("e2ee");
        for (Extension e : Extension.values()) {
            assertThat(Extension.fromWire(e.wireName())).contains(e);
        }
        assertThat(Extension.fromWire("Reactions")).isEmpty();
        assertThat(Extension.fromWire("video")).isEmpty();
    }

    @Test
    void everyExtensionTypeNamesItsExtension() {
        assertThat(MessageType.SEND_MESSAGE.extension()).isNull();
        assertThat(MessageType.ADD_REACTION.extension()).isEqualTo(Extension.REACTIONS);
        assertThat(MessageType.KEY_UPDATED.extension()).isEqualTo(Extension.KEYS);
        for (MessageType t : MessageType.values()) {
            assertThat(t.isClientSendable() || t.isServerSendable()).as(t.wireName()).isTrue();
        }
    }

    @Property(tries = 500)
    void utf8LengthIsTheEncodedLengthOfWellFormedText(@ForAll String s) {
        if (Text.isWellFormed(s)) {
            assertThat(Text.utf8Length(s)).isEqualTo(s.getBytes(StandardCharsets.UTF_8).length);
        }
    }

    @Property(tries = 500)
    void wellFormedMeansEncodableAsUtf8(@ForAll String s) {
        boolean encodable;
        try {
            StandardCharsets.UTF_8.newEncoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).encode(CharBuffer.wrap(s));
            encodable = true;
        } catch (CharacterCodingException e) {
            encodable = false;
        }
        assertThat(Text.isWellFormed(s)).isEqualTo(encodable);
    }

    @Test
    void textMeasuresOfEdgeCases() {
        assertThat(Text.utf8Length("")).isZero();
        assertThat(Text.utf8Length("aé€😀")).isEqualTo(1 + 2 + 3 + 4);
        assertThat(Text.utf8Length("\uD800")).isEqualTo(3);
        assertThat(Text.isWellFormed("😀")).isTrue();
        assertThat(Text.isWellFormed("\uDE00\uD83D")).isFalse();
        assertThat(Text.isWellFormed("x\uD83D")).isFalse();
    }

    @Test
    void typingNameIsTheUsernameElseTheDisplayName() {
        assertThat(User.of("u-1", "alice", "Alice", null).typingName()).isEqualTo("alice");
        assertThat(User.of("u-1", "", "Alice", null).typingName()).isEqualTo("Alice");
        assertThat(User.of("u-1", null, "Alice", null).typingName()).isEqualTo("Alice");
    }

    @Test
    void theConversationBuilderFillsBothSpellingsAndTheLatestMessage() {
        Conversation c = Conversation.builder().id("c-1").type(ConversationType.GROUP).name("Team").avatarUrl("a.png")
                .latestMessage(Samples.reply()).build();
        assertThat(c.conversationId()).isEqualTo(c.id());
        assertThat(c.conversationType()).isEqualTo(ConversationType.GROUP);
        assertThat(c.conversationName()).isEqualTo("Team");
        assertThat(c.conversationAvatarUrl()).isEqualTo("a.png");
        assertThat(c.latestMessageId()).isEqualTo("m-2");
        assertThat(c.latestMessageSenderUsername()).isEqualTo("bob");
        assertThat(c.lastMessageAt()).isEqualTo(c.latestMessageCreatedAt()).isEqualTo(Samples.reply().createdAt());
        assertThat(c.participantCount()).isZero();

        Conversation empty = Conversation.builder().id("c-2").latestMessage(null).build();
        assertThat(empty.latestMessageId()).isNull();
        assertThat(empty.lastMessageAt()).isNull();
    }

    @Test
    void conversationTypesAndRolesUseLowerCaseOnTheWire() {
        assertThat(JsonCodec.standard().toJson(ConversationType.ROOM)).isEqualTo("\"room\"");
        assertThat(ConversationType.DIRECT.wireName()).isEqualTo("direct");
        assertThat(JsonCodec.standard().toJson(dev.parley.protocol.model.Role.MODERATOR)).isEqualTo("\"moderator\"");
    }
}
