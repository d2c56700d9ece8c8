package dev.parley.core;

import dev.parley.core.spi.AppendResult;
import dev.parley.core.spi.BrokerEvent;
import dev.parley.core.spi.ChatStore;
import dev.parley.core.spi.ConversationRecord;
import dev.parley.core.spi.CreateResult;
import dev.parley.core.spi.MessagePage;
import dev.parley.core.spi.MessageRecord;
import dev.parley.core.spi.NewConversation;
import dev.parley.core.spi.NewMessage;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.Extension;
import dev.parley.protocol.MessageType;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.model.Conversation;
import dev.parley.protocol.model.ConversationType;
import dev.parley.protocol.model.Message;
import dev.parley.protocol.model.User;
import dev.parley.protocol.payload.ConversationPayloads.ConversationCreated;
import dev.parley.protocol.payload.ConversationPayloads.ConversationJoined;
import dev.parley.protocol.payload.ConversationPayloads.ConversationLeft;
import dev.parley.protocol.payload.ConversationPayloads.ConversationRequest;
import dev.parley.protocol.payload.ConversationPayloads.ConversationsLoaded;
import dev.parley.protocol.payload.ConversationPayloads.CreateConversation;
import dev.parley.protocol.payload.MessagePayloads.LoadMessages;
import dev.parley.protocol.payload.MessagePayloads.LoadMoreMessages;
import dev.parley.protocol.payload.MessagePayloads.MessageReceived;
import dev.parley.protocol.payload.MessagePayloads.MessageSent;
import dev.parley.protocol.payload.MessagePayloads.MessagesLoaded;
import dev.parley.protocol.payload.MessagePayloads.SendMessage;
import dev.parley.protocol.payload.TypingPayloads.TypingAck;
import dev.parley.protocol.payload.TypingPayloads.TypingUpdate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The base message types of protocol section 3 (auth and ping live in {@link ChatEngine}). */
final class BaseHandlers {
    private static final Logger log = LoggerFactory.getLogger(BaseHandlers.class);
    private final ChatEngine engine;
    private final ChatStore store;
    private final ExtensionHandlers extensions;
    private final AnnouncementOrder announcementOrder = new AnnouncementOrder();

    BaseHandlers(ChatEngine engine) {
        this.engine = engine;
        this.store = engine.chatStore();
        this.extensions = new ExtensionHandlers(engine, this);
    }

    void handle(Session s, MessageType type, Record payload, String requestId) {
        switch (type) {
            case LOAD_CONVERSATIONS -> loadConversations(s, requestId);
            case JOIN_CONVERSATION -> join(s, (ConversationRequest) payload, requestId);
            case LEAVE_CONVERSATION -> leave(s, (ConversationRequest) payload, requestId);
            case CREATE_CONVERSATION -> create(s, (CreateConversation) payload, requestId);
            case SEND_MESSAGE -> send(s, (SendMessage) payload, requestId);
            case LOAD_MESSAGES -> loadMessages(s, (LoadMessages) payload, requestId);
            case LOAD_MORE_MESSAGES -> loadMore(s, (LoadMoreMessages) payload, requestId);
            case TYPING_START, TYPING_STOP -> typing(s, type, (ConversationRequest) payload, requestId);
            default -> extensions.handle(s, type, payload, requestId);
        }
    }

    /**
     * Refuses a user who is not an active participant. A positive answer is remembered by the
     * session: v1 never removes participants, so it stays true, and the hot path of a busy
     * conversation skips one store query per frame.
     */
    void requireParticipant(Session s, String conversationId) {
        if (s.knowsParticipation(conversationId)) {
            return;
        }
        if (!store.isParticipant(conversationId, s.userId())) {
            throw ProtocolException.accessDenied();
        }
        s.rememberParticipation(conversationId);
    }

    // ---- 3.2 load_conversations ----

