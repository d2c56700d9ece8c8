package dev.parley.client;

import dev.parley.core.spi.ChatStore;
import java.net.URI;

/** A chat server the end-to-end tests talk to over loopback; stopping it is like the process going down. */
interface TestServer extends AutoCloseable {
    URI uri();

    int port();

    /** The server's durable store, to check what was really stored. */
    ChatStore store();

    /** How many frames of this type clients sent, or -1 if this server does not count them. */
    default int framesReceived(String type) {
        return -1;
    }

    @Override
    void close() throws Exception;
}
