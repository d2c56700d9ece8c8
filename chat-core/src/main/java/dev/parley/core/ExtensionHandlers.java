package dev.parley.core;

import dev.parley.core.spi.BrokerEvent;
import dev.parley.core.spi.ChatStore;
import dev.parley.core.spi.ConversationRecord;
import dev.parley.core.spi.MessagePage;
import dev.parley.core.spi.MessageRecord;
import dev.parley.core.spi.ReactionChange;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.Extension;
import dev.parley.protocol.MessageType;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.model.ConversationType;
import dev.parley.protocol.model.Message;
import dev.parley.protocol.model.Participant;
import dev.parley.protocol.model.Role;
import dev.parley.protocol.payload.EditPayloads.DeleteMessage;
import dev.parley.protocol.payload.EditPayloads.EditMessage;
import dev.parley.protocol.payload.EditPayloads.MessageDeleted;
import dev.parley.protocol.payload.EditPayloads.MessageEdited;
import dev.parley.protocol.payload.EditPayloads.MessageUpdated;
import dev.parley.protocol.payload.ReactionPayloads.ReactionRequest;
import dev.parley.protocol.payload.ReactionPayloads.ReactionResult;
import dev.parley.protocol.payload.ReactionPayloads.ReactionUpdated;
import dev.parley.protocol.payload.ReceiptPayloads.MarkRead;
import dev.parley.protocol.payload.ReceiptPayloads.MarkedRead;
import dev.parley.protocol.payload.ReceiptPayloads.ReadReceipt;
import dev.parley.protocol.payload.ReceiptPayloads.ReadState;
import dev.parley.protocol.payload.ReceiptPayloads.UnreadUpdate;
import dev.parley.protocol.payload.ResumePayloads.Resume;
import dev.parley.protocol.payload.ResumePayloads.ResumeEntry;
import dev.parley.protocol.payload.ResumePayloads.ResumeResult;
import dev.parley.protocol.payload.ResumePayloads.Resumed;
import dev.parley.protocol.payload.SearchPayloads.SearchMessages;
import dev.parley.protocol.payload.SearchPayloads.SearchResults;
import dev.parley.protocol.payload.ThreadPayloads.LoadThread;
import dev.parley.protocol.payload.ThreadPayloads.ThreadLoaded;
import dev.parley.protocol.payload.ThreadPayloads.ThreadUpdated;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The message extensions of protocol sections 6.1 to 6.4, 6.6 and 6.7: reactions, threads, edits, receipts, search, resume. */
final class ExtensionHandlers {
    /** Distinct emoji one message may carry (6.1). */
    static final int MAX_DISTINCT_REACTIONS = 50;

    private final ChatEngine engine;
    private final ChatStore store;
    private final BaseHandlers base;

    ExtensionHandlers(ChatEngine engine, BaseHandlers base) {
        this.engine = engine;
        this.store = engine.chatStore();
        this.base = base;
    }

    void handle(Session s, MessageType type, Record payload, String requestId) {
        switch (type) {
            case ADD_REACTION, REMOVE_REACTION -> react(s, type == MessageType.ADD_REACTION, (ReactionRequest) payload,
                    requestId);
            case EDIT_MESSAGE -> edit(s, (EditMessage) payload, requestId);
            case DELETE_MESSAGE -> delete(s, (DeleteMessage) payload, requestId);
            case MARK_READ -> markRead(s, (MarkRead) payload, requestId);
            case LOAD_THREAD -> loadThread(s, (LoadThread) payload, requestId);
            case SEARCH_MESSAGES -> search(s, (SearchMessages) payload, requestId);
            case RESUME -> resume(s, (Resume) payload, requestId);
            default -> throw new ProtocolException(ErrorCode.NOT_SUPPORTED, type.wireName() + " is not supported");
        }
    }

    // ---- 6.1 reactions ----

