package dev.parley.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.parley.core.ChatEngine;
import dev.parley.core.memory.InMemoryChatStore;
import dev.parley.core.spi.Principal;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The example's custom message type, through a real engine. */
class RollDiceHandlerTest {
    private final ChatEngine engine = ChatEngine.builder()
            .store(new InMemoryChatStore())
            .authenticator(new DemoAuthenticator(Map.of("t", Principal.of("u-carol", "carol", null))))
            .handler("roll_dice", EmbeddedEngineExample.rollDice(new Random(7)))
            .build();

    @AfterEach
    void close() {
        engine.close();
    }

    @Test
    void rollsTheRequestedDieWithTheEmbeddersRandomSource() {
        engine.start();
        InProcessConnection carol = new InProcessConnection(engine, "t");
        carol.next("auth_success");
        Random same = new Random(7);

        JsonObject d20 = carol.call("roll_dice", JsonParser.parseString("{\"sides\":20}").getAsJsonObject());
        assertThat(d20.get("type").getAsString()).isEqualTo("dice_rolled");
        assertThat(d20.getAsJsonObject("payload").get("value").getAsInt()).isEqualTo(1 + same.nextInt(20));
        assertThat(d20.getAsJsonObject("payload").get("userId").getAsString()).isEqualTo("u-carol");

        JsonObject dflt = carol.call("roll_dice", new JsonObject());
        assertThat(dflt.getAsJsonObject("payload").get("sides").getAsInt()).isEqualTo(6);
        assertThat(dflt.getAsJsonObject("payload").get("value").getAsInt()).isEqualTo(1 + same.nextInt(6));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"sides\":1}", "{\"sides\":101}", "{\"sides\":2.5}", "{\"sides\":\"six\"}",
            "{\"sides\":null}", "{\"sides\":[6]}", "{\"sides\":1e20}"})
    void refusesDiceThatDoNotExistWithInvalidData(String payload) {
        engine.start();
        InProcessConnection carol = new InProcessConnection(engine, "t");
        carol.next("auth_success");

        JsonObject answer = carol.call("roll_dice", JsonParser.parseString(payload).getAsJsonObject());

        assertThat(answer.get("type").getAsString()).isEqualTo("error");
        assertThat(answer.getAsJsonObject("payload").get("code").getAsString()).isEqualTo("INVALID_DATA");
    }

    @Test
    void unauthenticatedConnectionsCannotRoll() {
        engine.start();
        InProcessConnection anonymous = new InProcessConnection(engine, null);

        JsonObject answer = anonymous.call("roll_dice", new JsonObject());

        assertThat(answer.get("type").getAsString()).isEqualTo("error");
        assertThat(answer.getAsJsonObject("payload").get("code").getAsString()).isEqualTo("UNAUTHORIZED");
    }
}
