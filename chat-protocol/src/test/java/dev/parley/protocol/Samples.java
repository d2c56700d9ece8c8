package dev.parley.protocol;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.parley.protocol.model.AuthUser;
import dev.parley.protocol.model.Conversation;
import dev.parley.protocol.model.ConversationType;
import dev.parley.protocol.model.FileInfo;
import dev.parley.protocol.model.Message;
import dev.parley.protocol.model.Participant;
import dev.parley.protocol.model.Reaction;
import dev.parley.protocol.model.ReplyPreview;
import dev.parley.protocol.model.Role;
import dev.parley.protocol.model.User;
import dev.parley.protocol.payload.AuthPayloads.Auth;
import dev.parley.protocol.payload.AuthPayloads.AuthSuccess;
import dev.parley.protocol.payload.AuthPayloads.Limits;
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
import dev.parley.protocol.payload.ConversationPayloads.ConversationCreated;
import dev.parley.protocol.payload.ConversationPayloads.ConversationJoined;
import dev.parley.protocol.payload.ConversationPayloads.ConversationLeft;
import dev.parley.protocol.payload.ConversationPayloads.ConversationRequest;
import dev.parley.protocol.payload.ConversationPayloads.ConversationsLoaded;
import dev.parley.protocol.payload.ConversationPayloads.CreateConversation;
import dev.parley.protocol.payload.EditPayloads.DeleteMessage;
import dev.parley.protocol.payload.EditPayloads.EditMessage;
import dev.parley.protocol.payload.EditPayloads.MessageDeleted;
import dev.parley.protocol.payload.EditPayloads.MessageEdited;
import dev.parley.protocol.payload.EditPayloads.MessageUpdated;
import dev.parley.protocol.payload.FilePayloads.FileChunk;
import dev.parley.protocol.payload.FilePayloads.FileChunkAck;
import dev.parley.protocol.payload.FilePayloads.FileChunkData;
import dev.parley.protocol.payload.FilePayloads.FileChunkGet;
import dev.parley.protocol.payload.FilePayloads.FileDownload;
import dev.parley.protocol.payload.FilePayloads.FileDownloadReady;
import dev.parley.protocol.payload.FilePayloads.FileUploadCancel;
import dev.parley.protocol.payload.FilePayloads.FileUploadCancelled;
import dev.parley.protocol.payload.FilePayloads.FileUploadComplete;
import dev.parley.protocol.payload.FilePayloads.FileUploadReady;
import dev.parley.protocol.payload.FilePayloads.FileUploadStart;
import dev.parley.protocol.payload.KeyPayloads.GetKeys;
import dev.parley.protocol.payload.KeyPayloads.KeyPublished;
import dev.parley.protocol.payload.KeyPayloads.KeyUpdated;
import dev.parley.protocol.payload.KeyPayloads.KeysLoaded;
import dev.parley.protocol.payload.KeyPayloads.PublicKeyInfo;
import dev.parley.protocol.payload.KeyPayloads.PublishKey;
import dev.parley.protocol.payload.MessagePayloads.LoadMessages;
import dev.parley.protocol.payload.MessagePayloads.LoadMoreMessages;
import dev.parley.protocol.payload.MessagePayloads.MessageReceived;
import dev.parley.protocol.payload.MessagePayloads.MessageSent;
import dev.parley.protocol.payload.MessagePayloads.MessagesLoaded;
import dev.parley.protocol.payload.MessagePayloads.SendMessage;
import dev.parley.protocol.payload.PresencePayloads.GetPresence;
import dev.parley.protocol.payload.PresencePayloads.PresenceInfo;
import dev.parley.protocol.payload.PresencePayloads.PresenceLoaded;
import dev.parley.protocol.payload.PresencePayloads.PresenceSet;
import dev.parley.protocol.payload.PresencePayloads.SetPresence;
import dev.parley.protocol.payload.PresencePayloads.UserPresence;
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
import dev.parley.protocol.payload.SystemPayloads.Empty;
import dev.parley.protocol.payload.SystemPayloads.ErrorPayload;
import dev.parley.protocol.payload.ThreadPayloads.LoadThread;
import dev.parley.protocol.payload.ThreadPayloads.ThreadLoaded;
import dev.parley.protocol.payload.ThreadPayloads.ThreadUpdated;
import dev.parley.protocol.payload.TypingPayloads.TypingAck;
import dev.parley.protocol.payload.TypingPayloads.TypingUpdate;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One representative payload per message type and direction, filled with realistic values (nulls,
 * nested resources, non-ASCII text, opaque JSON), so that round trips exercise every field kind.
 */
