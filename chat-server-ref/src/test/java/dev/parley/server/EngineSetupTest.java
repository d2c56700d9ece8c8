package dev.parley.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.parley.core.memory.InMemoryChatStore;
import dev.parley.core.spi.AuthException;
import dev.parley.core.spi.Principal;
import dev.parley.protocol.ErrorCode;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** An application serving its own engine setup through the reference server ({@code ChatServer.start(config, engineSetup)}). */
class EngineSetupTest {

    @Test
    void anApplicationsOwnMessageTypeIsServedOnTheServersPort() throws Exception {
        try (TestServer server = TestServer.start(new InMemoryChatStore(), b -> b, engine -> engine
                .handler("roll_dice", request -> {
                    int sides = request.payload().has("sides") ? request.payload().get("sides").getAsInt() : 6;
                    if (sides < 2 || sides > 100) {
                        request.fail(ErrorCode.INVALID_DATA, "sides must be 2-100");
                        return;
                    }
                    JsonObject rolled = new JsonObject();
                    rolled.addProperty("userId", request.userId());
                    rolled.addProperty("value", 1 + (int) (Math.random() * sides));
                    request.reply("dice_rolled", rolled);
                }));
             WsClient alice = server.login("alice")) {
            JsonObject ask = new JsonObject();
            ask.addProperty("sides", 6);
            JsonObject answer = alice.request("roll_dice", ask);

            assertThat(answer.get("type").getAsString()).isEqualTo("dice_rolled");
            assertThat(WsClient.payload(answer).get("userId").getAsString()).isEqualTo("alice");
            assertThat(WsClient.payload(answer).get("value").getAsInt()).isBetween(1, 6);

            ask.addProperty("sides", 1000);
            JsonObject refused = alice.request("roll_dice", ask);
            assertThat(refused.get("type").getAsString()).isEqualTo("error");
            assertThat(WsClient.payload(refused).get("code").getAsString()).isEqualTo("INVALID_DATA");
        }
    }

    @Test
    void whatTheSetupSetsWinsOverTheServersOwnWiring() throws Exception {
        // The application's token check replaces the server's JWT check.
        try (TestServer server = TestServer.start(new InMemoryChatStore(), b -> b, engine -> engine
                .authenticator(token -> token.startsWith("app:")
                        ? CompletableFuture.completedFuture(Principal.of(token.substring(4), token.substring(4), null))
                        : CompletableFuture.failedFuture(new AuthException(AuthException.Reason.INVALID, "not ours"))));
             WsClient app = WsClient.connect(server.ws("/ws"));
             WsClient jwt = WsClient.connect(server.ws("/ws"))) {
            JsonObject appToken = new JsonObject();
            appToken.addProperty("token", "app:carol");
            JsonObject accepted = app.request("auth", appToken);
            assertThat(accepted.get("type").getAsString()).isEqualTo("auth_success");
            assertThat(WsClient.payload(accepted).getAsJsonObject("user").get("id").getAsString()).isEqualTo("carol");

            JsonObject jwtToken = new JsonObject();
            jwtToken.addProperty("token", TestServer.token("dave"));
            JsonObject refused = jwt.request("auth", jwtToken);
            assertThat(refused.get("type").getAsString()).isEqualTo("error");
            assertThat(WsClient.payload(refused).get("code").getAsString()).isEqualTo("INVALID_TOKEN");
        }
    }
}
