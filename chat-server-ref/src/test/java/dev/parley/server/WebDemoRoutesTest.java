package dev.parley.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The web demo's files at {@code /} and the dev-mode token route, over real HTTP. */
class WebDemoRoutesTest {
    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void theDemoPageAndItsFilesAreServedWithTheirContentTypes() throws Exception {
        server = TestServer.start();
        HttpResponse<String> index = server.get("/");
        assertThat(index.statusCode()).isEqualTo(200);
        assertThat(index.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(index.body()).contains("<script src=\"/app.js\">");
        assertThat(server.get("/index.html").body()).isEqualTo(index.body());
        HttpResponse<String> js = server.get("/app.js");
        assertThat(js.statusCode()).isEqualTo(200);
        assertThat(js.headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
        assertThat(js.body()).contains("load_more_messages");
        HttpResponse<String> css = server.get("/style.css");
        assertThat(css.headers().firstValue("Content-Type")).hasValue("text/css; charset=utf-8");
        assertThat(css.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    }

    @Test
    void onlyTheAllowListedFilesAreServed() throws Exception {
        server = TestServer.start();
        for (String path : new String[] {"/web/index.html", "/../web/app.js", "/%2e%2e/parley-server-logback.xml", "/parley-server-logback.xml",
                "/dev/../app.js", "/app.js/", "/dev/token/alice"}) {
            assertThat(server.get(path).statusCode()).as(path).isEqualTo(404);
        }
        assertThat(server.get("/ws").statusCode()).isEqualTo(426);
        assertThat(server.get("/health").statusCode()).isEqualTo(200);
    }

    @Test
    void theWebSocketUpgradeOnSlashStillWorks() throws Exception {
        server = TestServer.start();
        try (WsClient c = WsClient.connect(server.ws("/?token=" + TestServer.token("bob")))) {
            assertThat(c.next("auth_success")).isNotNull();
        }
    }

    @Test
    void devModeMintsTokensTheServerAccepts() throws Exception {
        server = TestServer.start(b -> b.jwtSecret(null));
        HttpResponse<String> answer = server.get("/dev/token/carol.dev-1");
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
        String token = JsonParser.parseString(answer.body()).getAsJsonObject().get("token").getAsString();
        try (WsClient c = WsClient.connect(server.ws("/ws?token=" + token))) {
            assertThat(c.next("auth_success").getAsJsonObject("payload").getAsJsonObject("user").get("id").getAsString())
                    .isEqualTo("carol.dev-1");
        }
        assertThat(server.get("/dev/token/bad%20name").statusCode()).isEqualTo(400);
        assertThat(server.get("/dev/token/").statusCode()).isEqualTo(400);
        assertThat(server.get("/dev/token/" + "x".repeat(65)).statusCode()).isEqualTo(400);
    }
}
