package dev.mosaic.inference.backend.cpu;

import dev.mosaic.inference.backend.KvGeometry;
import dev.mosaic.inference.backend.KvStorage;
import java.lang.foreign.MemorySegment;

/**
 * Paged KV cache memory in one off-heap allocation: per layer {@code K[slot][kvHead][headDim]}
 * then {@code V[slot][kvHead][headDim]}, float32.
 *
 * <p>Not thread-safe for reads and writes: one thread at a time, like its backend. {@link #close} is
 * idempotent and may race safely: the memory is freed exactly once.
 */
public final class CpuKvStorage implements KvStorage {

    private final CpuBackend owner;
    private final KvGeometry geometry;
    private final OwnedMemory memory;

    CpuKvStorage(CpuBackend owner, KvGeometry geometry) {
        this.owner = owner;
        this.geometry = geometry;
        this.memory = new OwnedMemory(geometry.bytes());
    }

    @Override
    public KvGeometry geometry() {
        return geometry;
    }

    /** Bytes of one layer's K (or V) part. */
    private long partBytes() {
        return geometry.slots() * geometry.rowElements() * Float.BYTES;
    }

    /** Layer {@code layer}'s K rows, {@code [slot][kvHeads * headDim]}. */
    public MemorySegment keys(int layer) {
        return segment().asSlice(2L * layer * partBytes(), partBytes());
    }

    /** Layer {@code layer}'s V rows, {@code [slot][kvHeads * headDim]}. */
    public MemorySegment values(int layer) {
        return segment().asSlice((2L * layer + 1) * partBytes(), partBytes());
    }

    private MemorySegment segment() {
        return memory.segment("KV storage");
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
}
