package dev.mosaic.bindings.highs;

/**
 * A HiGHS call failed; the message names the call, the HiGHS status and what was being done.
 *
 * <p>Immutable; safe to share between threads.
 */
public class HighsException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public HighsException(String message) {
        super(message);
    }
}
