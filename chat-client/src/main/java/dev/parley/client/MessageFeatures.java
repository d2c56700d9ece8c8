package dev.parley.client;

import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.parley.protocol.Envelope;
import dev.parley.protocol.JsonCodec;
import dev.parley.protocol.MessageType;
import dev.parley.protocol.model.Message;
import dev.parley.protocol.model.Reaction;
import dev.parley.protocol.payload.EditPayloads.DeleteMessage;
import dev.parley.protocol.payload.EditPayloads.EditMessage;
import dev.parley.protocol.payload.EditPayloads.MessageDeleted;
import dev.parley.protocol.payload.EditPayloads.MessageEdited;
import dev.parley.protocol.payload.EditPayloads.MessageUpdated;
import dev.parley.protocol.payload.MessagePayloads.MessagesLoaded;
import dev.parley.protocol.payload.PresencePayloads.GetPresence;
import dev.parley.protocol.payload.PresencePayloads.PresenceInfo;
import dev.parley.protocol.payload.PresencePayloads.PresenceLoaded;
import dev.parley.protocol.payload.PresencePayloads.PresenceSet;
import dev.parley.protocol.payload.ReactionPayloads.ReactionRequest;
import dev.parley.protocol.payload.ReactionPayloads.ReactionResult;
import dev.parley.protocol.payload.ReactionPayloads.ReactionUpdated;
import dev.parley.protocol.payload.ReceiptPayloads.MarkRead;
import dev.parley.protocol.payload.ReceiptPayloads.MarkedRead;
import dev.parley.protocol.payload.ReceiptPayloads.ReadReceipt;
import dev.parley.protocol.payload.ReceiptPayloads.UnreadUpdate;
import dev.parley.protocol.payload.SearchPayloads.SearchMessages;
import dev.parley.protocol.payload.SearchPayloads.SearchResults;
import dev.parley.protocol.payload.ThreadPayloads.LoadThread;
import dev.parley.protocol.payload.ThreadPayloads.ThreadLoaded;
import dev.parley.protocol.payload.ThreadPayloads.ThreadUpdated;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

/**
 * The message extensions of protocol 6.1 to 6.6 (reactions, threads, edits, receipts, presence,
 * search) on top of {@link ClientCore}: their requests, and how answers and events change the held
 * state. An answer changes the state of this client (events skip the connection whose request
 * caused them, 6.0); an event changes it for everything else. A message that is not held is never
 * added by a change, so the held ranges keep having no hole. Client thread only.
 */
final class MessageFeatures {
    private final ClientCore core;
    private final JsonCodec codec;
    private final MessageStore messages;
    private final ThreadStore threads = new ThreadStore();
    private final RoomState rooms;
    private final ClientStateView view;
    private final Map<String, Map<String, Long>> readPositions = new HashMap<>();

    MessageFeatures(ClientCore core, JsonCodec codec, MessageStore messages, RoomState rooms, ClientStateView view) {
        this.core = core;
        this.codec = codec;
        this.messages = messages;
        this.rooms = rooms;
        this.view = view;
    }

    // ---- 6.1 reactions ----

    CompletableFuture<ReactionResult> react(String conversationId, String messageId, String emoji, boolean add) {
        return ask(add ? MessageType.ADD_REACTION : MessageType.REMOVE_REACTION,
                new ReactionRequest(conversationId, messageId, emoji), ReactionResult.class)
                .thenApply(r -> {
                    reactions(r.conversationId(), r.messageId(), r.reactions());
                    return r;
                });
    }

    private void reactions(String conversationId, String messageId, List<Reaction> reactions) {
        if (conversationId != null && messageId != null && reactions != null) {
            change(conversationId, messageId, m -> withReactions(m, reactions));
        }
    }

    // ---- 6.2 threads ----

    /** A thread reply goes through the outbound queue; this connection gets no {@code thread_updated}, so the root is read back. */
    CompletableFuture<SendResult> replyInThread(String conversationId, String threadRootId, String content) {
        return core.sendMessage(conversationId, content, "text", null, threadRootId).thenCompose(r -> !r.success()
                ? CompletableFuture.completedFuture(r)
                : ask(MessageType.LOAD_THREAD, new LoadThread(conversationId, threadRootId, null, 1), ThreadLoaded.class)
                        .handle((page, e) -> {
                            if (page != null && page.root() != null) {
                                held(conversationId, page.root());
                            }
                            return r;
                        }));
    }

    CompletableFuture<ThreadLoaded> loadThread(String conversationId, String threadRootId, boolean older) {
        Message oldest = older ? threads.oldestReply(conversationId, threadRootId) : null;
        if (older && oldest == null) {
            return loadThread(conversationId, threadRootId, false);
        }
        return ask(MessageType.LOAD_THREAD, new LoadThread(conversationId, threadRootId,
                oldest == null ? null : oldest.id(), null), ThreadLoaded.class)
                .thenApply(page -> {
                    if (page.root() != null) {
                        held(conversationId, page.root());
                        view.publishThread(threads.page(conversationId, page.root(), nonNull(page.messages()),
                                page.hasMore(), older));
                    }
                    return page;
                });
    }

