package dev.parley.loadtest.jmh;

import com.google.gson.JsonObject;
import dev.parley.protocol.Envelope;
import dev.parley.protocol.JsonCodec;
import dev.parley.protocol.MessageType;
import dev.parley.protocol.model.Conversation;
import dev.parley.protocol.model.ConversationType;
import dev.parley.protocol.model.Message;
import dev.parley.protocol.model.Participant;
import dev.parley.protocol.model.Role;
import dev.parley.protocol.model.User;
import dev.parley.protocol.payload.ConversationPayloads.ConversationJoined;
import dev.parley.protocol.payload.MessagePayloads.MessageReceived;
import dev.parley.protocol.payload.MessagePayloads.MessageSent;
import dev.parley.protocol.payload.PresencePayloads.UserPresence;
import dev.parley.protocol.payload.SystemPayloads.Empty;
import dev.parley.protocol.payload.TypingPayloads.TypingUpdate;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The codec on the hot message types: what a server decodes and encodes per chat message (send,
 * acknowledgement, delivery), per typing signal, per heartbeat, and per connection (auth, join,
 * presence), and the client's decoding of a delivery. The join's answer carries the conversation
 * with its participants (a room of 20, as in the peer harness's S3).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class CodecBenchmark {
    private final JsonCodec codec = JsonCodec.standard();
    private final String sendMessage = "{\"type\":\"send_message\",\"payload\":{\"conversationId\":"
            + "\"5b0e7c1e-0f4e-4a53-9a55-2d7b1f3f7a10\",\"content\":\"" + "x".repeat(100) + "\",\"messageType\":\"text\","
            + "\"clientMessageId\":\"cm-0f4e-4a53\"},\"requestId\":\"5b0e7c1e-0f4e-4a53-9a55-2d7b1f3f7a11\","
            + "\"timestamp\":\"2025-01-01T00:00:00.000Z\"}";
    private final Message message = new Message("m-5b0e7c1e-0f4e-4a53-9a55-2d7b1f3f7a12", "c-5b0e7c1e-0f4e-4a53",
            "u-alice", User.of("u-alice", "alice", "Alice", null), "text", "x".repeat(100), null, null, new JsonObject(),
            Instant.parse("2025-01-01T00:00:00.123Z"), 42, "cm-0f4e-4a53", null, null, null, null, null, null);
    private final String messageReceived = codec.encode(MessageType.MESSAGE_RECEIVED, new MessageReceived(message),
            null, Instant.now());
    private final TypingUpdate typing = new TypingUpdate("c-5b0e7c1e-0f4e-4a53", "u-alice", "alice", true);
    private final String typingStart = "{\"type\":\"typing_start\",\"payload\":{\"conversationId\":"
            + "\"5b0e7c1e-0f4e-4a53-9a55-2d7b1f3f7a10\"},\"timestamp\":\"2025-01-01T00:00:00.000Z\"}";
    private final String joinConversation = "{\"type\":\"join_conversation\",\"payload\":{\"conversationId\":"
            + "\"5b0e7c1e-0f4e-4a53-9a55-2d7b1f3f7a10\"},\"requestId\":\"5b0e7c1e-0f4e-4a53-9a55-2d7b1f3f7a13\","
            + "\"timestamp\":\"2025-01-01T00:00:00.000Z\"}";
    private final String ping = "{\"type\":\"ping\",\"payload\":{},\"timestamp\":\"2025-01-01T00:00:00.000Z\"}";
    private final String auth = "{\"type\":\"auth\",\"payload\":{\"token\":\"eyJhbGciOiJIUzI1NiJ9."
            + "eyJzdWIiOiJ1LWFsaWNlIiwiYXVkIjoiYXV0aGVudGljYXRlZCIsImV4cCI6NDEwMjQ0NDgwMH0."
            + "c2lnbmF0dXJlLW9mLXRoaXJ0eS10d28tYnl0ZXMtLS0\"},\"requestId\":\"r-1\","
            + "\"timestamp\":\"2025-01-01T00:00:00.000Z\"}";
    private final ConversationJoined joined = new ConversationJoined("room-7", Conversation.builder()
            .id("room-7").type(ConversationType.GROUP).name("room-7").createdBy("u-0")
            .createdAt(Instant.parse("2025-01-01T00:00:00.123Z")).updatedAt(Instant.parse("2025-01-01T00:00:00.123Z"))
            .participants(IntStream.range(0, 20).mapToObj(i -> new Participant("u-" + i, i == 0 ? Role.ADMIN : Role.MEMBER,
                    Instant.parse("2025-01-01T00:00:00.123Z").plusMillis(i * 1_001L),
                    User.of("u-" + i, "user" + i, "User " + i, null))).toList())
            .build(), List.of("u-1", "u-2"), List.of());
    private final UserPresence online = new UserPresence("u-alice", "c-5b0e7c1e-0f4e-4a53",
            Instant.parse("2025-01-01T00:00:00.123Z"));

    @Benchmark
    public Object decodeAndValidateSendMessage() {
        Envelope env = codec.decodeRequest(sendMessage);
        return codec.readRequestPayload(env);
    }

    @Benchmark
    public String encodeMessageReceived() {
        return codec.encode(MessageType.MESSAGE_RECEIVED, new MessageReceived(message), null, Instant.now());
    }

    @Benchmark
    public Object decodeMessageReceivedAsClient() {
        Envelope env = codec.decodeFrame(messageReceived);
        return codec.readServerPayload(env.payload(), MessageReceived.class);
    }

    @Benchmark
    public String encodeTypingUpdate() {
        return codec.encode(MessageType.TYPING_UPDATE, typing, null, Instant.now());
    }

    @Benchmark
    public String encodeMessageSent() {
        return codec.encode(MessageType.MESSAGE_SENT, MessageSent.of(message, false), "r-5b0e7c1e", Instant.now());
    }

    @Benchmark
    public Object decodeAndValidateTypingStart() {
        return codec.readRequestPayload(codec.decodeRequest(typingStart));
    }

    @Benchmark
    public Object decodeAndValidatePing() {
        return codec.readRequestPayload(codec.decodeRequest(ping));
    }

    @Benchmark
    public String encodePong() {
        return codec.encode(MessageType.PONG, Empty.INSTANCE, null, Instant.now());
    }

    @Benchmark
    public Object decodeAndValidateAuth() {
        return codec.readRequestPayload(codec.decodeRequest(auth));
    }

    @Benchmark
    public Object decodeAndValidateJoinConversation() {
        return codec.readRequestPayload(codec.decodeRequest(joinConversation));
    }

    @Benchmark
    public String encodeConversationJoined() {
        return codec.encode(MessageType.CONVERSATION_JOINED, joined, "r-5b0e7c1e", Instant.now());
    }

    @Benchmark
    public String encodeUserOnline() {
        return codec.encode(MessageType.USER_ONLINE, online, null, Instant.now());
    }
}