final class Samples {
    static final Instant T0 = Instant.parse("2025-03-01T09:00:10.012Z");
    static final Instant T1 = Instant.parse("2025-03-01T09:01:02.015Z");
    static final Instant EXPIRES = Instant.parse("2025-03-01T10:00:00.000Z");
    static final String SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    static final User ALICE = User.of("u-alice", "alice", "Alice", null);
    static final User BOB = User.of("u-bob", "bob", "Bob", "https://example.org/bob.png");
    static final User CAROL_WITH_PRESENCE = new User("u-carol", "carol", "Carol Ä", null, "away", "Lunch 🍜", T0);

    private Samples() {
    }

    static JsonObject metadata() {
        JsonObject meta = new JsonObject();
        meta.addProperty("client", "web");
        meta.addProperty("n", 42);
        JsonArray flags = new JsonArray();
        flags.add(true);
        flags.add(JsonNull.INSTANCE);
        flags.add("ünïcødé");
        meta.add("flags", flags);
        return meta;
    }

    static JsonObject sdpObject(String type) {
        JsonObject sdp = new JsonObject();
        sdp.addProperty("type", type);
        sdp.addProperty("sdp", "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\n");
        sdp.addProperty("pqKem", "bWwta2VtLTEwMjQ=");
        return sdp;
    }

    static JsonElement iceCandidate() {
        JsonObject c = new JsonObject();
        c.addProperty("candidate", "candidate:842163049 1 udp 1677729535 192.0.2.3 50000 typ srflx");
        c.addProperty("sdpMid", "0");
        c.addProperty("sdpMLineIndex", 0);
        return c;
    }

    /** Alice's first message, as in a plain (no extension fields) server. */
    static Message message() {
        return new Message("m-1", "c-1", "u-alice", ALICE, "text", "Hi Bob! 👋", null, null, new JsonObject(), T1, 1,
                "cm-a-1", null, null, null, null, null, null);
    }

    /** Bob's reply to m-1, with metadata and the extension fields threads and reactions add. */
    static Message reply() {
        return new Message("m-2", "c-1", "u-bob", BOB, "text", "Hello!", "m-1",
                new ReplyPreview("m-1", "u-alice", "Hi Bob! 👋", null), metadata(), T1.plusSeconds(8), 2, null,
                T1.plusSeconds(20), null, "m-1", 0, null,
                List.of(new Reaction("👍", 2, List.of("u-alice", "u-bob")), new Reaction(":tada:", 1, List.of("u-bob"))));
    }

    static Message fileMessage() {
        JsonObject meta = new JsonObject();
        meta.add("file", JsonCodec.standard().toJsonTree(new FileInfo("f-1", "report.pdf", "application/pdf", 123456, SHA)));
        return new Message("m-4", "c-1", "u-carol", CAROL_WITH_PRESENCE, "file", null, null, null, meta, T1.plusSeconds(60),
                4, "cm-f-1", null, null, null, 3, T1.plusSeconds(90), List.of());
    }

    static Message tombstone() {
        return new Message("m-3", "c-1", "u-alice", ALICE, "text", null, null, null, new JsonObject(), T1.plusSeconds(18), 3,
                null, null, T1.plusSeconds(300), null, null, null, List.of());
    }

