package dev.parley.examples;

import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Gets a token from the reference server in development mode, which answers
 * {@code GET /dev/token/<user>} on its WebSocket port (loopback only) with {@code {"token": "..."}}.
 * A server in production mode answers 404: then the token has to come from the real identity provider.
 */
final class DevTokens {
    private DevTokens() {
    }

    /** The token for {@code user} from the dev-mode server behind this WebSocket URL. */
    static String fetch(URI webSocketUrl, String user) throws IOException, InterruptedException {
        String scheme = "wss".equalsIgnoreCase(webSocketUrl.getScheme()) ? "https" : "http";
        URI tokenUrl = URI.create(scheme + "://" + webSocketUrl.getRawAuthority() + "/dev/token/"
                + URLEncoder.encode(user, StandardCharsets.UTF_8));
        HttpResponse<String> answer = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
                .send(HttpRequest.newBuilder(tokenUrl).timeout(Duration.ofSeconds(10)).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() == 404) {
            throw new IOException("the server at " + webSocketUrl.getRawAuthority()
                    + " is not in development mode: set PARLEY_TOKEN to a token it accepts");
        }
        if (answer.statusCode() != 200) {
            throw new IOException("the server refused a dev token for '" + user + "': " + answer.statusCode()
                    + " " + answer.body().strip());
        }
        return JsonParser.parseString(answer.body()).getAsJsonObject().get("token").getAsString();
    }
}
