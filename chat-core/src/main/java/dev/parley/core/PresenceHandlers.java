package dev.parley.core;

import dev.parley.core.spi.BrokerEvent;
import dev.parley.core.spi.ChatStore;
import dev.parley.core.spi.PresenceState;
import dev.parley.protocol.Extension;
import dev.parley.protocol.MessageType;
import dev.parley.protocol.model.User;
import dev.parley.protocol.payload.PresencePayloads.GetPresence;
import dev.parley.protocol.payload.PresencePayloads.PresenceInfo;
import dev.parley.protocol.payload.PresencePayloads.PresenceLoaded;
import dev.parley.protocol.payload.PresencePayloads.PresenceSet;
import dev.parley.protocol.payload.PresencePayloads.SetPresence;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Advanced presence (protocol 6.5): a status per user shared by their devices, stored so that
 * every node and every User object sees it. {@code offline} while connected means invisible: to
 * others the user looks gone, base events included.
 */
final class PresenceHandlers {
    private static final String OFFLINE = "offline";
    private static final String ONLINE = "online";

    private final ChatEngine engine;
    private final ChatStore store;

    PresenceHandlers(ChatEngine engine) {
        this.engine = engine;
        this.store = engine.chatStore();
    }

    private boolean enabled() {
        return engine.enabled(Extension.PRESENCE);
    }

    /**
     * The user's first connection: online, keeping the custom status. Takes the user as just signed
     * in, carrying the stored presence, and returns it with the new one (unchanged when the presence
     * extension is off).
     */
    User firstConnection(User signedIn) {
        if (!enabled()) {
            return signedIn;
        }
        String customStatus = signedIn.status() == null ? null : signedIn.customStatus();
        change(signedIn.id(), new PresenceState(ONLINE, customStatus, null), null);
        return signedIn.withPresence(ONLINE, customStatus, null);
    }

    /**
     * The user's last connection closed: offline with a last-seen time. Returns whether the base
     * {@code user_offline} should go out (not if the user was already invisible).
     */
    boolean lastConnectionClosed(String userId) {
        if (!enabled()) {
            return true;
        }
        PresenceState previous = current(userId);
        boolean wasVisible = !OFFLINE.equals(previous.status());
        Instant lastSeen = wasVisible || previous.lastSeen() == null ? engine.now() : previous.lastSeen();
        change(userId, new PresenceState(OFFLINE, previous.customStatus(), lastSeen), null);
        return wasVisible;
    }

    void set(Session s, SetPresence req, String requestId) {
        String me = s.userId();
        PresenceState previous = current(me);
        String custom = req.customStatus() == null ? previous.customStatus() : req.customStatus().orElse(null);
        boolean invisible = OFFLINE.equals(req.status());
        Instant lastSeen = invisible ? (OFFLINE.equals(previous.status()) ? previous.lastSeen() : engine.now()) : null;
        PresenceState next = new PresenceState(req.status(), custom, lastSeen);
        change(me, next, s.id());
        s.send(MessageType.PRESENCE_SET, new PresenceSet(next.status(), next.customStatus(), next.lastSeen()), requestId);
        boolean wasVisible = !OFFLINE.equals(previous.status());
        if (wasVisible && invisible) {
            engine.announcePresence(me, MessageType.USER_OFFLINE);
        } else if (!wasVisible && !invisible) {
            engine.announcePresence(me, MessageType.USER_ONLINE);
        }
    }

    void get(Session s, GetPresence req, String requestId) {
        String me = s.userId();
        Set<String> visible = new LinkedHashSet<>(store.contactsOf(me, req.userIds()));
        if (req.userIds().contains(me)) {
            visible.add(me);
        }
        Map<String, PresenceState> states = store.presenceOf(visible);
        List<PresenceInfo> result = new ArrayList<>();
        for (String id : req.userIds()) {
            if (visible.remove(id)) {
                PresenceState st = states.getOrDefault(id, PresenceState.OFFLINE);
                result.add(new PresenceInfo(id, st.status(), st.customStatus(), st.lastSeen()));
            }
        }
        s.send(MessageType.PRESENCE_LOADED, new PresenceLoaded(result), requestId);
    }

    private PresenceState current(String userId) {
        return store.presenceOf(List.of(userId)).getOrDefault(userId, PresenceState.OFFLINE);
    }

    /** Stores the new state and sends {@code presence_update} to the user's contacts and other devices. */
    private void change(String userId, PresenceState state, String excludeSessionId) {
        store.setPresence(userId, state);
        if (!engine.mayHaveAudience(Extension.PRESENCE)) {
            return; // a read of the user's contacts, saved on every change
        }
        String frame = engine.encode(MessageType.PRESENCE_UPDATE,
                new PresenceInfo(userId, state.status(), state.customStatus(), state.lastSeen()));
        BrokerEvent toContacts = new BrokerEvent(frame, null, null, null, Extension.PRESENCE.wireName());
        for (String contact : store.contactsOf(userId, null)) {
            engine.publishToUser(contact, toContacts);
        }
        engine.publishToUser(userId, new BrokerEvent(frame, null, null, excludeSessionId, Extension.PRESENCE.wireName()));
    }
}
