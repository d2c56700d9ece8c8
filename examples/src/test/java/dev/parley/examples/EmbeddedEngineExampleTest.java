package dev.parley.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class EmbeddedEngineExampleTest {

    @Test
    void mainPrintsTheConversationBetweenTwoUsersWithTheCustomDiceType() {
        String output = runMain();

        assertThat(output).contains(
                "alice and bob are online",
                "alice opened a direct conversation with bob",
                "[bob receives] alice: Hi Bob! Shall we roll for who buys lunch?",
                "alice asked for a 1000-sided die: INVALID_DATA",
                "history holds 2 messages",
                "\"onlineUsers\":[\"u-alice\",\"u-bob\"]");
        Matcher rolled = Pattern.compile("bob rolled a (\\d+) with roll_dice").matcher(output);
        assertThat(rolled.find()).as("dice line in:%n%s", output).isTrue();
        int value = Integer.parseInt(rolled.group(1));
        assertThat(value).isBetween(1, 6);
        // Bob's message quoting his roll reaches Alice through the engine.
        assertThat(output).contains("[alice receives] bob: I rolled a " + value + ", your turn.");
    }

    private static String runMain() {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            EmbeddedEngineExample.main(new String[0]);
        } finally {
            System.setOut(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