    private void loadConversations(Session s, String requestId) {
        String me = s.userId();
        List<Conversation> list = new ArrayList<>();
        for (ConversationRecord r : store.listConversations(me, engine.config().conversationListCap())) {
            list.add(engine.views().conversation(r, me));
        }
        s.send(MessageType.CONVERSATIONS_LOADED, new ConversationsLoaded(list), requestId);
    }

    // ---- 3.3 join_conversation, 3.4 leave_conversation ----

    private void join(Session s, ConversationRequest req, String requestId) {
        String me = s.userId();
        ConversationRecord r = joinRoom(s, req.conversationId());
        Instant now = engine.now();
        List<String> others = new ArrayList<>(r.participantIds());
        others.remove(me);
        List<String> online = new ArrayList<>(engine.presence().online(others));
        online.sort(null);
        List<String> typingUsers = new ArrayList<>(engine.typing().typingIn(r.id(), now));
        typingUsers.remove(me);
        s.send(MessageType.CONVERSATION_JOINED, new ConversationJoined(req.conversationId(),
                engine.views().conversation(r, me), online, typingUsers), requestId);
    }

    /**
     * Joins the session to a conversation's room (as {@code join_conversation} does) and returns the
     * conversation as the user sees it; {@code ACCESS_DENIED} or {@code CONFLICT} (room limit).
     */
    ConversationRecord joinRoom(Session s, String conversationId) {
        ConversationRecord r = joinOpenRoom(conversationId, s.userId())
                .or(() -> store.findConversation(conversationId, s.userId()))
                .orElseThrow(ProtocolException::accessDenied);
        if (!s.rooms().contains(r.id()) && s.rooms().size() >= engine.config().maxRoomsPerConnection()) {
            throw new ProtocolException(ErrorCode.CONFLICT, "Too many joined conversations on this connection",
                    Map.of("reason", "room_limit", "maxRooms", (long) engine.config().maxRoomsPerConnection()));
        }
        s.rememberParticipation(r.id());
        enterRoom(s, r.id(), true);
        return r;
    }

    /**
     * Open rooms ({@link EngineConfig#openRoomPrefix()}): creates or enters the group durably (the
     * store answers a member's return with one read); empty when off or another id. A member of a
     * conversation of another kind whose id happens to match still enters it.
     */
    private Optional<ConversationRecord> joinOpenRoom(String conversationId, String userId) {
        String prefix = engine.config().openRoomPrefix();
        if (prefix == null || !conversationId.startsWith(prefix)) {
            return Optional.empty();
        }
        if (!EngineConfig.OPEN_ROOM_ID.matcher(conversationId).matches()) {
            throw ProtocolException.invalidData("conversation_id", "an open room id is 1-64 of [A-Za-z0-9._:-]");
        }
        int maxGroupSize = engine.config().limits().maxGroupSize();
        return Optional.of(store.joinOpenConversation(conversationId, userId, maxGroupSize)
                .or(() -> store.findConversation(conversationId, userId))
                .orElseThrow(() -> new ProtocolException(ErrorCode.CONFLICT, "The conversation is full",
                        Map.of("reason", "group_full", "maxGroupSize", (long) maxGroupSize))));
    }

    /**
     * Waits (never under a conversation lock) until the node receives the room's events from every
     * node, so that what is sent after the answer reaches this session. If the broker cannot
     * subscribe within {@link EngineConfig#subscribeTimeout()}: {@code SERVER_ERROR} and no room when
     * {@code required}, else the session stays in the room while the broker keeps trying.
     */
    private void enterRoom(Session s, String conversationId, boolean required) {
        s.addRoom(conversationId);
        CompletionStage<Void> subscribed = engine.rooms().add(RoomRegistry.conversationTopic(conversationId), s);
        if (s.state() == Session.State.CLOSED) {
            leaveRoom(s, conversationId); // closed meanwhile: cleanup may already have run
            return;
        }
        Duration timeout = engine.config().subscribeTimeout();
        try {
            subscribed.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException | CancellationException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            log.warn("Conversation {} not subscribed within {} ms ({}){}", conversationId, timeout.toMillis(),
                    e instanceof ExecutionException ? e.getCause().toString() : e.toString(),
                    required ? "; join refused" : "");
            if (!required) {
                return;
            }
            leaveRoom(s, conversationId);
            throw new ProtocolException(ErrorCode.SERVER_ERROR,
                    "The conversation's events cannot be received right now; retry later");
        }
    }