    private void react(Session s, boolean add, ReactionRequest req, String requestId) {
        String me = s.userId();
        engine.takeToken(UserRateLimits.Kind.MESSAGE, me);
        base.requireParticipant(s, req.conversationId());
        synchronized (engine.conversationLock(req.conversationId())) {
            ReactionChange change;
            try {
                change = (add
                        ? store.addReaction(req.conversationId(), req.messageId(), me, req.emoji(), MAX_DISTINCT_REACTIONS)
                        : store.removeReaction(req.conversationId(), req.messageId(), me, req.emoji()))
                        .orElseThrow(() -> ProtocolException.notFound("message"));
            } catch (IllegalStateException tooMany) {
                throw ProtocolException.tooManyItems("emoji", MAX_DISTINCT_REACTIONS);
            }
            s.send(add ? MessageType.REACTION_ADDED : MessageType.REACTION_REMOVED,
                    new ReactionResult(req.conversationId(), req.messageId(), req.emoji(), change.reactions()), requestId);
            if (change.changed()) {
                String frame = engine.encode(MessageType.REACTION_UPDATED, new ReactionUpdated(req.conversationId(),
                        req.messageId(), me, req.emoji(), add ? "added" : "removed", change.reactions()));
                engine.publishToConversation(req.conversationId(),
                        new BrokerEvent(frame, null, null, s.id(), Extension.REACTIONS.wireName()));
            }
        }
    }

    // ---- 6.3 edits ----

    private void edit(Session s, EditMessage req, String requestId) {
        String me = s.userId();
        engine.takeToken(UserRateLimits.Kind.MESSAGE, me);
        base.requireParticipant(s, req.conversationId());
        MessageRecord current = liveMessage(req.conversationId(), req.messageId(), me);
        if (!current.senderId().equals(me) || "system".equals(current.messageType())) {
            throw ProtocolException.accessDenied();
        }
        if (req.encryptedContents() != null && !req.encryptedContents().isEmpty()) {
            base.checkRecipients(req.conversationId(), req.encryptedContents().keySet());
        }
        String content = req.content() == null || req.content().isEmpty() ? null : req.content();
        Map<String, String> contents = content == null ? req.encryptedContents() : null;
        synchronized (engine.conversationLock(req.conversationId())) {
            MessageRecord edited = store.editMessage(req.conversationId(), req.messageId(), me, content, contents,
                    req.metadata(), engine.now()).orElseThrow(() -> ProtocolException.notFound("message"));
            s.send(MessageType.MESSAGE_EDITED, new MessageEdited(engine.views().message(edited, me)), requestId);
            engine.publishToConversation(req.conversationId(), engine.perViewerEvent(MessageType.MESSAGE_UPDATED,
                    edited, m -> new MessageUpdated("edited", m), Extension.EDITS.wireName(), s.id()));
        }
    }

    private void delete(Session s, DeleteMessage req, String requestId) {
        String me = s.userId();
        engine.takeToken(UserRateLimits.Kind.MESSAGE, me);
        base.requireParticipant(s, req.conversationId());
        MessageRecord current = store.findMessage(req.conversationId(), req.messageId(), me)
                .orElseThrow(() -> ProtocolException.notFound("message"));
        if (current.isDeleted()) {
            s.send(MessageType.MESSAGE_DELETED,
                    new MessageDeleted(req.conversationId(), req.messageId(), current.deletedAt()), requestId);
            return;
        }
        if (!current.senderId().equals(me) && !isGroupAdmin(req.conversationId(), me)) {
            throw ProtocolException.accessDenied();
        }
        synchronized (engine.conversationLock(req.conversationId())) {
            MessageRecord tombstone = store.deleteMessage(req.conversationId(), req.messageId(), engine.now())
                    .orElseThrow(() -> ProtocolException.notFound("message"));
            s.send(MessageType.MESSAGE_DELETED,
                    new MessageDeleted(req.conversationId(), req.messageId(), tombstone.deletedAt()), requestId);
            if (!tombstone.deletedAt().equals(current.deletedAt())) {
                String frame = engine.encode(MessageType.MESSAGE_UPDATED,
                        new MessageUpdated("deleted", engine.views().message(tombstone, me)));
                engine.publishToConversation(req.conversationId(),
                        new BrokerEvent(frame, null, null, s.id(), Extension.EDITS.wireName()));
                if (tombstone.threadRootId() != null) {
                    announceThread(req.conversationId(), tombstone.threadRootId(), me, null);
                }
                announceUnreadCounts(req.conversationId(), tombstone.senderId(), null);
            }
        }
    }

