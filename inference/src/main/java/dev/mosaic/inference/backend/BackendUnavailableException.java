package dev.mosaic.inference.backend;

/** A backend that cannot run on this machine (its library or device is missing); the message says what was tried. */
public final class BackendUnavailableException extends RuntimeException {

    public BackendUnavailableException(String message) {
        super(message);
    }

    public BackendUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