    private void leave(Session s, ConversationRequest req, String requestId) {
        leaveRoom(s, req.conversationId());
        s.send(MessageType.CONVERSATION_LEFT, new ConversationLeft(req.conversationId()), requestId);
    }

    /** Takes the session out of a room; the user's typing there ends if no other connection of theirs stays. */
    void leaveRoom(Session s, String conversationId) {
        s.removeRoom(conversationId);
        String topic = RoomRegistry.conversationTopic(conversationId);
        if (engine.rooms().remove(topic, s)) {
            String userId = s.userId();
            if (userId != null && !engine.rooms().hasOtherSessionOf(topic, userId, s)) {
                stopTyping(conversationId, userId);
            }
        }
    }

    // ---- 3.5 create_conversation ----

    private void create(Session s, CreateConversation req, String requestId) {
        String me = s.userId();
        engine.takeToken(UserRateLimits.Kind.CREATE_CONVERSATION, me);
        List<String> others = new ArrayList<>(req.distinctParticipantIds());
        others.remove(me);
        ConversationType type = req.resolvedType(others.size());
        if (others.isEmpty()) {
            throw ProtocolException.invalidData("participant_ids", "name at least one other user");
        }
        if (type == ConversationType.DIRECT && others.size() != 1) {
            throw ProtocolException.invalidData("participant_ids", "a direct conversation has exactly one other user");
        }
        int maxOthers = engine.config().limits().maxGroupSize() - 1;
        if (others.size() > maxOthers) {
            throw ProtocolException.tooManyItems("participant_ids", maxOthers);
        }
        Set<String> found = new HashSet<>();
        for (User u : store.findUsers(others)) {
            found.add(u.id());
        }
        List<String> unknown = others.stream().filter(id -> !found.contains(id)).toList();
        if (!unknown.isEmpty()) {
            throw new ProtocolException(ErrorCode.NOT_FOUND, "Unknown users",
                    Map.of("resource", "user", "ids", unknown));
        }
        String name = type == ConversationType.GROUP && req.name() != null && !req.name().isEmpty() ? req.name() : null;
        CreateResult result = store.createConversation(new NewConversation(type, name, me, others));
        ConversationRecord r = result.conversation();
        s.rememberParticipation(r.id());
        // Stored already: answered as created even if the room is not subscribed in time (it keeps trying).
        enterRoom(s, r.id(), false);
        s.send(MessageType.CONVERSATION_CREATED,
                ConversationCreated.of(engine.views().conversation(r, me), result.created()), requestId);
        if (result.created()) {
            for (String other : r.participantIds()) {
                if (other.equals(me)) {
                    continue;
                }
                store.findConversation(r.id(), other).ifPresent(view -> {
                    String frame = engine.encode(MessageType.CONVERSATION_CREATED,
                            ConversationCreated.of(engine.views().conversation(view, other), true));
                    engine.publishToUser(other, BrokerEvent.toAll(frame));
                });
            }
        }
    }

    // ---- 3.6 send_message ----

    private void send(Session s, SendMessage req, String requestId) {
        String me = s.userId();
        engine.takeToken(UserRateLimits.Kind.MESSAGE, me);
        requireParticipant(s, req.conversationId());
        appendAndAnnounce(s, req.conversationId(), req.messageTypeOrDefault(), req.content(), req.encryptedContents(),
                req.replyToId(), req.threadRootId(), req.clientMessageId(), req.metadata(), requestId, stored -> { });
    }

