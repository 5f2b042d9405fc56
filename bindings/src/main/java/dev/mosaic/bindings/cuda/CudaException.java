package dev.mosaic.bindings.cuda;

/**
 * A CUDA runtime call that failed; the message is cudart's own (name and description of the error).
 *
 * <p>Thread-safe: the fields it adds are final.
 */
public final class CudaException extends RuntimeException {
    private final int error;

    public CudaException(String call, int error, String name, String description) {
        super(call + " failed: " + description + " (" + name + ", " + error + ")");
        this.error = error;
    }

    /** The {@code cudaError_t} value. */
    public int error() {
        return error;
    }
}
