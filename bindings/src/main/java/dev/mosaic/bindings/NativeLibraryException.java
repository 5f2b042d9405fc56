package dev.mosaic.bindings;

/**
 * A native library could not be located or loaded; the message lists everything that was tried.
 *
 * <p>Immutable; safe to share between threads.
 */
public final class NativeLibraryException extends RuntimeException {
    public NativeLibraryException(String message) {
        super(message);
    }

    public NativeLibraryException(String message, Throwable cause) {
        super(message, cause);
    }
}
