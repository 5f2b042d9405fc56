package dev.mosaic.inference.backend;

/**
 * An allocation refused before it was made because this machine cannot hold it (for example a KV
 * cache larger than the memory the system has available); the message gives both sizes.
 *
 * <p>Thread-safe: it adds no mutable state to {@link RuntimeException}.
 */
public final class InsufficientMemoryException extends RuntimeException {

    private final long requestedBytes;
    private final long availableBytes;

    public InsufficientMemoryException(String message, long requestedBytes, long availableBytes) {
        super(message);
        this.requestedBytes = requestedBytes;
        this.availableBytes = availableBytes;
    }

    /** Bytes the refused allocation asked for. */
    public long requestedBytes() {
        return requestedBytes;
    }

    /** Bytes the machine had available when it was refused. */
    public long availableBytes() {
        return availableBytes;
    }
}
