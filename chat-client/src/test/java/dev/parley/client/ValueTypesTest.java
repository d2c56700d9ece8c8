package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.protocol.ErrorCode;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ValueTypesTest {

    @Test
    void errorCodesOfTheOriginalServerMapToVersionOneCodes() {
        assertThat(ChatException.mapCode("MISSING_CONVERSATION_ID")).isEqualTo(ErrorCode.MISSING_REQUIRED_FIELDS);
        assertThat(ChatException.mapCode("MESSAGE_NOT_FOUND")).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(ChatException.mapCode("INVALID_ENCRYPTED_CONTENTS")).isEqualTo(ErrorCode.INVALID_DATA);
        assertThat(ChatException.mapCode("RATE_LIMITED")).isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(ChatException.mapCode("SOMETHING_NEW")).isEqualTo(ErrorCode.SERVER_ERROR);
    }

    @Test
    void aRejectionKeepsTheWireCodeAndImmutableDetails() {
        ChatException e = ChatException.rejected("SOMETHING_NEW", "", Map.of("retryAfterMs", 500L));
        assertThat(e.kind()).isEqualTo(ChatException.Kind.REJECTED);
        assertThat(e.wireCode()).isEqualTo("SOMETHING_NEW");
        assertThat(e.getMessage()).isEqualTo("SOMETHING_NEW");
        assertThatThrownBy(() -> e.details().put("x", 1)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void localFailuresHaveNoProtocolCode() {
        ChatException e = ChatException.local(ChatException.Kind.TIMEOUT, "no answer");
        assertThat(e.code()).isNull();
        assertThat(e.details()).isEmpty();
    }

    @Test
    void reconnectPolicyRejectsNonsense() {
        assertThatThrownBy(() -> ReconnectPolicy.withDelays(Duration.ZERO, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ReconnectPolicy.withDelays(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ReconnectPolicy(true, Duration.ofSeconds(1), Duration.ofSeconds(2), 1.5,
                Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void connectionStateSaysWhetherConnectedAndAuthenticated() {
        ConnectionState connected = new ConnectionState(ConnectionState.Phase.CONNECTED, null, null, null, null, 0);
        assertThat(connected.connected()).isTrue();
        assertThat(connected.authenticated()).isFalse();
        assertThat(connected.extensions()).isEmpty();
        ConnectionState waiting = new ConnectionState(ConnectionState.Phase.RECONNECTING, null, Set.of("resume"),
                null, "connection closed (1006)", 3);
        assertThat(waiting.connected()).isFalse();
        assertThat(waiting.authenticated()).isFalse();
    }

    @Test
    void theBuilderNeedsAWebSocketUrl() {
        assertThatThrownBy(() -> ChatClient.builder().serverUrl("http://example.org"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ChatClient.builder().build()).isInstanceOf(IllegalStateException.class);
    }
}
