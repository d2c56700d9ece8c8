package dev.parley.client;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.parley.protocol.MessageType;
import dev.parley.protocol.payload.CallPayloads.CallAnswer;
import dev.parley.protocol.payload.CallPayloads.CallAnswerEvent;
import dev.parley.protocol.payload.CallPayloads.CallClose;
import dev.parley.protocol.payload.CallPayloads.CallDeclineEvent;
import dev.parley.protocol.payload.CallPayloads.CallEndEvent;
import dev.parley.protocol.payload.CallPayloads.CallIceCandidate;
import dev.parley.protocol.payload.CallPayloads.CallIceCandidateEvent;
import dev.parley.protocol.payload.CallPayloads.CallOffer;
import dev.parley.protocol.payload.CallPayloads.CallOfferEvent;
import dev.parley.protocol.payload.CallPayloads.CallSdp;
import dev.parley.protocol.payload.CallPayloads.CallSdpEvent;
import dev.parley.protocol.payload.CallPayloads.CallStatus;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Call signalling ({@code calls} extension, protocol 6.8), from {@link ChatClient#calls()}. The
 * server only relays: media descriptions and candidates are opaque JSON values (a string or an
 * object) handed unchanged to the other party's WebRTC stack.
 *
 * <p>Every request completes with the server's {@link CallStatus} ({@code calling} or
 * {@code unavailable} for an offer, {@code connected}, {@code declined}, {@code ended},
 * {@code relayed}) or fails with a {@link ChatException} ({@code ACCESS_DENIED} when caller and
 * callee share no conversation, {@code NOT_FOUND}, {@code CONFLICT} when the call no longer rings).
 * To hear incoming calls the client must ask for {@code calls} in
 * {@link ChatClient.Builder#extensions}; {@link Listener} callbacks run on the listener executor.
 */
public final class ChatCalls {
    private static final Set<String> EVENTS = Set.of("call_offer", "call_answer", "call_decline", "call_end",
            "call_ice_candidate", "call_sdp_offer", "call_sdp_answer", "call_status");

    /** Call events relayed from the other party. Every method does nothing by default. */
    public interface Listener {
        /** Someone is calling: answer, decline or let it ring out ({@code call_end} with reason {@code timeout}). */
        default void onIncomingCall(CallOfferEvent offer) {
        }

        default void onAnswered(CallAnswerEvent answer) {
        }

        default void onDeclined(CallDeclineEvent decline) {
        }

        /** Hung up by the other party, or ended by the server ({@code timeout}, {@code disconnected}). */
        default void onEnded(CallEndEvent end) {
        }

        default void onIceCandidate(CallIceCandidateEvent candidate) {
        }

        /** A renegotiation: {@code offer} tells {@code call_sdp_offer} from {@code call_sdp_answer}. */
        default void onRenegotiation(CallSdpEvent sdp, boolean offer) {
        }

        /** A notice about a call, such as {@code handled_elsewhere} when another device of this user answered. */
        default void onStatus(CallStatus status) {
        }
    }

    private final FacetContext ctx;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();

    ChatCalls(FacetContext ctx) {
        this.ctx = ctx;
        ctx.onEvents(EVENTS, this::dispatch);
    }

    public void addListener(Listener listener) {
        listeners.add(Objects.requireNonNull(listener));
    }

    public void removeListener(Listener listener) {
        listeners.remove(listener);
    }

    /**
     * Rings every connection of {@code targetUserId}.
     *
     * @param callType       {@code voice} (also for {@code null}) or {@code video}
     * @param conversationId the conversation the call belongs to, or {@code null} for any shared one
     */
    public CompletableFuture<CallStatus> offer(String targetUserId, JsonElement sdpOffer, String callType,
                                               String conversationId) {
        return status(MessageType.CALL_OFFER, new CallOffer(Objects.requireNonNull(targetUserId),
                Objects.requireNonNull(sdpOffer), callType, conversationId));
    }

    public CompletableFuture<CallStatus> answer(String callId, JsonElement sdpAnswer) {
        return status(MessageType.CALL_ANSWER, new CallAnswer(callId, Objects.requireNonNull(sdpAnswer)));
    }

    /** Declines a ringing call; {@code reason} (such as {@code busy}) may be {@code null}. */
    public CompletableFuture<CallStatus> decline(String callId, String reason) {
        return status(MessageType.CALL_DECLINE, new CallClose(callId, reason));
    }

    /** Hangs up (or cancels a call still ringing); the status carries the duration if it was connected. */
    public CompletableFuture<CallStatus> end(String callId, String reason) {
        return status(MessageType.CALL_END, new CallClose(callId, reason));
    }

    public CompletableFuture<CallStatus> iceCandidate(String callId, JsonElement candidate) {
        return status(MessageType.CALL_ICE_CANDIDATE, new CallIceCandidate(callId, Objects.requireNonNull(candidate),
                null));
    }

    /** Renegotiates media: {@code offer} sends {@code call_sdp_offer}, otherwise {@code call_sdp_answer}. */
    public CompletableFuture<CallStatus> renegotiate(String callId, JsonElement sdp, boolean offer) {
        return status(offer ? MessageType.CALL_SDP_OFFER : MessageType.CALL_SDP_ANSWER,
                new CallSdp(callId, Objects.requireNonNull(sdp), null));
    }

    private CompletableFuture<CallStatus> status(MessageType type, Object payload) {
        return ctx.call(type, payload, CallStatus.class);
    }

    /** On the listener executor; a listener that throws is logged like any {@link ChatListener}. */
    private void dispatch(String type, JsonObject payload) {
        for (Listener l : listeners) {
            switch (type) {
                case "call_offer" -> l.onIncomingCall(read(payload, CallOfferEvent.class));
                case "call_answer" -> l.onAnswered(read(payload, CallAnswerEvent.class));
                case "call_decline" -> l.onDeclined(read(payload, CallDeclineEvent.class));
                case "call_end" -> l.onEnded(read(payload, CallEndEvent.class));
                case "call_ice_candidate" -> l.onIceCandidate(read(payload, CallIceCandidateEvent.class));
                case "call_sdp_offer" -> l.onRenegotiation(read(payload, CallSdpEvent.class), true);
                case "call_sdp_answer" -> l.onRenegotiation(read(payload, CallSdpEvent.class), false);
                case "call_status" -> l.onStatus(read(payload, CallStatus.class));
                default -> { }
            }
        }
    }

    private <T> T read(JsonObject payload, Class<T> type) {
        return ctx.codec.readServerPayload(payload, type);
    }
}
