package dev.parley.core.spi;

/** The store could not do its work (database unreachable, timeout); the engine answers {@code SERVER_ERROR}. */
public class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
