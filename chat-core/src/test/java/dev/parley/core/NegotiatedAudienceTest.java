package dev.parley.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.parley.core.testkit.TestAuthenticator;
import dev.parley.protocol.Extension;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * On one node the engine skips the unread counts and presence updates that no connection
 * negotiated: connections that negotiate them later, on a refresh, or after others closed, must
 * get every one they are owed.
 */
class NegotiatedAudienceTest extends EngineHarness {
    private Client alice;
    private Client bob;
    private String conv;

    @BeforeEach
    void setUp() {
        useConfig(EngineConfig.builder().extensions(Set.of(Extension.RECEIPTS, Extension.PRESENCE)).build());
        alice = login("alice");
        bob = login("bob");
        conv = createConversation(alice, "direct", "bob");
        bob.next("conversation_created");
    }

    private void aliceSends(String content) {
        alice.call("send_message", "{\"conversationId\":\"" + conv + "\",\"content\":\"" + content + "\"}");
        alice.call("ping", "{}"); // the send's later events (unread counts) have gone out
    }

    private static int unreadCount(Client c) {
        return payload(c.next("unread_update")).get("unreadCount").getAsInt();
    }

    @Test
    void aConnectionThatNegotiatesReceiptsLaterCountsWhatWasSentBefore() {
        aliceSends("one");
        aliceSends("two");
        Client bobPhone = login("bob", "receipts");
        aliceSends("three");
        assertThat(unreadCount(bobPhone)).isEqualTo(3);
    }

    @Test
    void aRefreshAddingReceiptsStartsUnreadUpdatesAndOneDroppingThemStopsThem() {
        String token = TestAuthenticator.token("bob");
        assertThat(bob.call("auth", "{\"token\":\"" + token + "\",\"extensions\":[\"receipts\"]}")
                .get("type").getAsString()).isEqualTo("auth_success");
        aliceSends("one");
        assertThat(unreadCount(bob)).isEqualTo(1);

        assertThat(bob.call("auth", "{\"token\":\"" + token + "\",\"extensions\":[]}")
                .get("type").getAsString()).isEqualTo("auth_success");
        Client bobPhone = login("bob", "receipts");
        aliceSends("two");
        assertThat(unreadCount(bobPhone)).isEqualTo(2);
        bob.call("ping", "{}");
        assertThat(bob.transport.allFrames()).noneMatch(f -> f.get("type").getAsString().equals("unread_update")
                && payload(f).get("unreadCount").getAsInt() == 2);
    }

    @Test
    void receiptsConnectionsThatClosedDoNotHideTheNextOne() {
        for (int i = 0; i < 3; i++) {
            login("bob", "receipts").close();
            Client closedWhileAuthenticating = connect();
            closedWhileAuthenticating.send("auth", "{\"token\":\"" + TestAuthenticator.token("bob")
                    + "\",\"extensions\":[\"receipts\"]}");
            closedWhileAuthenticating.close();
        }
        aliceSends("one");
        Client bobTablet = login("bob", "receipts");
        aliceSends("two");
        assertThat(unreadCount(bobTablet)).isEqualTo(2);
    }

    @Test
    void aConnectionIsUncountedOnceHoweverOftenItsCleanupRuns() {
        Client phone = login("bob", "receipts");
        Client tablet = login("bob", "receipts");
        phone.session.releaseExtensions();
        phone.close(); // its cleanup releases again, before the engine forgets the connection
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (engine.stats().totalConnections() > 3 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        aliceSends("one");
        assertThat(unreadCount(tablet)).isEqualTo(1);
        assertThat(engine.mayHaveAudience(Extension.RECEIPTS)).isTrue();
    }

    @Test
    void aContactThatNegotiatesPresenceLaterSeesComingAndGoing() {
        alice.close();
        alice = login("alice");
        Client bobPhone = login("bob", "presence");
        alice.close();
        JsonObject gone = payload(bobPhone.next("presence_update"));
        assertThat(gone.get("userId").getAsString()).isEqualTo("alice");
        assertThat(gone.get("status").getAsString()).isEqualTo("offline");
        login("alice");
        JsonObject back = payload(bobPhone.next("presence_update"));
        assertThat(back.get("userId").getAsString()).isEqualTo("alice");
        assertThat(back.get("status").getAsString()).isEqualTo("online");
    }
}
