package dev.mosaic.moa.worker;

/**
 * A worker stopped answering (for a remote server: unreachable, timing out or failing through
 * every retry). The plan executor marks it lost and moves its unfinished jobs to the survivors.
 *
 * <p>Thread-safe: the fields it adds to {@link RuntimeException} are final.
 */
public final class WorkerLostException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String workerId;

    public WorkerLostException(String workerId, String reason, Throwable cause) {
        super(reason, cause);
        this.workerId = workerId;
    }

    /** The id of the lost worker. */
    public String workerId() {
        return workerId;
    }
}
