package dev.mosaic.inference.backend;

/**
 * A step's metadata in backend memory, made by {@link Backend#prepareStep}. Owned by the backend:
 * valid until the next {@code prepareStep} on the same backend or until the backend closes; ops
 * given a stale step throw {@link IllegalStateException}. Not thread-safe (like the backend).
 */
public interface PreparedStep {

    /** The host metadata it was prepared from. */
    StepMetadata metadata();

    /** Rows of the step. */
    default int rows() {
        return metadata().rows();
    }
}
