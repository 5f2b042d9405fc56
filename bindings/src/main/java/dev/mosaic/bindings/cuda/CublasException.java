package dev.mosaic.bindings.cuda;

/** A cuBLAS call that failed; the message is cuBLAS's own (name and description of the status). Thread-safe: its fields are final. */
public final class CublasException extends RuntimeException {
    private final int status;

    public CublasException(String call, int status, String name, String description) {
        super(call + " failed: " + description + " (" + name + ", " + status + ")");
        this.status = status;
    }

    /** The {@code cublasStatus_t} value. */
    public int status() {
        return status;
    }
}
