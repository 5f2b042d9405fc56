package dev.mosaic.moa.worker;

import dev.mosaic.moa.config.MoaConfig;

/**
 * One compute place of a MoA run: holds the replicas the plan places on it and runs their jobs.
 * On this machine a CPU thread group ({@link CpuWorker}); a CUDA device or a remote server plug
 * in behind the same interface. Closing the worker closes every replica it opened.
 * Implementations are thread-safe.
 */
public interface ComputeWorker extends AutoCloseable {

    /** The worker id of the configuration and plans. */
    String id();

    /** The kind of place ({@code cpu}, ...), part of the profile cache key. */
    String kind();

    /** A short description of what the costs were measured on (kind, threads, CPU model). */
    String profileKey();

    /** Memory the worker offers to replicas, in GiB. */
    double memoryGiB();

    /**
     * Opens a replica of {@code model} (the same model file is mapped once per process and
     * shared by its replicas).
     *
     * @throws IllegalStateException if the replica does not fit the worker's remaining memory
     */
    ExpertEndpoint open(MoaConfig.ModelSpec model);

    /** Memory a replica of {@code model} takes on this worker, in GiB (weights and KV cache). */
    double replicaGiB(MoaConfig.ModelSpec model);

    /**
     * Tells the worker that it was declared lost (it stopped answering): it should not wait on
     * its server again, e.g. to unload replicas when closed.
     */
    default void markLost() {}

    /** Whether this worker can be lost mid-run (a remote server); an in-process worker cannot. */
    default boolean canBeLost() {
        return false;
    }

    @Override
    void close();
}
