package dev.mosaic.inference.backend;

/**
 * An activation buffer in a backend's memory (off-heap host memory for the CPU backend, device
 * memory for CUDA) holding {@link #elements()} values of {@link #type()}. Created by
 * {@link Backend#allocate}; the creator owns it and closes it.
 *
 * <p>Not thread-safe: like the backend that made it, use it from one thread at a time; callers must not
 * assume more of an implementation.
 */
public interface DeviceBuffer extends AutoCloseable {

    /** Capacity in elements. */
    long elements();

    /** Element type. */
    DType type();

    @Override
    void close();
}
