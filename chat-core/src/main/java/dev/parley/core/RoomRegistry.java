package dev.parley.core;

import dev.parley.core.spi.Broker;
import dev.parley.core.spi.BrokerEvent;
import dev.parley.core.spi.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
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
 * map lock, so they must not block.
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

    private final ConcurrentHashMap<String, Set<Session>> topics = new ConcurrentHashMap<>();
    private final Broker broker;
    private final SeqReorder order;

    /**
     * @param holdWindow how long a room's message event waits for a missing lower seq
     * @param timer      the engine's timer, which wakes rooms whose held events are due
     */
    RoomRegistry(Broker broker, Clock clock, Duration holdWindow, SeqReorder.Timer timer, Counters counters) {
        this.broker = broker;
        this.order = new SeqReorder(clock, holdWindow, timer, counters, this::send);
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
        // (Un)subscribing inside the map's lock keeps the broker's calls for a topic in the order of its changes.
        topics.compute(topic, (k, set) -> {
            // Idempotent: a later session gets the first one's subscription, pending or done.
            subscribed[0] = broker.subscribe(topic);
            // A conversation room may hold thousands of sessions, joining and leaving: a concurrent
            // set. A user's or a session's topic holds a few connections, on every connection: an
            // immutable set, replaced here under the map's lock.
            if (!topic.startsWith(CONVERSATION)) {
                return ImmutableSets.with(set, session);
            }
            Set<Session> s = set != null ? set : ConcurrentHashMap.newKeySet();
            s.add(session);
            return s;
        });
        return subscribed[0];
    }

    /** Removes the session from the topic; returns false if it was not there. */
    boolean remove(String topic, Session session) {
        boolean[] removed = {false};
        topics.computeIfPresent(topic, (k, set) -> {
            Set<Session> s;
            if (topic.startsWith(CONVERSATION)) {
                removed[0] = set.remove(session);
                s = set;
            } else {
                s = ImmutableSets.without(set, session);
                removed[0] = s != set;
            }
            if (s.isEmpty()) {
                broker.unsubscribe(topic);
                order.drop(topic); // in the map's lock: a session joining meanwhile starts a fresh order
                return null;
            }
            return s;
        });
        return removed[0];
    }

    /** The local sessions on a topic (a live view; may change while iterated). */
    Collection<Session> sessions(String topic) {
        Set<Session> s = topics.get(topic);
        return s == null ? List.of() : s;
    }

    /** Whether another local session of this user than {@code except} is on the topic. */
    boolean hasOtherSessionOf(String topic, String userId, Session except) {
        for (Session s : sessions(topic)) {
            if (s != except && userId.equals(s.userId())) {
                return true;
            }
        }
        return false;
    }

    /** Whether the topic has a local session. */
    boolean hasSessions(String topic) {
        return topics.containsKey(topic);
    }

    /** Users with a signed-in session on this node, sorted. */
    List<String> users() {
        List<String> users = new ArrayList<>();
        for (String topic : topics.keySet()) {
            if (topic.startsWith(USER)) {
                users.add(topic.substring(USER.length()));
            }
        }
        users.sort(null);
        return users;
    }

    /** Conversation rooms with at least one local session. */
    int roomCount() {
        int n = 0;
        for (String topic : topics.keySet()) {
            if (topic.startsWith(CONVERSATION)) {
                n++;
            }
        }
        return n;
    }

    /**
     * The broker's handler, for this node's publishes and other nodes' alike: delivers an event to
     * the qualifying local sessions of its topic, a conversation's messages in seq order.
     */
    void deliver(String topic, BrokerEvent event) {
        if (!topic.startsWith(CONVERSATION)) {
            send(topic, event);
        } else if (topics.containsKey(topic)) {
            order.offer(topic, event);
        }
    }

    /** For tests: rooms with reorder state. */
    int orderedRooms() {
        return order.topicCount();
    }

    /** Delivers what has waited the hold window; forgets rooms left while an event was on its way. */
    void expireHeld() {
        order.expire(topics::containsKey);
    }

    private void send(String topic, BrokerEvent event) {
        for (Session s : sessions(topic)) {
            String userId = s.userId();
            if (userId == null
                    || userId.equals(event.excludeUserId())
                    || s.id().equals(event.excludeSessionId())
                    || (event.extension() != null && !s.hasNegotiated(event.extension()))) {
                continue;
            }
            try {
                s.sendEvent(event.frameFor(userId));
            } catch (RuntimeException e) {
                // One broken connection must not keep the event (or the room's order) from the others.
                log.error("Delivering an event of {} to session {} failed", topic, s.id(), e);
            }
        }
    }
}
