package dev.mosaic.inference.backend.cpu;

import dev.mosaic.inference.backend.DeviceBuffer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** A float32 buffer in off-heap host memory, owned by its own arena (closing it frees the memory). */
public final class CpuBuffer implements DeviceBuffer {

    /** Cache-line alignment, so SIMD loads of a row never straddle more lines than needed. */
    static final long ALIGNMENT = 64;

    private final CpuBackend owner;
    private final Arena arena;
    private final MemorySegment segment;
    private final long floats;
    private volatile boolean closed;

    CpuBuffer(CpuBackend owner, long floats) {
        this.owner = owner;
        this.floats = floats;
        this.arena = Arena.ofShared();
        try {
            this.segment = arena.allocate(Math.multiplyExact(floats, Float.BYTES), ALIGNMENT);
        } catch (RuntimeException | OutOfMemoryError e) {
            arena.close();
            throw e;
        }
    }

    @Override
    public long floats() {
        return floats;
    }

    /** The buffer's memory, for zero-copy reads on the host (valid until {@link #close}). */
    public MemorySegment segment() {
        if (closed) {
            throw new IllegalStateException("buffer is closed");
        }
        return segment;
    }

    /** Element {@code i}, for tests and debugging. */
    public float get(long i) {
        return segment().getAtIndex(ValueLayout.JAVA_FLOAT, i);
    }

    CpuBackend owner() {
        return owner;
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        owner.forget(this);
        arena.close();
    }

    @Override
    public String toString() {
        return "CpuBuffer[" + floats + " floats" + (closed ? ", closed" : "") + "]";
    }
}
