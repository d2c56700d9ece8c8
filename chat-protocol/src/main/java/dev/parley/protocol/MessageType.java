package dev.parley.protocol;

import dev.parley.protocol.payload.AuthPayloads.Auth;
import dev.parley.protocol.payload.AuthPayloads.AuthSuccess;
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
import dev.parley.protocol.payload.ReceiptPayloads.UnreadUpdate;
import dev.parley.protocol.payload.ResumePayloads.Resume;
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
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Every message type of the protocol, base (section 3) and extension (section 6), with its wire
 * name, its extension (or {@code null} for base types) and its payload record in each direction:
 * {@link #requestPayload()} for what a client sends, {@link #serverPayload()} for what a server
 * sends. A type that only one side sends has {@code null} for the other.
 */
public enum MessageType {
    // 3.1 authentication
    AUTH(null, Auth.class, null),
    AUTH_SUCCESS(null, null, AuthSuccess.class),
    AUTH_ERROR(null, null, ErrorPayload.class),
    // 3.2 - 3.5 conversations
    LOAD_CONVERSATIONS(null, Empty.class, null),
    CONVERSATIONS_LOADED(null, null, ConversationsLoaded.class),
    JOIN_CONVERSATION(null, ConversationRequest.class, null),
    CONVERSATION_JOINED(null, null, ConversationJoined.class),
    LEAVE_CONVERSATION(null, ConversationRequest.class, null),
    CONVERSATION_LEFT(null, null, ConversationLeft.class),
    CREATE_CONVERSATION(null, CreateConversation.class, null),
    CONVERSATION_CREATED(null, null, ConversationCreated.class),
    // 3.6, 3.7 messages
    SEND_MESSAGE(null, SendMessage.class, null),
    MESSAGE_SENT(null, null, MessageSent.class),
    MESSAGE_RECEIVED(null, null, MessageReceived.class),
    LOAD_MESSAGES(null, LoadMessages.class, null),
    LOAD_MORE_MESSAGES(null, LoadMoreMessages.class, null),
    MESSAGES_LOADED(null, null, MessagesLoaded.class),
    // 3.8 typing: the request type is also its acknowledgement
    TYPING_START(null, ConversationRequest.class, TypingAck.class),
    TYPING_STOP(null, ConversationRequest.class, TypingAck.class),
    TYPING_UPDATE(null, null, TypingUpdate.class),
    // 3.9 presence events
    USER_ONLINE(null, null, UserPresence.class),
    USER_OFFLINE(null, null, UserPresence.class),
    // 3.10, 3.11 system
    ERROR(null, null, ErrorPayload.class),
    PING(null, Empty.class, null),
    PONG(null, Empty.class, Empty.class),
    // 6.1 reactions
    ADD_REACTION(Extension.REACTIONS, ReactionRequest.class, null),
    REMOVE_REACTION(Extension.REACTIONS, ReactionRequest.class, null),
    REACTION_ADDED(Extension.REACTIONS, null, ReactionResult.class),
    REACTION_REMOVED(Extension.REACTIONS, null, ReactionResult.class),
    REACTION_UPDATED(Extension.REACTIONS, null, ReactionUpdated.class),
    // 6.2 threads
    LOAD_THREAD(Extension.THREADS, LoadThread.class, null),
    THREAD_LOADED(Extension.THREADS, null, ThreadLoaded.class),
    THREAD_UPDATED(Extension.THREADS, null, ThreadUpdated.class),
    // 6.3 edits
    EDIT_MESSAGE(Extension.EDITS, EditMessage.class, null),
    DELETE_MESSAGE(Extension.EDITS, DeleteMessage.class, null),
    MESSAGE_EDITED(Extension.EDITS, null, MessageEdited.class),
    MESSAGE_DELETED(Extension.EDITS, null, MessageDeleted.class),
    MESSAGE_UPDATED(Extension.EDITS, null, MessageUpdated.class),
    // 6.4 receipts
    MARK_READ(Extension.RECEIPTS, MarkRead.class, null),
    MARKED_READ(Extension.RECEIPTS, null, MarkedRead.class),
    READ_RECEIPT(Extension.RECEIPTS, null, ReadReceipt.class),
    UNREAD_UPDATE(Extension.RECEIPTS, null, UnreadUpdate.class),
    // 6.5 presence
    SET_PRESENCE(Extension.PRESENCE, SetPresence.class, null),
    PRESENCE_SET(Extension.PRESENCE, null, PresenceSet.class),
    GET_PRESENCE(Extension.PRESENCE, GetPresence.class, null),
    PRESENCE_LOADED(Extension.PRESENCE, null, PresenceLoaded.class),
    PRESENCE_UPDATE(Extension.PRESENCE, null, PresenceInfo.class),
    // 6.6 search
    SEARCH_MESSAGES(Extension.SEARCH, SearchMessages.class, null),
    SEARCH_RESULTS(Extension.SEARCH, null, SearchResults.class),
    // 6.7 resume
    RESUME(Extension.RESUME, Resume.class, null),
    RESUMED(Extension.RESUME, null, Resumed.class),
    // 6.8 calls: a request type is relayed to the other party under the same name
    CALL_OFFER(Extension.CALLS, CallOffer.class, CallOfferEvent.class),
    CALL_ANSWER(Extension.CALLS, CallAnswer.class, CallAnswerEvent.class),
    CALL_DECLINE(Extension.CALLS, CallClose.class, CallDeclineEvent.class),
    CALL_END(Extension.CALLS, CallClose.class, CallEndEvent.class),
    CALL_ICE_CANDIDATE(Extension.CALLS, CallIceCandidate.class, CallIceCandidateEvent.class),
    CALL_SDP_OFFER(Extension.CALLS, CallSdp.class, CallSdpEvent.class),
    CALL_SDP_ANSWER(Extension.CALLS, CallSdp.class, CallSdpEvent.class),
    CALL_STATUS(Extension.CALLS, null, CallStatus.class),
    // 6.9 files
    FILE_UPLOAD_START(Extension.FILES, FileUploadStart.class, null),
    FILE_UPLOAD_READY(Extension.FILES, null, FileUploadReady.class),
    FILE_CHUNK(Extension.FILES, FileChunk.class, null),
    FILE_CHUNK_ACK(Extension.FILES, null, FileChunkAck.class),
    FILE_UPLOAD_COMPLETE(Extension.FILES, FileUploadComplete.class, null),
    FILE_UPLOAD_CANCEL(Extension.FILES, FileUploadCancel.class, null),
    FILE_UPLOAD_CANCELLED(Extension.FILES, null, FileUploadCancelled.class),
    FILE_DOWNLOAD(Extension.FILES, FileDownload.class, null),
    FILE_DOWNLOAD_READY(Extension.FILES, null, FileDownloadReady.class),
    FILE_CHUNK_GET(Extension.FILES, FileChunkGet.class, null),
    FILE_CHUNK_DATA(Extension.FILES, null, FileChunkData.class),
    // 6.11 keys
    PUBLISH_KEY(Extension.KEYS, PublishKey.class, null),
    KEY_PUBLISHED(Extension.KEYS, null, KeyPublished.class),
    GET_KEYS(Extension.KEYS, GetKeys.class, null),
    KEYS_LOADED(Extension.KEYS, null, KeysLoaded.class),
    KEY_UPDATED(Extension.KEYS, null, KeyUpdated.class);

    private static final Map<String, MessageType> BY_WIRE_NAME = new HashMap<>();

    static {
        for (MessageType t : values()) {
            BY_WIRE_NAME.put(t.wireName, t);
        }
    }

    private final String wireName = name().toLowerCase(Locale.ROOT);
    private final Extension extension;
    private final Class<? extends Record> requestPayload;
    private final Class<? extends Record> serverPayload;

    MessageType(Extension extension, Class<? extends Record> requestPayload, Class<? extends Record> serverPayload) {
        this.extension = extension;
        this.requestPayload = requestPayload;
        this.serverPayload = serverPayload;
    }

    /** The exact, case-sensitive name on the wire. */
    public String wireName() {
        return wireName;
    }

    /** The extension this type belongs to, or {@code null} for a base type. */
    public Extension extension() {
        return extension;
    }

    /** The payload record of this type when a client sends it, or {@code null} if clients never send it. */
    public Class<? extends Record> requestPayload() {
        return requestPayload;
    }

    /** The payload record of this type when a server sends it, or {@code null} if servers never send it. */
    public Class<? extends Record> serverPayload() {
        return serverPayload;
    }

    public boolean isClientSendable() {
        return requestPayload != null;
    }

    public boolean isServerSendable() {
        return serverPayload != null;
    }

    /** The type with this exact wire name, if the protocol has one. */
    public static Optional<MessageType> fromWire(String name) {
        return Optional.ofNullable(BY_WIRE_NAME.get(name));
    }
}