    private boolean isGroupAdmin(String conversationId, String userId) {
        ConversationRecord c = store.findConversation(conversationId, userId).orElse(null);
        if (c == null || c.type() == ConversationType.DIRECT) {
            return false;
        }
        for (Participant p : c.participants()) {
            if (p.userId().equals(userId)) {
                return p.role() == Role.ADMIN;
            }
        }
        return false;
    }

    private MessageRecord liveMessage(String conversationId, String messageId, String viewerId) {
        MessageRecord m = store.findMessage(conversationId, messageId, viewerId).orElse(null);
        if (m == null || m.isDeleted()) {
            throw ProtocolException.notFound("message");
        }
        return m;
    }

    // ---- 6.4 receipts ----

    private void markRead(Session s, MarkRead req, String requestId) {
        String me = s.userId();
        base.requireParticipant(s, req.conversationId());
        MessageRecord target = store.findMessage(req.conversationId(), req.messageId(), me)
                .orElseThrow(() -> ProtocolException.notFound("message"));
        ReadMove move = moveReadPosition(s, req.conversationId(), target.seq());
        s.send(MessageType.MARKED_READ, new MarkedRead(req.conversationId(), move.messageId(), move.position(),
                move.unreadCount()), requestId);
    }

    /** The outcome of moving a read position: where it is now, which message that is, and the unread count. */
    record ReadMove(long position, String messageId, int unreadCount) {
    }

    /**
     * Moves the user's read position up to {@code seq} and, when it moved and receipts are enabled,
     * tells the room ({@code read_receipt}) and the user's other connections ({@code unread_update}).
     */
    ReadMove moveReadPosition(Session s, String conversationId, long seq) {
        String me = s.userId();
        long before = store.findConversation(conversationId, me).map(ConversationRecord::lastReadSeq).orElse(0L);
        long after = store.markRead(conversationId, me, seq);
        ConversationRecord view = store.findConversation(conversationId, me).orElseThrow(ProtocolException::accessDenied);
        String messageId = messageAt(conversationId, me, after);
        if (after > before && engine.enabled(Extension.RECEIPTS)) {
            Instant now = engine.now();
            String receipt = engine.encode(MessageType.READ_RECEIPT,
                    new ReadReceipt(conversationId, me, messageId, after, now));
            engine.publishToConversation(conversationId,
                    new BrokerEvent(receipt, null, me, null, Extension.RECEIPTS.wireName()));
            String unread = engine.encode(MessageType.UNREAD_UPDATE,
                    new UnreadUpdate(conversationId, view.unreadCount(), after));
            engine.publishToUser(me, new BrokerEvent(unread, null, null, s.id(), Extension.RECEIPTS.wireName()));
        }
        return new ReadMove(after, messageId, view.unreadCount());
    }

    private String messageAt(String conversationId, String viewerId, long seq) {
        if (seq <= 0) {
            return null;
        }
        List<MessageRecord> page = store.loadMessages(conversationId, viewerId, seq + 1, 1, true, false).messages();
        return page.isEmpty() ? null : page.get(0).id();
    }

    /** {@code readState} of {@code messages_loaded}: the other participants' read positions. */
    List<ReadState> readState(String conversationId, String viewerId) {
        List<ReadState> states = new ArrayList<>();
        store.readPositions(conversationId).forEach((userId, seq) -> {
            if (!userId.equals(viewerId)) {
                states.add(new ReadState(userId, seq));
            }
        });
        return states;
    }

    /** {@code unread_update} to every participant but {@code exceptUserId} after their count changed. */
    void announceUnreadCounts(String conversationId, String exceptUserId, String excludeSessionId) {
        if (!engine.mayHaveAudience(Extension.RECEIPTS)) {
            return; // a read of every participant, saved on every message
        }
        store.unreadCounts(conversationId).forEach((userId, unread) -> {
            if (!userId.equals(exceptUserId)) {
                String frame = engine.encode(MessageType.UNREAD_UPDATE,
                        new UnreadUpdate(conversationId, unread.count(), unread.lastReadSeq()));
                engine.publishToUser(userId, new BrokerEvent(frame, null, null, excludeSessionId,
                        Extension.RECEIPTS.wireName()));
            }
        });
    }