    /**
     * Checks a new message's body and references, stores it, answers {@code message_sent} and
     * announces it: the shared tail of {@code send_message} and {@code file_upload_complete}. The
     * caller has checked participation. {@code onStored} runs after a new message is stored and
     * before anyone hears of it.
     */
    MessageRecord appendAndAnnounce(Session s, String conversationId, String messageType, String content,
                                    Map<String, String> encryptedContents, String replyToId, String threadRootId,
                                    String clientMessageId, com.google.gson.JsonObject metadata, String requestId,
                                    java.util.function.Consumer<MessageRecord> onStored) {
        String me = s.userId();
        boolean perRecipient = encryptedContents != null && !encryptedContents.isEmpty();
        if (perRecipient) {
            checkRecipients(conversationId, encryptedContents.keySet());
        }
        if (replyToId != null) {
            MessageRecord target = store.findMessage(conversationId, replyToId, me).orElse(null);
            if (target == null || target.isDeleted()) {
                throw ProtocolException.notFound("message");
            }
        }
        if (threadRootId != null) {
            if (!engine.enabled(Extension.THREADS)) {
                throw new ProtocolException(ErrorCode.NOT_SUPPORTED, "The threads extension is not enabled on this server");
            }
            MessageRecord root = store.findMessage(conversationId, threadRootId, me).orElse(null);
            if (root == null || root.isDeleted()) {
                throw ProtocolException.notFound("thread_root");
            }
            if (root.threadRootId() != null) {
                throw ProtocolException.invalidData("threadRootId", "a thread reply cannot be a thread root");
            }
        }
        NewMessage m = new NewMessage(conversationId, me, messageType,
                content == null || content.isEmpty() ? null : content, perRecipient ? encryptedContents : null,
                replyToId, threadRootId, clientMessageId, metadata);
        // Appends to one conversation may be in flight together (the store can commit them in one
        // go); what is said about them still leaves in seq order.
        AnnouncementOrder.Ticket ticket = announcementOrder.begin(conversationId);
        AppendResult result;
        try {
            result = store.appendMessage(m);
        } catch (RuntimeException e) {
            announcementOrder.abandon(conversationId, ticket);
            throw e;
        }
        MessageRecord stored = result.message();
        announcementOrder.announce(conversationId, ticket, stored.seq(), () -> {
            if (!result.duplicate()) {
                onStored.accept(stored);
            }
            s.send(MessageType.MESSAGE_SENT, MessageSent.of(engine.views().message(stored, me), result.duplicate()),
                    requestId);
            if (result.duplicate()) {
                return;
            }
            engine.messageStored(stored);
            engine.publishToConversation(conversationId, messageEvent(stored));
            if (stored.threadRootId() != null) {
                extensions.announceThread(conversationId, stored.threadRootId(), me, s.id());
            }
            extensions.announceUnreadCounts(conversationId, me, null);
        });
        if (!result.duplicate()) {
            try {
                stopTyping(conversationId, me);
            } catch (RuntimeException e) {
                // The send is answered already; a typing store that is down must not answer it twice.
                log.warn("Ending the typing state after a send failed: {}", e.toString());
            }
        }
        return stored;
    }

    /** Carries the seq, so that every node hands the room's messages to its connections in seq order. */
    private BrokerEvent messageEvent(MessageRecord stored) {
        return engine.perViewerEvent(MessageType.MESSAGE_RECEIVED, stored, MessageReceived::new, null, null)
                .withSeq(stored.seq());
    }