    static Conversation conversation() {
        return Conversation.builder()
                .id("c-1")
                .type(ConversationType.DIRECT)
                .name("Bob")
                .avatarUrl("https://example.org/bob.png")
                .createdBy("u-alice")
                .createdAt(T0)
                .updatedAt(T0)
                .participants(List.of(
                        new Participant("u-alice", Role.ADMIN, T0, ALICE),
                        new Participant("u-bob", Role.MEMBER, T0, BOB)))
                .latestMessage(message())
                .unreadCount(1)
                .latestSeq(1)
                .lastReadSeq(0)
                .build();
    }

    static Conversation room() {
        return Conversation.builder()
                .id("c-9")
                .type(ConversationType.ROOM)
                .name("general")
                .description("Everyone")
                .group("g-1", "Parley team")
                .createdBy("u-carol")
                .createdAt(T0)
                .updatedAt(T1)
                .participants(List.of(new Participant("u-carol", Role.MODERATOR, T0, CAROL_WITH_PRESENCE)))
                .build();
    }

    static Map<MessageType, Record> requests() {
        Map<MessageType, Record> m = new EnumMap<>(MessageType.class);
        m.put(MessageType.AUTH, new Auth("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1LWFsaWNlIn0.c2ln", List.of("reactions", "threads")));
        m.put(MessageType.LOAD_CONVERSATIONS, Empty.INSTANCE);
        m.put(MessageType.JOIN_CONVERSATION, new ConversationRequest("c-1"));
        m.put(MessageType.LEAVE_CONVERSATION, new ConversationRequest("c-1"));
        m.put(MessageType.CREATE_CONVERSATION, new CreateConversation("group", List.of("u-bob", "u-carol"), "Lunch 🍕", null));
        m.put(MessageType.SEND_MESSAGE, new SendMessage("c-1", "Hi\u0000Bob 👋", null, "text", "m-0", metadata(), "cm-a-1", "m-root"));
        m.put(MessageType.LOAD_MESSAGES, new LoadMessages("c-1", 20, false, true, true));
        m.put(MessageType.LOAD_MORE_MESSAGES, new LoadMoreMessages("c-1", "m-2", 2, false, null));
        m.put(MessageType.TYPING_START, new ConversationRequest("c-1"));
        m.put(MessageType.TYPING_STOP, new ConversationRequest("c-1"));
        m.put(MessageType.PING, Empty.INSTANCE);
        m.put(MessageType.PONG, Empty.INSTANCE);
        m.put(MessageType.ADD_REACTION, new ReactionRequest("c-1", "m-1", "👍🏽"));
        m.put(MessageType.REMOVE_REACTION, new ReactionRequest("c-1", "m-1", ":tada:"));
        m.put(MessageType.LOAD_THREAD, new LoadThread("c-1", "m-1", "m-9", 10));
        m.put(MessageType.EDIT_MESSAGE, new EditMessage("c-1", "m-1", null, Map.of("u-alice", "ct-for-alice", "u-bob", "ct-for-bob"), metadata()));
        m.put(MessageType.DELETE_MESSAGE, new DeleteMessage("c-1", "m-1"));
        m.put(MessageType.MARK_READ, new MarkRead("c-1", "m-3"));
        m.put(MessageType.SET_PRESENCE, new SetPresence("busy", Optional.of("In a meeting")));
        m.put(MessageType.GET_PRESENCE, new GetPresence(List.of("u-bob", "u-carol")));
        m.put(MessageType.SEARCH_MESSAGES, new SearchMessages("c-1", "lunch", 10, "m-9"));
        m.put(MessageType.RESUME, new Resume(List.of(new ResumeEntry("c-1", 3L), new ResumeEntry("c-2", 0L)), T0));
        m.put(MessageType.CALL_OFFER, new CallOffer("u-bob", new JsonPrimitive("v=0\r\no=- 1 2 IN IP4 127.0.0.1"), "video", "c-1"));
        m.put(MessageType.CALL_ANSWER, new CallAnswer("call-1", sdpObject("answer")));
        m.put(MessageType.CALL_DECLINE, new CallClose("call-1", "busy"));
        m.put(MessageType.CALL_END, new CallClose("call-1", null));
        m.put(MessageType.CALL_ICE_CANDIDATE, new CallIceCandidate("call-1", iceCandidate(), "u-bob"));
        m.put(MessageType.CALL_SDP_OFFER, new CallSdp("call-1", sdpObject("offer"), null));
        m.put(MessageType.CALL_SDP_ANSWER, new CallSdp("call-1", sdpObject("answer"), "u-alice"));
        m.put(MessageType.FILE_UPLOAD_START, new FileUploadStart("c-1", "report 2025.pdf", "application/pdf", 123456L, SHA, "cm-f-1"));
        m.put(MessageType.FILE_CHUNK, new FileChunk("up-1", 0, "AAECAw=="));
        m.put(MessageType.FILE_UPLOAD_COMPLETE, new FileUploadComplete("up-1", "image", "A caption", null, "m-1", null, metadata()));
        m.put(MessageType.FILE_UPLOAD_CANCEL, new FileUploadCancel("up-1"));
        m.put(MessageType.FILE_DOWNLOAD, new FileDownload("f-1"));
        m.put(MessageType.FILE_CHUNK_GET, new FileChunkGet("f-1", 3));
        m.put(MessageType.PUBLISH_KEY, new PublishKey("MCowBQYDK2VuAyEAm8n4xJk2", "x25519"));
        m.put(MessageType.GET_KEYS, new GetKeys(List.of("u-bob"), "ml-kem-1024"));
        return m;
    }

