package dev.parley.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class OriginPolicyTest {

    @Test
    void requestsWithoutOriginAndSameOriginPagesAreAlwaysAllowed() {
        OriginPolicy strict = OriginPolicy.of(null, false);
        assertThat(strict.allows(null, "chat.example.org")).isTrue();
        assertThat(strict.allows("", "chat.example.org")).isTrue();
        assertThat(strict.allows("https://chat.example.org", "chat.example.org")).isTrue();
        assertThat(strict.allows("https://chat.example.org:443", "chat.example.org")).isTrue();
        assertThat(strict.allows("http://localhost:8080", "localhost:8080")).isTrue();
        assertThat(strict.allows("http://localhost:3000", "localhost:8080")).isFalse();
        assertThat(strict.allows("https://evil.example", "chat.example.org")).isFalse();
        assertThat(strict.allows("null", "chat.example.org")).isFalse();
    }

    @Test
    void listedOriginsMatchCaseInsensitivelyAndStarAllowsAny() {
        OriginPolicy listed = OriginPolicy.of(List.of("https://App.Example/"), false);
        assertThat(listed.allows("https://app.example", "chat.example.org")).isTrue();
        assertThat(listed.allows("https://app.example.evil", "chat.example.org")).isFalse();
        assertThat(OriginPolicy.of(List.of("*"), false).allows("https://anything.example", "x")).isTrue();
    }

    @Test
    void devModeWithoutAListAllowsAnyOrigin() {
        assertThat(OriginPolicy.of(null, true).allows("http://localhost:5173", "127.0.0.1:8080")).isTrue();
        assertThat(OriginPolicy.of(List.of("https://a.example"), true).allows("https://b.example", "x")).isFalse();
    }
}
