package dev.parley.server;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.drafts.Draft;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.enums.CloseHandshakeType;
import org.java_websocket.enums.HandshakeState;
import org.java_websocket.enums.Opcode;
import org.java_websocket.exceptions.InvalidDataException;
import org.java_websocket.exceptions.InvalidHandshakeException;
import org.java_websocket.exceptions.LimitExceededException;
import org.java_websocket.extensions.IExtension;
import org.java_websocket.framing.Framedata;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.handshake.HandshakeBuilder;
import org.java_websocket.handshake.Handshakedata;
import org.java_websocket.handshake.ServerHandshakeBuilder;
import org.java_websocket.protocols.IProtocol;
import org.java_websocket.protocols.Protocol;

/**
 * RFC 6455 with two additions the library lacks: it accepts every well-formed GET, so the server
 * can answer plain HTTP ({@code /health}, {@code /metrics}) and refuse upgrades with a real status
 * (403, 503) instead of the library's fixed 404; and it bounds the handshake's size. Frames are
 * limited to {@code maxFrameBytes} before their buffer is allocated (close 1009), so are messages
 * in fragments, which may also have at most {@link #MAX_FRAGMENTS} parts (close 1009), and
 * permessage-deflate is offered with bounded inflation, its zlib state built only for connections
 * that ask for it.
 *
 * <p>The library copies the draft for every connection, so the per-request state below belongs to
 * one connection and is written and read on that connection's decoder thread.
 */
final class ServerDraft extends Draft_6455 {
    static final String SUBPROTOCOL = "parley.v1";
    /** Request line and headers; a browser's handshake is well under 4 KiB. */
    static final int MAX_HANDSHAKE_BYTES = 16 * 1024;
    /**
     * Frames one message may be split into. The library keeps every fragment until the last one and
     * re-adds their sizes at each, so without a count empty or one-byte fragments would cost memory
     * and time without ever reaching the size limit. Clients fragment large messages into a few
     * chunks, if at all.
     */
    static final int MAX_FRAGMENTS = 1024;
    /** RFC 6455's key suffix: the accept header is the SHA-1 of the client's key and this. */
    private static final String ACCEPT_KEY_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    /** One digest per decoder thread: a lookup in the security providers costs more than the hash. */
    private static final ThreadLocal<MessageDigest> SHA1 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-1", e);
        }
    });
    /** Shared by every connection's draft: the library only reads them. */
    private static final List<IProtocol> PROTOCOLS = List.of(new Protocol(SUBPROTOCOL), new Protocol(""));

    private final int maxFrameBytes;
    private boolean upgrade;
    private boolean upgradeUsable;
    private HttpAnswer answer;
    private int fragments;

    ServerDraft(int maxFrameBytes) {
        super(List.<IExtension>of(new DeflateOffer(maxFrameBytes)), PROTOCOLS, maxFrameBytes);
        this.maxFrameBytes = maxFrameBytes;
    }

    /** Whether the request asked for a WebSocket upgrade (otherwise it is plain HTTP). */
    boolean isUpgrade() {
        return upgrade;
    }

    /** Whether the upgrade request can be served: version 13 and a key. */
    boolean isUpgradeUsable() {
        return upgradeUsable;
    }

    /** Answers this request with plain HTTP instead of switching protocols. */
    void answer(HttpAnswer httpAnswer) {
        this.answer = httpAnswer;
    }

    /** Whether this connection was answered with plain HTTP (and must be closed, not served). */
    boolean answered() {
        return answer != null;
    }

    @Override
    public Handshakedata translateHandshake(ByteBuffer buf) throws InvalidHandshakeException {
        if (buf.remaining() > MAX_HANDSHAKE_BYTES) {
            throw new InvalidHandshakeException("handshake larger than " + MAX_HANDSHAKE_BYTES + " bytes");
        }
        return super.translateHandshake(buf);
    }

    @Override
    public void processFrame(WebSocketImpl conn, Framedata frame) throws InvalidDataException {
        Opcode op = frame.getOpcode();
        if (op == Opcode.TEXT || op == Opcode.BINARY) {
            fragments = 0;
        }
        if (op == Opcode.CONTINUOUS || ((op == Opcode.TEXT || op == Opcode.BINARY) && !frame.isFin())) {
            if (++fragments > MAX_FRAGMENTS) {
                throw new LimitExceededException("more than " + MAX_FRAGMENTS + " fragments in one message", MAX_FRAGMENTS);
            }
        }
        super.processFrame(conn, frame);
    }

    @Override
    public HandshakeState acceptHandshakeAsServer(ClientHandshake request) throws InvalidHandshakeException {
        upgrade = basicAccept(request);
        if (upgrade) {
            upgradeUsable = super.acceptHandshakeAsServer(request) == HandshakeState.MATCHED
                    && !request.getFieldValue("Sec-WebSocket-Key").isEmpty();
        }
        return HandshakeState.MATCHED;
    }

    @Override
    public HandshakeBuilder postProcessHandshakeResponseAsServer(ClientHandshake request, ServerHandshakeBuilder response)
            throws InvalidHandshakeException {
        if (answer != null) {
            return response;
        }
        // The library's version also writes a Date header through a new SimpleDateFormat and looks
        // SHA-1 up for every connection: a quarter of a warm handshake's cost, and among the JIT's
        // largest compilations once thousands of connections have come (BENCHMARKS.md, session
        // 15). A 101 answer need not carry a Date (RFC 9110, 6.6.1).
        String key = request.getFieldValue("Sec-WebSocket-Key").trim();
        if (key.isEmpty()) {
            throw new InvalidHandshakeException("missing Sec-WebSocket-Key");
        }
        response.setHttpStatusMessage("Switching Protocols");
        response.put("Upgrade", "websocket");
        response.put("Connection", "Upgrade");
        response.put("Sec-WebSocket-Accept", acceptKey(key));
        String extension = getExtension().getProvidedExtensionAsServer();
        if (!extension.isEmpty()) {
            response.put("Sec-WebSocket-Extensions", extension);
        }
        if (getProtocol() != null && !getProtocol().getProvidedProtocol().isEmpty()) {
            response.put("Sec-WebSocket-Protocol", getProtocol().getProvidedProtocol());
        }
        return response;
    }

    /** The {@code Sec-WebSocket-Accept} value for a client's {@code Sec-WebSocket-Key}. */
    private static String acceptKey(String clientKey) {
        byte[] hash = SHA1.get().digest((clientKey + ACCEPT_KEY_GUID).getBytes(StandardCharsets.US_ASCII));
        return Base64.getEncoder().encodeToString(hash);
    }

    @Override
    public List<ByteBuffer> createHandshake(Handshakedata handshake, boolean withContent) {
        return answer != null ? List.of(answer.toBytes()) : super.createHandshake(handshake, withContent);
    }

    /** A plain HTTP answer is closed without a WebSocket close frame. */
    @Override
    public CloseHandshakeType getCloseHandshakeType() {
        return answer != null ? CloseHandshakeType.NONE : super.getCloseHandshakeType();
    }

    @Override
    public Draft copyInstance() {
        return new ServerDraft(maxFrameBytes);
    }

    @Override
    public String toString() {
        return "ServerDraft(max frame " + maxFrameBytes + " bytes)";
    }
}
