package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.parley.core.EngineConfig;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.Extension;
import dev.parley.protocol.payload.CallPayloads.CallAnswerEvent;
import dev.parley.protocol.payload.CallPayloads.CallDeclineEvent;
import dev.parley.protocol.payload.CallPayloads.CallEndEvent;
import dev.parley.protocol.payload.CallPayloads.CallIceCandidateEvent;
import dev.parley.protocol.payload.CallPayloads.CallOfferEvent;
import dev.parley.protocol.payload.CallPayloads.CallStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ChatCalls} against the reference server: signalling between two and three users, its limits, two nodes. */
class CallsEndToEndTest extends ReferenceEndToEndBase {
    private static final Duration RING = Duration.ofSeconds(2);

    @TempDir
    Path secondNodeDir;

    @Override
    EngineConfig.Builder engineConfig() {
        return super.engineConfig().extensions(Set.of(Extension.CALLS, Extension.RESUME)).ringTimeout(RING);
    }

    /** Everything a client heard about calls, in order. */
    static final class Calls implements ChatCalls.Listener {
        final List<Object> events = new CopyOnWriteArrayList<>();

        @Override
        public void onIncomingCall(CallOfferEvent offer) {
            events.add(offer);
        }

        @Override
        public void onAnswered(CallAnswerEvent answer) {
            events.add(answer);
        }

        @Override
        public void onDeclined(CallDeclineEvent decline) {
            events.add(decline);
        }

        @Override
        public void onEnded(CallEndEvent end) {
            events.add(end);
        }

        @Override
        public void onIceCandidate(CallIceCandidateEvent candidate) {
            events.add(candidate);
        }

        @Override
        public void onStatus(CallStatus status) {
            events.add(status);
        }

        <T> List<T> of(Class<T> type) {
            return events.stream().filter(type::isInstance).map(type::cast).toList();
        }

        <T> T awaitOne(String what, Class<T> type) {
            await(what, () -> !of(type).isEmpty(), () -> "heard " + events);
            return of(type).get(0);
        }
    }

    private ChatClient caller(String userId, Calls calls, java.net.URI uri) {
        ChatClient c = client(userId, uri, null, b -> b.extensions(List.of(Extension.CALLS)));
        c.calls().addListener(calls);
        c.connect().join();
        return c;
    }

    private ChatClient caller(String userId, Calls calls) {
        return caller(userId, calls, server.uri());
    }

    private static JsonElement json(String text) {
        return JsonParser.parseString(text);
    }

