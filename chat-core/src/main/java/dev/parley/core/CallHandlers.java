package dev.parley.core;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.parley.core.spi.BrokerEvent;
import dev.parley.core.spi.CallRecord;
import dev.parley.core.spi.CallStore;
import dev.parley.core.spi.ChatStore;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.Extension;
import dev.parley.protocol.MessageType;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.Text;
import dev.parley.protocol.model.User;
import dev.parley.protocol.payload.CallPayloads.CallAnswer;
import dev.parley.protocol.payload.CallPayloads.CallClose;
import dev.parley.protocol.payload.CallPayloads.CallIceCandidate;
import dev.parley.protocol.payload.CallPayloads.CallOffer;
import dev.parley.protocol.payload.CallPayloads.CallSdp;
import dev.parley.protocol.payload.CallPayloads.CallStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Call signalling relay (protocol 6.8): one-to-one calls between users who share a conversation.
 * The server keeps each call's state (ringing, connected, ended) and relays media descriptions,
 * candidates and any other field unchanged; it never parses them. Before an answer the caller's
 * frames go to every connection of the callee; afterwards only between the two connections that
 * offered and answered. An ended call is remembered for a while ({@link CallStore#ENDED_CALL_RETENTION}):
 * its parties' late requests get {@code CONFLICT}, while everyone else still gets {@code NOT_FOUND}, so
 * strangers learn nothing about calls they are not in.
 */
final class CallHandlers {
    private static final Set<String> ROUTING_FIELDS = Set.of("targetUserId", "callId", "conversationId", "callType");

    private final ChatEngine engine;
    private final ChatStore store;
    private final CallStore calls;
    /**
     * Calls each local connection offered or answered, to end them when it closes (a connection
     * lives on one node). A call ended on another node stays listed here until the connection
     * closes, where ending it again is a no-op.
     */
    private final ConcurrentHashMap<String, Set<String>> callsBySession = new ConcurrentHashMap<>();

    CallHandlers(ChatEngine engine) {
        this.engine = engine;
        this.store = engine.chatStore();
        this.calls = engine.callStore();
    }

    void handle(Session s, MessageType type, Record payload, JsonObject raw, String requestId) {
        switch (type) {
            case CALL_OFFER -> offer(s, (CallOffer) payload, raw, requestId);
            case CALL_ANSWER -> answer(s, (CallAnswer) payload, raw, requestId);
            case CALL_DECLINE -> decline(s, (CallClose) payload, requestId);
            case CALL_END -> end(s, (CallClose) payload, requestId);
            case CALL_ICE_CANDIDATE -> {
                CallIceCandidate c = (CallIceCandidate) payload;
                relay(s, type, c.callId(), c.targetUserId(), raw, requestId);
            }
            case CALL_SDP_OFFER, CALL_SDP_ANSWER -> {
                CallSdp c = (CallSdp) payload;
                relay(s, type, c.callId(), c.targetUserId(), raw, requestId);
            }
            default -> throw new ProtocolException(ErrorCode.NOT_SUPPORTED, type.wireName() + " is not supported");
        }
    }

    private void offer(Session s, CallOffer req, JsonObject raw, String requestId) {
        String me = s.userId();
        if (req.targetUserId().equals(me)) {
            throw ProtocolException.invalidData("targetUserId", "cannot call yourself");
        }
        if (req.conversationId() != null) {
            if (!store.isParticipant(req.conversationId(), me) || !store.isParticipant(req.conversationId(), req.targetUserId())) {
                throw ProtocolException.accessDenied();
            }
        } else if (store.contactsOf(me, List.of(req.targetUserId())).isEmpty()) {
            throw ProtocolException.accessDenied();
        }
        JsonObject extras = opaqueFields(raw);
        String callId = UUID.randomUUID().toString();
        User target = store.findUsers(List.of(req.targetUserId())).stream().findFirst()
                .orElseThrow(ProtocolException::accessDenied);
        if (engine.presence().online(List.of(req.targetUserId())).isEmpty()) {
            s.send(MessageType.CALL_STATUS, new CallStatus(callId, "unavailable", engine.views().user(target), null),
                    requestId);
            return;
        }
        Instant now = engine.now();
        CallRecord call = CallRecord.ringing(callId, me, s.id(), req.targetUserId(), req.conversationId(),
                req.callTypeOrDefault(), now, now.plus(engine.config().ringTimeout()));
        calls.create(call);
        remember(s.id(), callId);
        engine.rooms().add(RoomRegistry.sessionTopic(s.id()), s);
        s.send(MessageType.CALL_STATUS, new CallStatus(callId, "calling", engine.views().user(target), null), requestId);
        User caller = s.principalUser();
        extras.addProperty("callId", callId);
        extras.addProperty("from", me);
        extras.addProperty("fromName", caller.displayName());
        extras.addProperty("fromAvatar", caller.avatarUrl());
        extras.addProperty("callType", call.callType());
        extras.addProperty("conversationId", call.conversationId());
        engine.publishToUser(call.calleeId(), callEvent(MessageType.CALL_OFFER, extras, null));
    }

    private void answer(Session s, CallAnswer req, JsonObject raw, String requestId) {
        callOf(req.callId(), s.userId(), true);
        CallRecord call = calls.connect(req.callId(), s.id(), engine.now()).orElseThrow(CallHandlers::notRinging);
        remember(s.id(), call.id());
        engine.rooms().add(RoomRegistry.sessionTopic(s.id()), s);
        s.send(MessageType.CALL_STATUS, new CallStatus(call.id(), "connected", null, null), requestId);
        JsonObject relayed = opaqueFields(raw);
        relayed.addProperty("callId", call.id());
        relayed.addProperty("from", s.userId());
        engine.publishToSession(call.callerSession(), callEvent(MessageType.CALL_ANSWER, relayed, null));
        handledElsewhere(call, s.id());
    }

    private void decline(Session s, CallClose req, String requestId) {
        callOf(req.callId(), s.userId(), true);
        CallRecord call = calls.endRinging(req.callId(), engine.now()).orElseThrow(CallHandlers::notRinging);
        forget(call.callerSession(), call.id());
        s.send(MessageType.CALL_STATUS, new CallStatus(call.id(), "declined", null, null), requestId);
        JsonObject relayed = new JsonObject();
        relayed.addProperty("callId", call.id());
        relayed.addProperty("from", s.userId());
        relayed.addProperty("reason", req.reason());
        engine.publishToSession(call.callerSession(), callEvent(MessageType.CALL_DECLINE, relayed, null));
        handledElsewhere(call, s.id());
    }

    private void end(Session s, CallClose req, String requestId) {
        callOf(req.callId(), s.userId(), false);
        CallRecord call = calls.end(req.callId(), engine.now()).orElseThrow(CallHandlers::ended);
        forget(call.callerSession(), call.id());
        if (call.calleeSession() != null) {
            forget(call.calleeSession(), call.id());
        }
        Long duration = duration(call);
        s.send(MessageType.CALL_STATUS, new CallStatus(call.id(), "ended", null, Optional.ofNullable(duration)),
                requestId);
        notifyEnded(call, s.userId(), req.reason(), duration, s.id());
    }

    private void relay(Session s, MessageType type, String callId, String targetUserId, JsonObject raw,
                       String requestId) {
        String me = s.userId();
        CallRecord call = callOf(callId, me, false);
        String other = me.equals(call.callerId()) ? call.calleeId() : call.callerId();
        if (targetUserId != null && !targetUserId.equals(other)) {
            throw ProtocolException.invalidData("targetUserId", "must be the other party of the call");
        }
        JsonObject relayed = opaqueFields(raw);
        relayed.addProperty("callId", call.id());
        relayed.addProperty("from", me);
        s.send(MessageType.CALL_STATUS, new CallStatus(call.id(), "relayed", null, null), requestId);
        BrokerEvent event = callEvent(type, relayed, null);
        if (me.equals(call.callerId())) {
            if (call.isRinging()) {
                engine.publishToUser(call.calleeId(), event);
            } else {
                engine.publishToSession(call.calleeSession(), event);
            }
        } else {
            engine.publishToSession(call.callerSession(), event);
        }
    }

    /** Ends ringing calls past the ring timeout; across nodes each is ended (and announced) by one node. */
    void sweep(Instant now) {
        for (CallRecord call : calls.claimUnanswered(now)) {
            forget(call.callerSession(), call.id());
            JsonObject p = endPayload(call, call.callerId(), "timeout", null);
            engine.publishToSession(call.callerSession(), callEvent(MessageType.CALL_END, p, null));
            engine.publishToUser(call.calleeId(), callEvent(MessageType.CALL_END, p.deepCopy(), null));
        }
    }

    /** A connection closed: its calls end, and the other party hears {@code disconnected}. */
    void sessionClosed(Session s) {
        Set<String> ids = callsBySession.remove(s.id());
        if (ids != null) {
            for (String callId : ids) {
                calls.find(callId)
                        .filter(c -> s.id().equals(c.callerSession()) || s.id().equals(c.calleeSession()))
                        .flatMap(c -> calls.end(callId, engine.now()))
                        .ifPresent(call -> notifyEnded(call, s.userId(), "disconnected", duration(call), s.id()));
            }
        }
        engine.rooms().remove(RoomRegistry.sessionTopic(s.id()), s);
    }

    private void notifyEnded(CallRecord call, String from, String reason, Long duration, String fromSession) {
        JsonObject p = endPayload(call, from, reason, duration);
        if (from.equals(call.callerId())) {
            if (call.calleeSession() != null) {
                engine.publishToSession(call.calleeSession(), callEvent(MessageType.CALL_END, p, null));
            } else {
                engine.publishToUser(call.calleeId(), callEvent(MessageType.CALL_END, p, null));
            }
        } else {
            engine.publishToSession(call.callerSession(), callEvent(MessageType.CALL_END, p, null));
            if (call.calleeSession() == null) {
                engine.publishToUser(call.calleeId(), callEvent(MessageType.CALL_END, p.deepCopy(), fromSession));
            }
        }
    }

    private static JsonObject endPayload(CallRecord call, String from, String reason, Long duration) {
        JsonObject p = new JsonObject();
        p.addProperty("callId", call.id());
        p.addProperty("from", from);
        p.addProperty("reason", reason);
        p.addProperty("duration", duration);
        return p;
    }

    private Long duration(CallRecord call) {
        return call.connectedAt() == null ? null : Duration.between(call.connectedAt(), engine.now()).toSeconds();
    }

    private void remember(String sessionId, String callId) {
        callsBySession.computeIfAbsent(sessionId, k -> ConcurrentHashMap.newKeySet()).add(callId);
    }

    private void forget(String sessionId, String callId) {
        callsBySession.computeIfPresent(sessionId, (k, ids) -> {
            ids.remove(callId);
            return ids.isEmpty() ? null : ids;
        });
    }

    private void handledElsewhere(CallRecord call, String answeringSession) {
        String frame = engine.encode(MessageType.CALL_STATUS, new CallStatus(call.id(), "handled_elsewhere", null, null));
        engine.publishToUser(call.calleeId(),
                new BrokerEvent(frame, null, null, answeringSession, Extension.CALLS.wireName()));
    }

    /** Answering or declining needs a ringing call ({@code CONFLICT} once answered, declined or ended). */
    private static ProtocolException notRinging() {
        return new ProtocolException(ErrorCode.CONFLICT, "The call is no longer ringing");
    }

    private static ProtocolException ended() {
        return new ProtocolException(ErrorCode.CONFLICT, "The call has ended");
    }

    /**
     * The live call, if this user may act on it: its callee, or with {@code calleeOnly} false either
     * party. {@code CONFLICT} if it has ended (told only to those users), {@code NOT_FOUND} if it is
     * unknown or not theirs. The live call is looked up first: a call ends by moving to its tombstone
     * atomically, so one of the two lookups sees it.
     */
    private CallRecord callOf(String callId, String userId, boolean calleeOnly) {
        Optional<CallRecord> live = calls.find(callId);
        if (live.isPresent()) {
            if (!mayActOn(live.get(), userId, calleeOnly)) {
                throw ProtocolException.notFound("call");
            }
            return live.get();
        }
        if (calls.findEnded(callId, engine.now()).filter(c -> mayActOn(c, userId, calleeOnly)).isPresent()) {
            throw ended();
        }
        throw ProtocolException.notFound("call");
    }

    private static boolean mayActOn(CallRecord call, String userId, boolean calleeOnly) {
        return call.calleeId().equals(userId) || (!calleeOnly && call.callerId().equals(userId));
    }

    /** The request's fields minus routing fields, each opaque value at most the content limit. */
    private JsonObject opaqueFields(JsonObject raw) {
        JsonObject copy = new JsonObject();
        long max = engine.config().limits().maxContentBytes();
        for (Map.Entry<String, JsonElement> e : raw.entrySet()) {
            if (ROUTING_FIELDS.contains(e.getKey())) {
                continue;
            }
            if (Text.utf8Length(e.getValue().toString()) > max) {
                throw ProtocolException.tooLarge(e.getKey(), max);
            }
            copy.add(e.getKey(), e.getValue().deepCopy());
        }
        return copy;
    }

    private BrokerEvent callEvent(MessageType type, JsonObject payload, String excludeSessionId) {
        String frame = engine.codec().encode(type, payload, null, engine.now());
        return new BrokerEvent(frame, null, null, excludeSessionId, Extension.CALLS.wireName());
    }
}
