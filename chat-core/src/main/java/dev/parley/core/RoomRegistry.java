package dev.parley.core;

import dev.parley.core.spi.Broker;
import dev.parley.core.spi.BrokerEvent;
import dev.parley.core.spi.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's subscriptions: which local sessions listen on which broker topic (conversation
 * rooms and per-user topics). The broker is subscribed on a topic's first local session and
 * unsubscribed on its last, so a node only receives what its connections want; empty topics are
 * removed at once. {@link Broker#subscribe} and {@link Broker#unsubscribe} run under the topic's
 * map lock, so they must not block. Conversation rooms, which may hold thousands of sessions and
 * see every message, are kept apart from the personal topics (a user's, a connection's), which
 * every connection has and which hold a few sessions each.
 *
 * <p>Conversation rooms' events pass through a {@link SeqReorder}, so that their messages reach
 * local sessions in seq order whichever node published them; its state for a room goes with the
 * room's last local session.
 */
final class RoomRegistry {
    private static final Logger log = LoggerFactory.getLogger(RoomRegistry.class);
    static final String CONVERSATION = "conversation:";
    static final String USER = "user:";
    static final String SESSION = "session:";

    private final ConcurrentHashMap<String, RoomMembers> rooms = new ConcurrentHashMap<>();
    /** User and session topics: immutable sets, replaced under the map's lock (~24 B for one session). */
    private final ConcurrentHashMap<String, Set<Session>> personal = new ConcurrentHashMap<>();
    private final Broker broker;
    private final SeqReorder order;

    /**
     * @param holdWindow how long a room's message event waits for a missing lower seq
     * @param timer      the engine's timer, which wakes rooms whose held events are due
     */
    RoomRegistry(Broker broker, Clock clock, Duration holdWindow, SeqReorder.Timer timer, Counters counters) {
        this.broker = broker;
        this.order = new SeqReorder(clock, holdWindow, timer, counters, this::sendToRoom);
    }

    static String conversationTopic(String conversationId) {
        return CONVERSATION + conversationId;
    }

    static String userTopic(String userId) {
        return USER + userId;
    }

    /** One connection's own topic, subscribed only while something is addressed to it (a call). */
    static String sessionTopic(String sessionId) {
        return SESSION + sessionId;
    }

    /**
     * Adds the session to the topic; the stage completes once the broker's subscription is in effect
     * (at once if it already was), so that a caller can wait before promising delivery.
     */
    CompletionStage<Void> add(String topic, Session session) {
        @SuppressWarnings("unchecked")
        CompletionStage<Void>[] subscribed = new CompletionStage[1];
        // (Un)subscribing inside the map's lock keeps the broker's calls for a topic in the order of
        // its changes. Idempotent: a later session gets the first one's subscription, pending or done.
        if (topic.startsWith(CONVERSATION)) {
            rooms.compute(topic, (k, members) -> {
                subscribed[0] = broker.subscribe(topic);
                RoomMembers m = members != null ? members : new RoomMembers();
                m.add(session);
                return m;
            });
        } else {
            personal.compute(topic, (k, set) -> {
                subscribed[0] = broker.subscribe(topic);
                return ImmutableSets.with(set, session);
            });
        }
        return subscribed[0];
    }

    /** Removes the session from the topic; returns false if it was not there. */
    boolean remove(String topic, Session session) {
        boolean[] removed = {false};
        if (topic.startsWith(CONVERSATION)) {
            rooms.computeIfPresent(topic, (k, members) -> {
                removed[0] = members.remove(session);
                if (members.isEmpty()) {
                    broker.unsubscribe(topic);
                    order.drop(topic); // in the map's lock: a session joining meanwhile starts a fresh order
                    return null;
                }
                return members;
            });
        } else {
            personal.computeIfPresent(topic, (k, set) -> {
                Set<Session> s = ImmutableSets.without(set, session);
                removed[0] = s != set;
                if (s.isEmpty()) {
                    broker.unsubscribe(topic);
                    return null;
                }
                return s;
            });
        }
        return removed[0];
    }

    /** The local sessions on a topic, at some moment since the last change this thread saw. */
    Collection<Session> sessions(String topic) {
        if (topic.startsWith(CONVERSATION)) {
            return Collections.unmodifiableList(Arrays.asList(roomSessions(topic)));
        }
        Set<Session> s = personal.get(topic);
        return s == null ? List.of() : s;
    }

    /** A room's local sessions; the caller must not change the array. */
    private Session[] roomSessions(String topic) {
        RoomMembers members = rooms.get(topic);
        return members == null ? RoomMembers.NONE : members.snapshot();
    }

    /** Whether another local session of this user than {@code except} is in the room. */
    boolean hasOtherSessionOf(String topic, String userId, Session except) {
        for (Session s : roomSessions(topic)) {
            if (s != except && userId.equals(s.userId())) {
                return true;
            }
        }
        return false;
    }

    /** Whether the topic has a local session. */
    boolean hasSessions(String topic) {
        return topic.startsWith(CONVERSATION) ? rooms.containsKey(topic) : personal.containsKey(topic);
    }

    /** Users with a signed-in session on this node, sorted. */
    List<String> users() {
        List<String> users = new ArrayList<>();
        for (String topic : personal.keySet()) {
            if (topic.startsWith(USER)) {
                users.add(topic.substring(USER.length()));
            }
        }
        users.sort(null);
        return users;
    }

    /** Conversation rooms with at least one local session. */
    int roomCount() {
        return rooms.size();
    }

    /**
     * The broker's handler, for this node's publishes and other nodes' alike: delivers an event to
     * the qualifying local sessions of its topic, a conversation's messages in seq order.
     */
    void deliver(String topic, BrokerEvent event) {
        if (!topic.startsWith(CONVERSATION)) {
            Set<Session> sessions = personal.get(topic);
            if (sessions != null) {
                for (Session s : sessions) {
                    sendTo(topic, event, s);
                }
            }
        } else if (rooms.containsKey(topic)) {
            order.offer(topic, event);
        }
    }

    /** For tests: rooms with reorder state. */
    int orderedRooms() {
        return order.topicCount();
    }

    /** Delivers what has waited the hold window; forgets rooms left while an event was on its way. */
    void expireHeld() {
        order.expire(rooms::containsKey);
    }

    /** A room's event, in seq order, to its local sessions. */
    private void sendToRoom(String topic, BrokerEvent event) {
        for (Session s : roomSessions(topic)) {
            sendTo(topic, event, s);
        }
    }

    private static void sendTo(String topic, BrokerEvent event, Session s) {
        String userId = s.userId();
        if (userId == null
                || userId.equals(event.excludeUserId())
                || s.id().equals(event.excludeSessionId())
                || (event.extension() != null && !s.hasNegotiated(event.extension()))) {
            return;
        }
        try {
            s.sendEvent(event.frameFor(userId));
        } catch (RuntimeException e) {
            // One broken connection must not keep the event (or the room's order) from the others.
            log.error("Delivering an event of {} to session {} failed", topic, s.id(), e);
        }
    }
}
