package dev.mosaic.inference.backend;

/**
 * A float32 buffer in a backend's memory (off-heap host memory for the CPU backend, device
 * memory for CUDA). Created by {@link Backend#allocate}; the creator owns it and closes it.
 */
public interface DeviceBuffer extends AutoCloseable {

    /** Capacity in float32 elements. */
    long floats();

    @Override
    void close();
}