    // ---- 6.6 search ----

    private void search(Session s, SearchMessages req, String requestId) {
        String me = s.userId();
        engine.takeToken(UserRateLimits.Kind.SEARCH, me);
        if (req.conversationId() != null) {
            base.requireParticipant(s, req.conversationId());
        }
        MessagePage page = store.searchMessages(me, req.conversationId(), req.query(), req.beforeMessageId(),
                req.limitOrDefault()).orElseThrow(() -> ProtocolException.notFound("message"));
        List<Message> messages = new ArrayList<>();
        page.messages().forEach(m -> messages.add(engine.views().message(m, me)));
        s.send(MessageType.SEARCH_RESULTS,
                new SearchResults(req.conversationId(), req.query(), messages, page.hasMore()), requestId);
    }

    // ---- 6.7 resume ----

    /**
     * Joins each conversation's room first and takes the snapshot after, so that nothing falls in
     * between: a message stored meanwhile may come twice (here and as an event), never not at all.
     */
    private void resume(Session s, Resume req, String requestId) {
        String me = s.userId();
        int limit = engine.config().resumeLimit();
        List<ResumeResult> results = new ArrayList<>();
        for (ResumeEntry entry : req.conversations()) {
            ConversationRecord joined;
            try {
                joined = base.joinRoom(s, entry.conversationId());
            } catch (ProtocolException e) {
                results.add(new ResumeResult(entry.conversationId(), false, e.code().name(), 0, List.of(), List.of(),
                        false));
                continue;
            }
            long latest = store.findConversation(joined.id(), me).map(ConversationRecord::latestSeq)
                    .orElse(joined.latestSeq());
            MessagePage missed = store.messagesAfter(joined.id(), me, entry.lastSeq(), limit);
            MessagePage changed = req.since() == null ? new MessagePage(List.of(), false)
                    : store.messagesChangedSince(joined.id(), me, entry.lastSeq(), req.since(), limit);
            if (missed.hasMore() || changed.hasMore()) {
                results.add(new ResumeResult(entry.conversationId(), true, null, latest, List.of(), List.of(), true));
                continue;
            }
            List<Message> messages = new ArrayList<>();
            missed.messages().forEach(m -> messages.add(engine.views().message(m, me)));
            List<Message> updated = new ArrayList<>();
            changed.messages().forEach(m -> updated.add(engine.views().message(m, me)));
            results.add(new ResumeResult(entry.conversationId(), true, null, latest, messages, updated, false));
        }
        s.send(MessageType.RESUMED, new Resumed(results), requestId);
    }

    // ---- 6.2 threads ----

    private void loadThread(Session s, LoadThread req, String requestId) {
        String me = s.userId();
        base.requireParticipant(s, req.conversationId());
        MessageRecord root = store.findMessage(req.conversationId(), req.threadRootId(), me)
                .orElseThrow(() -> ProtocolException.notFound("thread_root"));
        Long before = null;
        if (req.beforeMessageId() != null) {
            before = store.findMessage(req.conversationId(), req.beforeMessageId(), me)
                    .orElseThrow(() -> ProtocolException.notFound("message")).seq();
        }
        MessagePage page = store.loadThread(req.conversationId(), root.id(), me, before,
                req.pageSize(engine.config().limits()));
        List<Message> messages = new ArrayList<>();
        page.messages().forEach(m -> messages.add(engine.views().message(m, me)));
        s.send(MessageType.THREAD_LOADED, new ThreadLoaded(req.conversationId(), root.id(),
                engine.views().message(root, me), messages, page.hasMore()), requestId);
    }

    /** {@code thread_updated} to the room with the root's current reply count. */
    void announceThread(String conversationId, String rootId, String viewerId, String excludeSessionId) {
        store.findMessage(conversationId, rootId, viewerId).ifPresent(root -> {
            String frame = engine.encode(MessageType.THREAD_UPDATED, new ThreadUpdated(conversationId, rootId,
                    root.threadReplyCount(), root.threadLastReplyAt()));
            engine.publishToConversation(conversationId,
                    new BrokerEvent(frame, null, null, excludeSessionId, Extension.THREADS.wireName()));
        });
    }
}
