package dev.parley.server;

import java.util.Locale;
import org.java_websocket.exceptions.InvalidDataException;
import org.java_websocket.extensions.IExtension;
import org.java_websocket.framing.Framedata;

/**
 * Offers permessage-deflate without paying for it up front. The library copies a draft's
 * extensions for every connection, and a {@link BoundedDeflateExtension} holds a zlib deflater
 * and two inflaters (tens of kilobytes of native memory) from construction on. This offer builds
 * one only when the client's handshake asks for the extension; other connections keep nothing.
 */
final class DeflateOffer implements IExtension {
    private final int maxFrameBytes;
    private BoundedDeflateExtension deflate;

    DeflateOffer(int maxFrameBytes) {
        this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    public boolean acceptProvidedExtensionAsServer(String requested) {
        if (requested == null || !requested.toLowerCase(Locale.ROOT).contains("permessage-deflate")) {
            return false;
        }
        BoundedDeflateExtension d = new BoundedDeflateExtension(maxFrameBytes);
        if (!d.acceptProvidedExtensionAsServer(requested)) {
            return false;
        }
        deflate = d;
        return true;
    }

    @Override
    public boolean acceptProvidedExtensionAsClient(String inputExtensionHeader) {
        return false; // a server-side offer only
    }

    @Override
    public void decodeFrame(Framedata frame) throws InvalidDataException {
        accepted().decodeFrame(frame);
    }

    @Override
    public void encodeFrame(Framedata frame) {
        accepted().encodeFrame(frame);
    }

    @Override
    public void isFrameValid(Framedata frame) throws InvalidDataException {
        accepted().isFrameValid(frame);
    }

    @Override
    public String getProvidedExtensionAsClient() {
        return "";
    }

    @Override
    public String getProvidedExtensionAsServer() {
        return deflate == null ? "" : deflate.getProvidedExtensionAsServer();
    }

    @Override
    public IExtension copyInstance() {
        return new DeflateOffer(maxFrameBytes);
    }

    @Override
    public void reset() {
        if (deflate != null) {
            deflate.reset();
        }
    }

    /** The library uses an extension only after it accepted the handshake's offer. */
    private BoundedDeflateExtension accepted() {
        if (deflate == null) {
            throw new IllegalStateException("permessage-deflate was not negotiated");
        }
        return deflate;
    }

    /** Whether this connection negotiated compression. */
    boolean negotiated() {
        return deflate != null;
    }

    @Override
    public String toString() {
        return deflate == null ? "DeflateOffer(not negotiated)" : deflate.toString();
    }
}