    /**
     * After a reconnect a held thread may have missed replies and counts; its newest page is loaded
     * again, which starts its held replies afresh, so they never have a hole.
     */
    void reconnected() {
        for (Map.Entry<String, String> t : threads.held()) {
            loadThread(t.getKey(), t.getValue(), false).whenComplete((page, e) -> { });
        }
    }

    /** Messages merged into the held conversation may belong to (or be the root of) a loaded thread. */
    void arrived(String conversationId, Collection<Message> incoming) {
        for (Message m : incoming) {
            MessageThread t = threads.arrived(conversationId, m);
            if (t != null) {
                view.publishThread(t);
            }
        }
    }

    // ---- 6.3 edits ----

    CompletableFuture<Message> edit(String conversationId, String messageId, String content) {
        return ask(MessageType.EDIT_MESSAGE, new EditMessage(conversationId, messageId, content, null, null),
                MessageEdited.class).thenApply(e -> {
                    held(conversationId, e.message());
                    return e.message();
                });
    }

    CompletableFuture<MessageDeleted> delete(String conversationId, String messageId) {
        return ask(MessageType.DELETE_MESSAGE, new DeleteMessage(conversationId, messageId), MessageDeleted.class)
                .thenApply(d -> {
                    deleted(d);
                    return d;
                });
    }

    private void deleted(MessageDeleted d) {
        if (d.conversationId() != null && d.messageId() != null) {
            change(d.conversationId(), d.messageId(), m -> m.isDeleted() ? m : tombstone(m, d.deletedAt()));
        }
    }

    /** A held message as deletion leaves it for every viewer (6.3): no body, metadata or reactions. */
    private static Message tombstone(Message m, Instant deletedAt) {
        return new Message(m.id(), m.conversationId(), m.senderId(), m.sender(), m.messageType(), null,
                m.replyToId(), m.replyTo(), null, m.createdAt(), m.seq(), m.clientMessageId(), m.editedAt(),
                deletedAt, m.threadRootId(), m.threadReplyCount(), m.threadLastReplyAt(),
                m.reactions() == null ? null : List.of());
    }

    // ---- 6.4 receipts ----

    CompletableFuture<MarkedRead> markRead(String conversationId, String messageId) {
        return ask(MessageType.MARK_READ, new MarkRead(conversationId, messageId), MarkedRead.class)
                .thenApply(r -> {
                    rooms.readState(conversationId, r.unreadCount(), r.lastReadSeq());
                    return r;
                });
    }

    /**
     * A page of messages arrived. {@code readState} lists the others' read positions; a newest page
     * loaded with {@code markRead} moved this user's position to its newest message (3.7), which
     * leaves nothing unread.
     */
    void loaded(String conversationId, MessagesLoaded page, boolean markedRead) {
        if (page.readState() != null) {
            page.readState().forEach(s -> readPosition(conversationId, s.userId(), s.lastReadSeq()));
            view.publishReadPositions(conversationId, positions(conversationId));
        }
        List<Message> list = nonNull(page.messages());
        if (markedRead && !list.isEmpty()) {
            rooms.readState(conversationId, 0, list.get(list.size() - 1).seq());
        }
    }

    private void readPosition(String conversationId, String userId, long seq) {
        if (userId != null) {
            positions(conversationId).merge(userId, seq, Math::max); // positions only move forward
        }
    }

    private Map<String, Long> positions(String conversationId) {
        return readPositions.computeIfAbsent(conversationId, k -> new HashMap<>());
    }

    // ---- 6.5 presence ----

    CompletableFuture<PresenceSet> setPresence(PresenceStatus status, String customStatus, boolean keepCustom) {
        JsonObject payload = new JsonObject(); // customStatus: absent keeps it, null clears it
        payload.addProperty("status", status.wireName());
        if (!keepCustom) {
            payload.add("customStatus", customStatus == null ? JsonNull.INSTANCE : new JsonPrimitive(customStatus));
        }
        return ask(MessageType.SET_PRESENCE, payload, PresenceSet.class).thenApply(p -> {
            String self = core.selfId();
            if (self != null) {
                view.publishPresence(new PresenceInfo(self, p.status(), p.customStatus(), p.lastSeen()));
            }
            return p;
        });
    }

    CompletableFuture<List<PresenceInfo>> loadPresence(List<String> userIds) {
        return ask(MessageType.GET_PRESENCE, new GetPresence(userIds), PresenceLoaded.class).thenApply(loaded -> {
            List<PresenceInfo> list = nonNull(loaded.presence());
            list.forEach(view::publishPresence);
            return list;
        });
    }

    // ---- 6.6 search ----

    CompletableFuture<SearchResults> search(String conversationId, String query, String beforeMessageId) {
        return ask(MessageType.SEARCH_MESSAGES, new SearchMessages(conversationId, query, null, beforeMessageId),
                SearchResults.class);
    }

    // ---- events and answers ----