    static Map<MessageType, Record> serverPayloads() {
        Map<MessageType, Record> m = new EnumMap<>(MessageType.class);
        m.put(MessageType.AUTH_SUCCESS, new AuthSuccess(AuthUser.of(ALICE, "alice@example.org", null, null), EXPIRES, 1,
                List.of("reactions"), new Limits(1048576, 65536, 26214400, 49152)));
        m.put(MessageType.AUTH_ERROR, new ErrorPayload("Token expired", "TOKEN_EXPIRED", null, null, EXPIRES));
        m.put(MessageType.CONVERSATIONS_LOADED, new ConversationsLoaded(List.of(conversation(), room())));
        m.put(MessageType.CONVERSATION_JOINED, new ConversationJoined("c-1", conversation(), List.of("u-alice"), List.of()));
        m.put(MessageType.CONVERSATION_LEFT, new ConversationLeft("c-1"));
        m.put(MessageType.CONVERSATION_CREATED, ConversationCreated.of(conversation(), true));
        m.put(MessageType.MESSAGE_SENT, MessageSent.of(message(), true));
        m.put(MessageType.MESSAGE_RECEIVED, new MessageReceived(reply()));
        m.put(MessageType.MESSAGES_LOADED, new MessagesLoaded("c-1", List.of(message(), reply(), tombstone(), fileMessage()), true,
                List.of(new ReadState("u-bob", 1))));
        m.put(MessageType.TYPING_START, new TypingAck("c-1", true));
        m.put(MessageType.TYPING_STOP, new TypingAck("c-1", false));
        m.put(MessageType.TYPING_UPDATE, new TypingUpdate("c-1", "u-alice", "alice", true));
        m.put(MessageType.USER_ONLINE, new UserPresence("u-alice", "c-1", T0));
        m.put(MessageType.USER_OFFLINE, new UserPresence("u-alice", "c-1", T1));
        m.put(MessageType.ERROR, new ErrorPayload("Missing required fields: conversationId", "MISSING_REQUIRED_FIELDS", "r-1",
                Map.of("fields", List.of("conversationId")), null));
        m.put(MessageType.PONG, Empty.INSTANCE);
        List<Reaction> reactions = List.of(new Reaction("👍", 2, List.of("u-alice", "u-bob")));
        m.put(MessageType.REACTION_ADDED, new ReactionResult("c-1", "m-1", "👍", reactions));
        m.put(MessageType.REACTION_REMOVED, new ReactionResult("c-1", "m-1", "🎉", reactions));
        m.put(MessageType.REACTION_UPDATED, new ReactionUpdated("c-1", "m-1", "u-bob", "👍", "added", reactions));
        m.put(MessageType.THREAD_LOADED, new ThreadLoaded("c-1", "m-4", fileMessage(), List.of(reply()), false));
        m.put(MessageType.THREAD_UPDATED, new ThreadUpdated("c-1", "m-4", 3, T1));
        m.put(MessageType.MESSAGE_EDITED, new MessageEdited(reply()));
        m.put(MessageType.MESSAGE_DELETED, new MessageDeleted("c-1", "m-3", T1));
        m.put(MessageType.MESSAGE_UPDATED, new MessageUpdated("deleted", tombstone()));
        m.put(MessageType.MARKED_READ, new MarkedRead("c-1", "m-3", 3, 0));
        m.put(MessageType.READ_RECEIPT, new ReadReceipt("c-1", "u-bob", "m-3", 3, T1));
        m.put(MessageType.UNREAD_UPDATE, new UnreadUpdate("c-1", 2, 1));
        m.put(MessageType.PRESENCE_SET, new PresenceSet("away", null, null));
        m.put(MessageType.PRESENCE_LOADED, new PresenceLoaded(List.of(new PresenceInfo("u-bob", "online", null, null),
                new PresenceInfo("u-carol", "offline", "On holiday", T0))));
        m.put(MessageType.PRESENCE_UPDATE, new PresenceInfo("u-bob", "busy", "Focus", null));
        m.put(MessageType.SEARCH_RESULTS, new SearchResults(null, "lunch", List.of(reply()), false));
        m.put(MessageType.RESUMED, new Resumed(List.of(
                new ResumeResult("c-1", true, null, 5, List.of(reply()), List.of(tombstone()), false),
                new ResumeResult("c-2", false, "ACCESS_DENIED", 0, List.of(), List.of(), false))));
        m.put(MessageType.CALL_OFFER, new CallOfferEvent("call-1", "u-alice", "Alice", null, "video", "c-1", new JsonPrimitive("v=0")));
        m.put(MessageType.CALL_ANSWER, new CallAnswerEvent("call-1", "u-bob", sdpObject("answer")));
        m.put(MessageType.CALL_DECLINE, new CallDeclineEvent("call-1", "u-bob", "busy"));
        m.put(MessageType.CALL_END, new CallEndEvent("call-1", "u-alice", "hangup", 42L));
        m.put(MessageType.CALL_ICE_CANDIDATE, new CallIceCandidateEvent("call-1", "u-bob", iceCandidate()));
        m.put(MessageType.CALL_SDP_OFFER, new CallSdpEvent("call-1", "u-alice", sdpObject("offer")));
        m.put(MessageType.CALL_SDP_ANSWER, new CallSdpEvent("call-1", "u-bob", sdpObject("answer")));
        m.put(MessageType.CALL_STATUS, new CallStatus("call-1", "ended", null, Optional.empty()));
        m.put(MessageType.FILE_UPLOAD_READY, new FileUploadReady("up-1", 49152, 3, T1));
        m.put(MessageType.FILE_CHUNK_ACK, new FileChunkAck("up-1", 0, 49152));
        m.put(MessageType.FILE_UPLOAD_CANCELLED, new FileUploadCancelled("up-1"));
        m.put(MessageType.FILE_DOWNLOAD_READY, new FileDownloadReady("f-1", "c-1", "report.pdf", "application/pdf", 123456, SHA, 49152, 3));
        m.put(MessageType.FILE_CHUNK_DATA, new FileChunkData("f-1", 2, "AAECAw==", true));
        m.put(MessageType.KEY_PUBLISHED, new KeyPublished("x25519", SHA, T0));
        m.put(MessageType.KEYS_LOADED, new KeysLoaded(List.of(new PublicKeyInfo("u-bob", "x25519", "MCowBQYDK2VuAyEAm8n4xJk2", SHA, T0))));
        m.put(MessageType.KEY_UPDATED, new KeyUpdated("u-bob", "x25519", SHA, T1));
        return m;
    }
}
