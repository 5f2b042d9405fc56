package dev.mosaic.inference.backend;

/**
 * A backend that cannot run on this machine (its library or device is missing); the message says what was
 * tried.
 *
 * <p>Thread-safe: it adds no state to {@link RuntimeException}.
 */
public final class BackendUnavailableException extends RuntimeException {

    public BackendUnavailableException(String message) {
        super(message);
    }

    public BackendUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