    /** Applies an event of these extensions; {@code false} if it is none of theirs. */
    boolean onEvent(Envelope env) {
        MessageType type = env.messageType();
        if (type == null) {
            return false;
        }
        switch (type) {
            case REACTION_UPDATED -> {
                ReactionUpdated u = codec.readServerPayload(env.payload(), ReactionUpdated.class);
                reactions(u.conversationId(), u.messageId(), u.reactions());
                view.reactionChanged(u);
            }
            case THREAD_UPDATED -> {
                ThreadUpdated u = codec.readServerPayload(env.payload(), ThreadUpdated.class);
                if (u.conversationId() != null && u.threadRootId() != null) {
                    change(u.conversationId(), u.threadRootId(),
                            m -> withThread(m, u.threadReplyCount(), u.threadLastReplyAt()));
                }
            }
            case MESSAGE_UPDATED -> {
                Message m = codec.readServerPayload(env.payload(), MessageUpdated.class).message();
                if (m != null && m.conversationId() != null && held(m.conversationId(), m)) {
                    if (m.isDeleted()) {
                        view.messageDeleted(m);
                    } else {
                        view.messageEdited(m);
                    }
                }
            }
            case READ_RECEIPT -> {
                ReadReceipt r = codec.readServerPayload(env.payload(), ReadReceipt.class);
                if (r.conversationId() != null && r.userId() != null) {
                    readPosition(r.conversationId(), r.userId(), r.lastReadSeq());
                    view.publishReadPositions(r.conversationId(), positions(r.conversationId()));
                    view.readReceipt(r);
                }
            }
            case UNREAD_UPDATE -> {
                UnreadUpdate u = codec.readServerPayload(env.payload(), UnreadUpdate.class);
                if (u.conversationId() != null) {
                    rooms.readState(u.conversationId(), u.unreadCount(), u.lastReadSeq());
                }
            }
            case PRESENCE_UPDATE -> {
                PresenceInfo p = codec.readServerPayload(env.payload(), PresenceInfo.class);
                if (p.userId() != null) {
                    view.publishPresence(p);
                }
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /** The answer to a request made through {@link ChatClient#request}: applied as if made through the typed call. */
    void answered(Envelope env) {
        MessageType type = env.messageType();
        if (type == MessageType.MESSAGE_EDITED) {
            Message m = codec.readServerPayload(env.payload(), MessageEdited.class).message();
            if (m != null && m.conversationId() != null) {
                held(m.conversationId(), m);
            }
        } else if (type == MessageType.MESSAGE_DELETED) {
            deleted(codec.readServerPayload(env.payload(), MessageDeleted.class));
        } else if (type == MessageType.REACTION_ADDED || type == MessageType.REACTION_REMOVED) {
            ReactionResult r = codec.readServerPayload(env.payload(), ReactionResult.class);
            reactions(r.conversationId(), r.messageId(), r.reactions());
        }
    }

    // ---- held state ----

    /** Messages reported changed (resume's {@code updated}): held copies are replaced, others stay out. */
    void changed(String conversationId, List<Message> updated) {
        updated.forEach(m -> held(conversationId, m));
    }

    /** Replaces the held copies (conversation, thread) of this message; {@code false} if none is held. */
    private boolean held(String conversationId, Message m) {
        return change(conversationId, m.id(), held -> m);
    }

    /** Changes the held copies of one message; {@code false} if none is held or nothing changed. */
    private boolean change(String conversationId, String messageId, UnaryOperator<Message> how) {
        boolean changed = false;
        Message held = messages.find(conversationId, messageId);
        if (held != null && messages.replace(conversationId, how.apply(held))) {
            view.publishMessages(conversationId, messages.snapshot(conversationId));
            changed = true;
        }
        MessageThread t = threads.update(conversationId, messageId, how);
        if (t != null) {
            view.publishThread(t);
            changed = true;
        }
        return changed;
    }

    private static Message withReactions(Message m, List<Reaction> reactions) {
        return new Message(m.id(), m.conversationId(), m.senderId(), m.sender(), m.messageType(), m.encryptedContent(),
                m.replyToId(), m.replyTo(), m.metadata(), m.createdAt(), m.seq(), m.clientMessageId(), m.editedAt(),
                m.deletedAt(), m.threadRootId(), m.threadReplyCount(), m.threadLastReplyAt(), reactions);
    }

    private static Message withThread(Message m, int replyCount, Instant lastReplyAt) {
        return new Message(m.id(), m.conversationId(), m.senderId(), m.sender(), m.messageType(), m.encryptedContent(),
                m.replyToId(), m.replyTo(), m.metadata(), m.createdAt(), m.seq(), m.clientMessageId(), m.editedAt(),
                m.deletedAt(), m.threadRootId(), replyCount, lastReplyAt, m.reactions());
    }

    private <T> CompletableFuture<T> ask(MessageType type, Object payload, Class<T> answer) {
        return core.request(type, payload, true).thenApply(env -> codec.readServerPayload(env.payload(), answer));
    }

    private static <T> List<T> nonNull(List<T> list) {
        return list == null ? List.of() : list;
    }
}