    @Test
    void twoUsersRingAnswerExchangeCandidatesAndHangUp() {
        Calls aliceHears = new Calls();
        Calls bobHears = new Calls();
        ChatClient alice = caller("alice", aliceHears);
        ChatClient bob = caller("bob", bobHears);
        String conv = alice.createDirectConversation("bob").join().id();

        CallStatus calling = alice.calls().offer("bob", new JsonPrimitive("v=0 offer-from-alice"), "video", conv).join();
        assertThat(calling.status()).isEqualTo("calling");
        assertThat(calling.targetUser().id()).isEqualTo("bob");
        CallOfferEvent ring = bobHears.awaitOne("bob's phone rings", CallOfferEvent.class);
        assertThat(ring.callId()).isEqualTo(calling.callId());
        assertThat(ring.from()).isEqualTo("alice");
        assertThat(ring.callType()).isEqualTo("video");
        assertThat(ring.conversationId()).isEqualTo(conv);
        assertThat(ring.sdpOffer()).isEqualTo(new JsonPrimitive("v=0 offer-from-alice"));

        assertThat(bob.calls().answer(ring.callId(), json("{\"type\":\"answer\",\"sdp\":\"v=0 bob\"}")).join().status())
                .isEqualTo("connected");
        CallAnswerEvent answered = aliceHears.awaitOne("alice hears the answer", CallAnswerEvent.class);
        assertThat(answered.from()).isEqualTo("bob");
        assertThat(answered.sdpAnswer()).isEqualTo(json("{\"type\":\"answer\",\"sdp\":\"v=0 bob\"}"));

        JsonElement candidate = json("{\"candidate\":\"candidate:1 1 UDP 2122 192.0.2.1 5000 typ host\",\"sdpMid\":\"0\"}");
        assertThat(alice.calls().iceCandidate(calling.callId(), candidate).join().status()).isEqualTo("relayed");
        assertThat(bob.calls().iceCandidate(calling.callId(), new JsonPrimitive("bob-candidate")).join().status())
                .isEqualTo("relayed");
        assertThat(bobHears.awaitOne("bob gets alice's candidate", CallIceCandidateEvent.class).candidate())
                .isEqualTo(candidate);
        assertThat(aliceHears.awaitOne("alice gets bob's candidate", CallIceCandidateEvent.class).candidate())
                .isEqualTo(new JsonPrimitive("bob-candidate"));

        CallStatus ended = bob.calls().end(calling.callId(), "hangup").join();
        assertThat(ended.status()).isEqualTo("ended");
        assertThat(ended.duration()).isPresent();
        CallEndEvent end = aliceHears.awaitOne("alice hears the hang-up", CallEndEvent.class);
        assertThat(end.from()).isEqualTo("bob");
        assertThat(end.reason()).isEqualTo("hangup");
        // a party's request on an ended call: the call existed, so CONFLICT rather than NOT_FOUND
        assertThatThrownBy(() -> alice.calls().iceCandidate(calling.callId(), candidate).join()).cause()
                .isInstanceOfSatisfying(ChatException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT));
    }

    @Test
    void threeUsersOneCallAnsweredOnOneOfTwoDevicesWhileASecondCallerIsDeclinedBusy() {
        Calls aliceHears = new Calls();
        Calls bobPhoneHears = new Calls();
        Calls bobLaptopHears = new Calls();
        Calls carolHears = new Calls();
        ChatClient alice = caller("alice", aliceHears);
        ChatClient bobPhone = caller("bob", bobPhoneHears);
        ChatClient bobLaptop = caller("bob", bobLaptopHears);
        ChatClient carol = caller("carol", carolHears);
        String group = alice.createGroupConversation("trio", List.of("bob", "carol")).join().id();

        CallStatus aliceCall = alice.calls().offer("bob", new JsonPrimitive("offer-a"), null, group).join();
        bobPhoneHears.awaitOne("bob's phone rings", CallOfferEvent.class);
        CallOfferEvent onLaptop = bobLaptopHears.awaitOne("bob's laptop rings", CallOfferEvent.class);
        assertThat(onLaptop.callType()).isEqualTo("voice");

        assertThat(bobLaptop.calls().answer(onLaptop.callId(), new JsonPrimitive("answer-b")).join().status())
                .isEqualTo("connected");
        CallStatus elsewhere = bobPhoneHears.awaitOne("the phone stops ringing", CallStatus.class);
        assertThat(elsewhere.status()).isEqualTo("handled_elsewhere");
        assertThat(elsewhere.callId()).isEqualTo(aliceCall.callId());
        assertThatThrownBy(() -> bobPhone.calls().answer(aliceCall.callId(), new JsonPrimitive("late")).join()).cause()
                .isInstanceOfSatisfying(ChatException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT));

        CallStatus carolCall = carol.calls().offer("alice", new JsonPrimitive("offer-c"), null, null).join();
        CallOfferEvent carolRings = aliceHears.awaitOne("alice is rung by carol", CallOfferEvent.class);
        assertThat(carolRings.from()).isEqualTo("carol");
        assertThat(alice.calls().decline(carolRings.callId(), "busy").join().status()).isEqualTo("declined");
        CallDeclineEvent declined = carolHears.awaitOne("carol hears busy", CallDeclineEvent.class);
        assertThat(declined.callId()).isEqualTo(carolCall.callId());
        assertThat(declined.reason()).isEqualTo("busy");

        alice.calls().iceCandidate(aliceCall.callId(), new JsonPrimitive("after-answer")).join();
        bobLaptopHears.awaitOne("the answering device gets candidates", CallIceCandidateEvent.class);
        alice.calls().end(aliceCall.callId(), null).join();
        bobLaptopHears.awaitOne("the laptop hears the end", CallEndEvent.class);
        bob("the phone", bobPhoneHears, carolHears);
    }

    /** After the answer only the answering device takes part; nobody else heard the other call. */
    private static void bob(String what, Calls phone, Calls carol) {
        assertThat(phone.of(CallIceCandidateEvent.class)).as(what + " gets no candidates").isEmpty();
        assertThat(phone.of(CallEndEvent.class)).as(what + " hears no end").isEmpty();
        assertThat(phone.of(CallOfferEvent.class)).as(what + " rang once, for alice").hasSize(1);
        assertThat(carol.of(CallOfferEvent.class)).isEmpty();
    }

    @Test
    void aUserSharingNoConversationCannotRingAnyone() {
        Calls aliceHears = new Calls();
        ChatClient alice = caller("alice", aliceHears);
        connected("bob", null);
        ChatClient mallory = caller("mallory", new Calls());
        String conv = alice.createDirectConversation("bob").join().id();

        for (Supplier<CompletableFuture<CallStatus>> ring : List.<Supplier<CompletableFuture<CallStatus>>>of(
                () -> mallory.calls().offer("alice", new JsonPrimitive("x"), null, null),
                () -> mallory.calls().offer("alice", new JsonPrimitive("x"), null, conv))) {
            assertThatThrownBy(() -> ring.get().join()).cause().isInstanceOfSatisfying(ChatException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.ACCESS_DENIED));
        }
        alice.ping().join();
        assertThat(aliceHears.events).isEmpty();
    }

    @Test
    void anUnansweredCallEndsByTimeoutOnBothSides() {
        Calls aliceHears = new Calls();
        Calls bobHears = new Calls();
        ChatClient alice = caller("alice", aliceHears);
        ChatClient bob = caller("bob", bobHears);
        alice.createDirectConversation("bob").join();

        CallStatus calling = alice.calls().offer("bob", new JsonPrimitive("offer"), null, null).join();
        bobHears.awaitOne("bob's phone rings", CallOfferEvent.class);
        CallEndEvent callerSide = aliceHears.awaitOne("the caller hears the timeout", CallEndEvent.class);
        CallEndEvent calleeSide = bobHears.awaitOne("the callee stops ringing", CallEndEvent.class);
        assertThat(List.of(callerSide, calleeSide)).allSatisfy(e -> {
            assertThat(e.callId()).isEqualTo(calling.callId());
            assertThat(e.reason()).isEqualTo("timeout");
            assertThat(e.duration()).isNull();
        });
        assertThatThrownBy(() -> bob.calls().answer(calling.callId(), new JsonPrimitive("too late")).join()).cause()
                .isInstanceOfSatisfying(ChatException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT));
    }

    @Test
    void callsWorkBetweenUsersOnTwoNodesOfACluster() throws Exception {
        ClusterSupport cluster = ClusterSupport.open();
        server.close();
        server = null;
        ReferenceServer node1 = ReferenceServer.start(config, 0, dataDir, cluster::node);
        ReferenceServer node2 = closeLater(ReferenceServer.start(config, 0, secondNodeDir, cluster::node));
        server = node1;
        closeLater(() -> {
            node2.close();
            node1.close();
            cluster.close();
        });
        Calls aliceHears = new Calls();
        Calls bobHears = new Calls();
        ChatClient alice = caller("alice", aliceHears, node1.uri());
        ChatClient bob = caller("bob", bobHears, node2.uri());
        String conv = alice.createDirectConversation("bob").join().id();

        CallStatus calling = alice.calls().offer("bob", new JsonPrimitive("cross-node offer"), null, conv).join();
        assertThat(calling.status()).as("bob is online on the other node").isEqualTo("calling");
        CallOfferEvent ring = bobHears.awaitOne("bob rings on node 2", CallOfferEvent.class);
        bob.calls().answer(ring.callId(), new JsonPrimitive("cross-node answer")).join();
        assertThat(aliceHears.awaitOne("alice hears the answer on node 1", CallAnswerEvent.class).sdpAnswer())
                .isEqualTo(new JsonPrimitive("cross-node answer"));
        bob.calls().iceCandidate(ring.callId(), new JsonPrimitive("c-bob")).join();
        aliceHears.awaitOne("the candidate crosses nodes", CallIceCandidateEvent.class);
        alice.calls().end(ring.callId(), "bye").join();
        assertThat(bobHears.awaitOne("bob hears the end", CallEndEvent.class).reason()).isEqualTo("bye");

        CallStatus unanswered = bob.calls().offer("alice", new JsonPrimitive("again"), null, conv).join();
        aliceHears.awaitOne("alice rings on node 1", CallOfferEvent.class);
        await("both sides hear the timeout", () -> aliceHears.of(CallEndEvent.class).size() == 1
                && bobHears.of(CallEndEvent.class).size() == 2);
        assertThat(aliceHears.of(CallEndEvent.class).get(0).callId()).isEqualTo(unanswered.callId());
        assertThat(aliceHears.of(CallEndEvent.class).get(0).reason()).isEqualTo("timeout");
    }
}
