package dev.parley.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.model.AuthUser;
import dev.parley.protocol.model.Conversation;
import dev.parley.protocol.model.FileInfo;
import dev.parley.protocol.model.Message;
import dev.parley.protocol.model.Participant;
import dev.parley.protocol.model.Reaction;
import dev.parley.protocol.model.ReplyPreview;
import dev.parley.protocol.model.User;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Keeps docs/protocol.md in step with the code: every type, extension, error code and field name is documented. */
class ProtocolDocumentationTest {
    private static final Path DOC = Path.of("..", "docs", "protocol.md");

    private static String doc() throws IOException {
        assertThat(DOC).as("the protocol reference next to this module").exists();
        return Files.readString(DOC, StandardCharsets.UTF_8);
    }

    @Test
    void everyMessageTypeExtensionAndErrorCodeIsDocumented() throws IOException {
        String doc = doc();
        List<String> missing = new ArrayList<>();
        for (MessageType t : MessageType.values()) {
            if (!doc.contains("`" + t.wireName() + "`")) {
                missing.add(t.wireName());
            }
        }
        for (Extension e : Extension.values()) {
            if (!doc.contains("`" + e.wireName() + "`")) {
                missing.add("extension " + e.wireName());
            }
        }
        for (ErrorCode c : ErrorCode.values()) {
            if (!doc.contains("`" + c.name() + "`")) {
                missing.add("code " + c.name());
            }
        }
        assertThat(missing).isEmpty();
    }

    @Test
    void everyPayloadAndResourceFieldIsDocumentedByItsWireName() throws IOException {
        String doc = doc();
        Set<Class<?>> records = new java.util.LinkedHashSet<>();
        for (MessageType t : MessageType.values()) {
            if (t.requestPayload() != null) {
                records.add(t.requestPayload());
            }
            if (t.serverPayload() != null) {
                records.add(t.serverPayload());
            }
        }
        records.addAll(List.of(User.class, AuthUser.class, Participant.class, Conversation.class, Message.class,
                ReplyPreview.class, Reaction.class, FileInfo.class));
        List<String> missing = new ArrayList<>();
        for (Class<?> type : records) {
            for (RecordModel.Component c : RecordModel.of(type).components) {
                if (c.annotation(WireFormat.Inline.class) != null) {
                    continue;
                }
                for (String name : names(c)) {
                    if (!mentions(doc, name)) {
                        missing.add(type.getSimpleName() + "." + name);
                    }
                }
            }
        }
        assertThat(missing).isEmpty();
    }

    private static List<String> names(RecordModel.Component c) {
        List<String> names = new ArrayList<>(List.of(c.wireName));
        names.addAll(List.of(c.alternates));
        return names;
    }

    /** The name appears as code: alone in backticks, or inside a backticked field list such as `{id, name}`. */
    private static boolean mentions(String doc, String name) {
        return doc.contains("`" + name + "`") || doc.matches("(?s).*`[^`\\n]*[{\\[, ]" + java.util.regex.Pattern.quote(name) + "[?,}\\] :][^`\\n]*`.*");
    }
}
