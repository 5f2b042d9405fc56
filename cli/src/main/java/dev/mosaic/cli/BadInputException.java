package dev.mosaic.cli;

/**
 * Bad input from the user (a file, a field, an option): reported on stderr with exit code 2.
 *
 * <p>Immutable; safe to share between threads.
 */
public final class BadInputException extends RuntimeException {
    public BadInputException(String message) {
        super(message);
    }

    public BadInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
