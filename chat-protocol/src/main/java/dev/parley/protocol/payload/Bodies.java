package dev.parley.protocol.payload;

import dev.parley.protocol.ProtocolException;
import java.util.List;
import java.util.Map;

/** The body rules shared by {@code send_message}, {@code edit_message} and file messages (3.6, 6.10). */
final class Bodies {
    static final String CLIENT_MESSAGE_ID = "[A-Za-z0-9._:-]{1,64}";

    private Bodies() {
    }

    /**
     * Checks that at most one of {@code content} and {@code encryptedContents} is given (and,
     * when {@code required}, exactly one), and that no per-recipient copy is empty. An empty
     * {@code content} counts as absent.
     */
    static void check(String content, Map<String, String> encryptedContents, boolean required) {
        boolean hasContent = content != null && !content.isEmpty();
        boolean hasCopies = encryptedContents != null && !encryptedContents.isEmpty();
        if (hasContent && hasCopies) {
            throw ProtocolException.invalidData("content", "give either content or encryptedContents, not both");
        }
        if (required && !hasContent && !hasCopies) {
            throw ProtocolException.missingFields(List.of("content"));
        }
        if (encryptedContents != null) {
            for (Map.Entry<String, String> e : encryptedContents.entrySet()) {
                if (e.getKey().isEmpty() || e.getValue() == null || e.getValue().isEmpty()) {
                    throw ProtocolException.invalidData("encryptedContents", "each entry needs a user id and a non-empty body");
                }
            }
        }
    }
}
