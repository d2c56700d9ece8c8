package dev.parley.server;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.java_websocket.enums.Opcode;
import org.java_websocket.exceptions.InvalidDataException;
import org.java_websocket.exceptions.LimitExceededException;
import org.java_websocket.extensions.IExtension;
import org.java_websocket.extensions.permessage_deflate.PerMessageDeflateExtension;
import org.java_websocket.framing.CloseFrame;
import org.java_websocket.framing.DataFrame;
import org.java_websocket.framing.Framedata;
import org.java_websocket.framing.FramedataImpl1;

/**
 * permessage-deflate whose inflation stops at the frame limit. The library's extension inflates
 * without bound, so a small compressed frame could expand to gigabytes (a "zip bomb"); this one
 * closes the connection with 1009 as soon as the output passes {@code maxBytes}. Compression of
 * outgoing frames is the library's.
 */
final class BoundedDeflateExtension extends PerMessageDeflateExtension {
    private static final byte[] TAIL = {0x00, 0x00, (byte) 0xFF, (byte) 0xFF};
    private static final int CHUNK = 8 * 1024;

    private final int maxBytes;
    private final Inflater inflater = new Inflater(true);

    BoundedDeflateExtension(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    @Override
    public void decodeFrame(Framedata frame) throws InvalidDataException {
        if (!(frame instanceof DataFrame)) {
            return;
        }
        if (!frame.isRSV1() && frame.getOpcode() != Opcode.CONTINUOUS) {
            return;
        }
        if (frame.getOpcode() == Opcode.CONTINUOUS && frame.isRSV1()) {
            throw new InvalidDataException(CloseFrame.POLICY_VALIDATION, "RSV1 bit can only be set for the first frame.");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] input = toArray(frame.getPayloadData());
        try {
            inflate(input, out);
            // Same recovery as the library: a fragment ending in a final block leaves input behind.
            if (inflater.getRemaining() > 0) {
                inflater.reset();
                inflate(input, out);
            }
            if (frame.isFin()) {
                inflate(TAIL, out);
                if (isClientNoContextTakeover()) {
                    inflater.reset();
                }
            }
        } catch (DataFormatException e) {
            throw new InvalidDataException(CloseFrame.POLICY_VALIDATION, "invalid compressed data");
        }
        ((FramedataImpl1) frame).setPayload(ByteBuffer.wrap(out.toByteArray()));
    }

    private void inflate(byte[] data, ByteArrayOutputStream out) throws DataFormatException, LimitExceededException {
        inflater.setInput(data);
        byte[] buffer = new byte[CHUNK];
        int n;
        while ((n = inflater.inflate(buffer)) > 0) {
            if (out.size() + n > maxBytes) {
                inflater.reset();
                throw new LimitExceededException("inflated message over " + maxBytes + " bytes", maxBytes);
            }
            out.write(buffer, 0, n);
        }
    }

    private static byte[] toArray(ByteBuffer payload) {
        ByteBuffer copy = payload.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return bytes;
    }

    @Override
    public IExtension copyInstance() {
        BoundedDeflateExtension copy = new BoundedDeflateExtension(maxBytes);
        copy.setThreshold(getThreshold());
        copy.setClientNoContextTakeover(isClientNoContextTakeover());
        copy.setServerNoContextTakeover(isServerNoContextTakeover());
        return copy;
    }

    @Override
    public String toString() {
        return "BoundedDeflateExtension(max " + maxBytes + " bytes)";
    }
}