    void checkRecipients(String conversationId, Set<String> recipients) {
        Set<String> participants = new LinkedHashSet<>(store.participantIds(conversationId));
        List<String> unknown = recipients.stream().filter(id -> !participants.contains(id)).sorted().toList();
        if (!unknown.isEmpty()) {
            throw new ProtocolException(ErrorCode.INVALID_DATA, "encryptedContents names users who are not participants",
                    Map.of("field", "encryptedContents", "reason", "unknown recipients", "unknownUserIds", unknown));
        }
        if (engine.config().requireCopyForEveryParticipant()) {
            List<String> missing = participants.stream().filter(id -> !recipients.contains(id)).sorted().toList();
            if (!missing.isEmpty()) {
                throw new ProtocolException(ErrorCode.INVALID_DATA, "encryptedContents lacks a copy for some participants",
                        Map.of("field", "encryptedContents", "reason", "missing recipients", "missingUserIds", missing));
            }
        }
    }

    // ---- 3.7 load_messages, load_more_messages ----

    private void loadMessages(Session s, LoadMessages req, String requestId) {
        String me = s.userId();
        requireParticipant(s, req.conversationId());
        MessagePage page = store.loadMessages(req.conversationId(), me, null, req.pageSize(engine.config().limits()),
                Boolean.TRUE.equals(req.includeDeleted()), Boolean.TRUE.equals(req.excludeThreadReplies()));
        if (!Boolean.FALSE.equals(req.markRead()) && !page.messages().isEmpty()) {
            long newest = page.messages().get(page.messages().size() - 1).seq();
            if (engine.enabled(Extension.RECEIPTS)) {
                extensions.moveReadPosition(s, req.conversationId(), newest);
            } else {
                store.markRead(req.conversationId(), me, newest);
            }
        }
        s.send(MessageType.MESSAGES_LOADED, loaded(req.conversationId(), page, me), requestId);
    }

    private void loadMore(Session s, LoadMoreMessages req, String requestId) {
        String me = s.userId();
        requireParticipant(s, req.conversationId());
        MessageRecord cursor = store.findMessage(req.conversationId(), req.beforeMessageId(), me)
                .orElseThrow(() -> ProtocolException.notFound("message"));
        MessagePage page = store.loadMessages(req.conversationId(), me, cursor.seq(),
                req.pageSize(engine.config().limits()), Boolean.TRUE.equals(req.includeDeleted()),
                Boolean.TRUE.equals(req.excludeThreadReplies()));
        s.send(MessageType.MESSAGES_LOADED, loaded(req.conversationId(), page, me), requestId);
    }

    private MessagesLoaded loaded(String conversationId, MessagePage page, String viewerId) {
        List<Message> messages = new ArrayList<>(page.messages().size());
        for (MessageRecord r : page.messages()) {
            messages.add(engine.views().message(r, viewerId));
        }
        return new MessagesLoaded(conversationId, messages, page.hasMore(),
                engine.enabled(Extension.RECEIPTS) ? extensions.readState(conversationId, viewerId) : null);
    }

    // ---- 3.8 typing ----

    private void typing(Session s, MessageType type, ConversationRequest req, String requestId) {
        String me = s.userId();
        requireParticipant(s, req.conversationId());
        boolean start = type == MessageType.TYPING_START;
        String username = s.principal().username();
        boolean changed = start
                ? engine.typing().start(req.conversationId(), me, username, engine.now())
                : engine.typing().stop(req.conversationId(), me, engine.now());
        s.send(type, new TypingAck(req.conversationId(), start), requestId);
        if (changed) {
            announceTyping(req.conversationId(), me, username, start);
        }
    }

    /** Ends the user's typing in the conversation, announcing it if they were typing. */
    void stopTyping(String conversationId, String userId) {
        if (engine.typing().stop(conversationId, userId, engine.now())) {
            announceTyping(conversationId, userId, null, false);
        }
    }

    void announceTyping(String conversationId, String userId, String username, boolean isTyping) {
        String name = username;
        if (name == null) {
            List<User> users = store.findUsers(List.of(userId));
            name = users.isEmpty() ? userId : users.get(0).typingName();
        }
        String frame = engine.encode(MessageType.TYPING_UPDATE, new TypingUpdate(conversationId, userId, name, isTyping));
        engine.publishToConversation(conversationId, new BrokerEvent(frame, null, userId, null, null));
    }
}
