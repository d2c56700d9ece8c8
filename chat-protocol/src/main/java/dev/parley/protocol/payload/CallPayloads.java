package dev.parley.protocol.payload;

import com.google.gson.JsonElement;
import dev.parley.protocol.Rules.Limit;
import dev.parley.protocol.Rules.MaxBytes;
import dev.parley.protocol.Rules.MaxChars;
import dev.parley.protocol.Rules.OneOf;
import dev.parley.protocol.Rules.Required;
import dev.parley.protocol.WireFormat.OmitIfNull;
import dev.parley.protocol.model.User;
import java.util.Optional;

/**
 * Call signalling relay (6.8). Media descriptions and candidates are opaque JSON values (a string
 * or an object): the server copies them, and any field not named here, unchanged.
 */
public final class CallPayloads {
    private CallPayloads() {
    }

    /** {@code call_offer} from the caller. */
    public record CallOffer(
            @Required @MaxChars(value = 128, invalid = true) String targetUserId,
            @Required @MaxBytes(Limit.CONTENT) JsonElement sdpOffer,
            @OneOf({"voice", "video"}) String callType,
            @MaxChars(value = 128, invalid = true) String conversationId) {

        public String callTypeOrDefault() {
            return callType == null ? "voice" : callType;
        }
    }

    /** {@code call_answer} from the callee. */
    public record CallAnswer(
            @Required @MaxChars(value = 128, invalid = true) String callId,
            @Required @MaxBytes(Limit.CONTENT) JsonElement sdpAnswer) {
    }

    /** {@code call_decline} and {@code call_end}. */
    public record CallClose(
            @Required @MaxChars(value = 128, invalid = true) String callId,
            @MaxChars(value = 200, invalid = true) String reason) {
    }

    /** {@code call_ice_candidate}. */
    public record CallIceCandidate(
            @Required @MaxChars(value = 128, invalid = true) String callId,
            @Required @MaxBytes(Limit.CONTENT) JsonElement candidate,
            @MaxChars(value = 128, invalid = true) String targetUserId) {
    }

    /** {@code call_sdp_offer} and {@code call_sdp_answer} (renegotiation). */
    public record CallSdp(
            @Required @MaxChars(value = 128, invalid = true) String callId,
            @Required @MaxBytes(Limit.CONTENT) JsonElement sdp,
            @MaxChars(value = 128, invalid = true) String targetUserId) {
    }

    /**
     * {@code call_status}, the acknowledgement of every call request and the notice
     * {@code handled_elsewhere}: {@code targetUser} with {@code calling}, {@code duration}
     * (seconds, or JSON {@code null}) with {@code ended}.
     */
    public record CallStatus(
            String callId,
            String status,
            @OmitIfNull User targetUser,
            @OmitIfNull Optional<Long> duration) {
    }

    /** The relayed {@code call_offer}, as the callee receives it. */
    public record CallOfferEvent(
            String callId, String from, String fromName, String fromAvatar, String callType, String conversationId,
            JsonElement sdpOffer) {
    }

    /** The relayed {@code call_answer}. */
    public record CallAnswerEvent(String callId, String from, JsonElement sdpAnswer) {
    }

    /** The relayed {@code call_decline}. */
    public record CallDeclineEvent(String callId, String from, String reason) {
    }

    /** The relayed {@code call_end}; {@code duration} in seconds, {@code null} if never connected. */
    public record CallEndEvent(String callId, String from, String reason, Long duration) {
    }

    /** The relayed {@code call_ice_candidate}. */
    public record CallIceCandidateEvent(String callId, String from, JsonElement candidate) {
    }

    /** The relayed {@code call_sdp_offer} or {@code call_sdp_answer}. */
    public record CallSdpEvent(String callId, String from, JsonElement sdp) {
    }
}
