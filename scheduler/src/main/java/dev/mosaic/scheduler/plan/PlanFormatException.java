package dev.mosaic.scheduler.plan;

/**
 * A plan file that cannot be read: missing, not JSON, or a missing/mistyped field; the message names the file.
 *
 * <p>Immutable; safe to share between threads.
 */
public final class PlanFormatException extends RuntimeException {
    public PlanFormatException(String message, Throwable cause) {
        super(message, cause);
    }

    public PlanFormatException(String message) {
        super(message);
    }
}
