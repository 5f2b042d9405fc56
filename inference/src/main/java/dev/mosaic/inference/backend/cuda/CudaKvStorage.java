package dev.mosaic.inference.backend.cuda;

import dev.mosaic.bindings.cuda.Cuda;
import dev.mosaic.inference.backend.KvGeometry;
import dev.mosaic.inference.backend.KvStorage;
import java.lang.foreign.MemorySegment;

/**
 * The paged KV cache in device memory, in the backend's KV dtype (bf16): one allocation laid out
 * per layer {@code K[slot][kvHead][headDim]} then {@code V[slot][kvHead][headDim]}, like the CPU
 * cache. Owned by this object; the backend closes it if its user did not. Not thread-safe.
 */
final class CudaKvStorage implements KvStorage {
    private final CudaBackend owner;
    private final KvGeometry geometry;
    private MemorySegment device;

    CudaKvStorage(CudaBackend owner, KvGeometry geometry, MemorySegment device) {
        this.owner = owner;
        this.geometry = geometry;
        this.device = device;
    }

    @Override
    public KvGeometry geometry() {
        return geometry;
    }

    CudaBackend owner() {
        return owner;
    }

    boolean isClosed() {
        return device == null;
    }

    /** Bytes of one layer's K (or V) part. */
    long partBytes() {
        return geometry.slots() * geometry.rowElements() * geometry.dtype().bytes();
    }

    /** Device address of layer {@code layer}'s keys. */
    MemorySegment keys(int layer) {
        return Cuda.offset(device(), 2L * layer * partBytes());
    }

    /** Device address of layer {@code layer}'s values. */
    MemorySegment values(int layer) {
        return Cuda.offset(device(), (2L * layer + 1) * partBytes());
    }

    private MemorySegment device() {
        if (device == null) {
            throw new IllegalStateException("KV storage is closed");
        }
        return device;
    }

    @Override
    public void close() {
        if (device != null) {
            MemorySegment d = device;
            device = null;
            owner.release(this, d);
        }
    }
}
