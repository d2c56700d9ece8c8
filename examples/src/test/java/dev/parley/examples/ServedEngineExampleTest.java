package dev.parley.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.parley.core.EngineConfig;
import org.junit.jupiter.api.Test;

class ServedEngineExampleTest {

    @Test
    void rollDiceIsAnsweredOverTheServersPort() throws Exception {
        try (DevModeServer server = DevModeServer.start(EngineConfig.builder().build(), ServedEngineExample::start)) {
            BotExampleTest.UserClient alice = BotExampleTest.UserClient.connect(server.uri(), server.token("alice"));
            JsonObject ask = new JsonObject();
            ask.addProperty("sides", 20);
            alice.request("roll_dice", ask);

            JsonObject rolled = alice.next("dice_rolled").getAsJsonObject("payload");
            assertThat(rolled.get("userId").getAsString()).isEqualTo("alice");
            assertThat(rolled.get("value").getAsInt()).isBetween(1, 20);

            ask.addProperty("sides", 1000);
            alice.request("roll_dice", ask);
            assertThat(alice.next("error").getAsJsonObject("payload").get("code").getAsString()).isEqualTo("INVALID_DATA");
            alice.closeBlocking();
        }
    }
}
