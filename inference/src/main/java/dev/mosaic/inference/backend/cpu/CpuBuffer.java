package dev.mosaic.inference.backend.cpu;

import dev.mosaic.inference.backend.DType;
import dev.mosaic.inference.backend.DeviceBuffer;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A float32 buffer in off-heap host memory, owned by its own arena (closing it frees the memory).
 *
 * <p>Not thread-safe for reads and writes: one thread at a time, like its backend. {@link #close} is
 * idempotent and may race safely: the memory is freed exactly once.
 */
public final class CpuBuffer implements DeviceBuffer {

    private final CpuBackend owner;
    private final OwnedMemory memory;
    private final long floats;

    CpuBuffer(CpuBackend owner, long floats) {
        this.owner = owner;
        this.floats = floats;
        this.memory = new OwnedMemory(Math.multiplyExact(floats, Float.BYTES));
    }

    @Override
    public long elements() {
        return floats;
    }

    /** Always {@link DType#F32}: the CPU backend computes in float32. */
    @Override
    public DType type() {
        return DType.F32;
    }

    /** Capacity in float32 elements (the same as {@link #elements()}). */
    public long floats() {
        return floats;
    }

    /** The buffer's memory, for zero-copy reads on the host (valid until {@link #close}). */
    public MemorySegment segment() {
        return memory.segment("buffer");
    }

    /** Element {@code i}, for tests and debugging. */
    public float get(long i) {
        return segment().getAtIndex(ValueLayout.JAVA_FLOAT, i);
    }

    CpuBackend owner() {
        return owner;
    }

    boolean isClosed() {
        return memory.isClosed();
    }

    @Override
    public void close() {
        if (memory.markClosed()) {
            owner.forget(this);
            memory.free();
        }
    }

    @Override
    public String toString() {
        return "CpuBuffer[" + floats + " floats" + (memory.isClosed() ? ", closed" : "") + "]";
    }
}
