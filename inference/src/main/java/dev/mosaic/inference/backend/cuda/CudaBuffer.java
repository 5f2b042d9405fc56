package dev.mosaic.inference.backend.cuda;

import dev.mosaic.inference.backend.DType;
import dev.mosaic.inference.backend.DeviceBuffer;
import java.lang.foreign.MemorySegment;

/**
 * Device memory of a {@link CudaBackend}: one cudaMalloc, owned by this object (closed by its
 * creator, or by the backend when it closes). Not thread-safe, like the backend.
 */
final class CudaBuffer implements DeviceBuffer {
    private final CudaBackend owner;
    private final long elements;
    private final DType type;
    private MemorySegment device;

    CudaBuffer(CudaBackend owner, long elements, DType type, MemorySegment device) {
        this.owner = owner;
        this.elements = elements;
        this.type = type;
        this.device = device;
    }

    @Override
    public long elements() {
        return elements;
    }

    @Override
    public DType type() {
        return type;
    }

    CudaBackend owner() {
        return owner;
    }

    boolean isClosed() {
        return device == null;
    }

    /** The device address. */
    MemorySegment device() {
        if (device == null) {
            throw new IllegalStateException("CUDA buffer is closed");
        }
        return device;
    }

    long bytes() {
        return elements * type.bytes();
    }

    /** Frees the device memory (after the backend's stream has finished with it). Idempotent. */
    @Override
    public void close() {
        if (device != null) {
            MemorySegment d = device;
            device = null;
            owner.release(this, d);
        }
    }

    @Override
    public String toString() {
        return "CudaBuffer[" + elements + " x " + type + (device == null ? ", closed" : "") + "]";
    }
}
