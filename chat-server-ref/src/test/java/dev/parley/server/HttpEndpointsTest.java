package dev.parley.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.parley.core.memory.InMemoryChatStore;
import dev.parley.core.spi.ChatStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Plain HTTP on the WebSocket port. */
class HttpEndpointsTest {
    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** An in-memory store whose health a test can switch off. */
    private static ChatStore switchableHealth(AtomicBoolean healthy) {
        InMemoryChatStore delegate = new InMemoryChatStore();
        return (ChatStore) Proxy.newProxyInstance(ChatStore.class.getClassLoader(), new Class<?>[] {ChatStore.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("isHealthy")) {
                        return healthy.get();
                    }
                    try {
                        return method.invoke(delegate, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void healthIsOkWhileTheStoreIsHealthyAnd503Otherwise() throws Exception {
        AtomicBoolean healthy = new AtomicBoolean(true);
        server = TestServer.start(switchableHealth(healthy), b -> b);
        HttpResponse<String> ok = server.get("/health");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
        assertThat(JsonParser.parseString(ok.body()).getAsJsonObject().get("status").getAsString()).isEqualTo("ok");

        healthy.set(false);
        HttpResponse<String> down = awaitStatus("/health", 503);
        assertThat(JsonParser.parseString(down.body()).getAsJsonObject().get("status").getAsString()).isEqualTo("unavailable");

        healthy.set(true);
        awaitStatus("/health", 200);
    }

    private HttpResponse<String> awaitStatus(String path, int status) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        HttpResponse<String> r = server.get(path);
        while (r.statusCode() != status && System.nanoTime() < deadline) {
            Thread.sleep(50);
            r = server.get(path);
        }
        assertThat(r.statusCode()).isEqualTo(status);
        return r;
    }

    @Test
    void statsReportConnectionsRoomsAndOnlineUsers() throws Exception {
        server = TestServer.start();
        try (WsClient alice = server.login("alice"); WsClient anon = WsClient.connect(server.ws("/"))) {
            assertThat(alice.isOpen() && anon.isOpen()).isTrue();
            HttpResponse<String> r = server.get("/stats");
            assertThat(r.statusCode()).isEqualTo(200);
            JsonObject stats = JsonParser.parseString(r.body()).getAsJsonObject();
            assertThat(stats.get("totalConnections").getAsInt()).isEqualTo(2);
            assertThat(stats.get("authenticatedConnections").getAsInt()).isEqualTo(1);
            assertThat(stats.getAsJsonObject("roomStats").getAsJsonArray("onlineUsers").toString()).isEqualTo("[\"alice\"]");
            assertThat(stats.getAsJsonObject("counters").get("connectionsOpened").getAsLong()).isEqualTo(2);
        }
    }

    @Test
    void metricsAreInPrometheusTextFormat() throws Exception {
        server = TestServer.start();
        try (WsClient alice = server.login("alice")) {
            alice.request("ping", new JsonObject());
            HttpResponse<String> r = server.get("/metrics");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValue(HttpRoutes.PROMETHEUS_TEXT);
            assertThat(r.body())
                    .contains("# TYPE parley_connections gauge\nparley_connections 1\n")
                    .contains("parley_authenticated_connections 1\n")
                    .contains("# TYPE parley_connections_opened_total counter\nparley_connections_opened_total 1\n")
                    .containsPattern("parley_frames_in_total [1-9]")
                    .containsPattern("jvm_memory_used_bytes\\{area=\"heap\"\\} [0-9]+")
                    .contains("process_uptime_seconds")
                    .containsPattern("# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total [0-9]+\\.[0-9]{3}\n");
            // The server has done work, so it has used CPU time.
            assertThat(r.body()).doesNotContain("process_cpu_seconds_total 0.000\n");
            for (String line : r.body().split("\n")) {
                assertThat(line).matches("# (HELP|TYPE) .*|[a-z_]+(\\{[a-z]+=\"[^\"]*\"\\})? -?[0-9.]+(E[0-9]+)?");
            }
        }
    }

    @Test
    void errorCountersBecomeOneLabelledFamily() throws Exception {
        server = TestServer.start();
        try (WsClient anon = WsClient.connect(server.ws("/"))) {
            anon.request("load_conversations", new JsonObject());
            String body = server.get("/metrics").body();
            assertThat(body).contains("parley_errors_total{code=\"UNAUTHORIZED\"} 1");
            assertThat(body.split("# TYPE parley_errors_total counter", -1)).hasSize(2);
        }
    }
}
