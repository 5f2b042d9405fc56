package dev.mosaic.inference.backend.cpu;

import dev.mosaic.bindings.mosaic.mosaic_h;
import dev.mosaic.inference.backend.BackendWeight;
import dev.mosaic.inference.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * A tensor's weights for the CPU kernels: a zero-copy view of its off-heap bytes (usually the
 * memory-mapped model file) and, for types with an interleaved layout (Q8_0, Q4_0, Q4_K, Q6_K;
 * see native/src/packed.h), a repacked copy made when the engine readies it as a matmul operand
 * ({@link CpuBackend#prepareMatmul}) or else the first time it is multiplied with int8
 * activations, so that a table only ever used for embedding lookups is never copied. The
 * copies live in the backend's {@link WeightSlab} and are freed when it closes. Thread-safe.
 */
final class CpuWeight implements BackendWeight {

    private final CpuBackend owner;
    private final Tensor tensor;
    private MemorySegment packed; // guarded by this; in the backend's WeightSlab
    private MemorySegment panels; // guarded by this; 16-row panels of a float weight, in the WeightSlab
    private volatile MemorySegment copy; // anonymous copy of mapped float weights (in the WeightSlab), or null
    private boolean released; // guarded by this
    /** Fixed by type and shape, asked once here rather than from the native side at every matmul. */
    private final boolean packable;
    private final boolean panelable;

    CpuWeight(CpuBackend owner, Tensor tensor) {
        this.owner = owner;
        this.tensor = tensor;
        this.packable = mosaic_h.mosaic_packed_bytes(tensor.type().id(), tensor.rows(), tensor.cols()) > 0;
        this.panelable = mosaic_h.mosaic_panel_bytes(tensor.type().id(), tensor.rows(), tensor.cols()) > 0;
    }

    CpuBackend owner() {
        return owner;
    }

    @Override
    public Tensor tensor() {
        return tensor;
    }

    /** The bytes the kernels read: the anonymous copy if {@link #copyIfMapped} made one, else the tensor's own. */
    MemorySegment data() {
        MemorySegment c = copy;
        return c != null ? c : tensor.data();
    }

    /**
     * Copies the weights out of the file mapping into anonymous memory (made now, with
     * {@code threads} threads; once), if they are mapped: the float kernels stream them faster
     * from there (F16 batch-1 decode 1.13-1.24x, 3 interleaved runs; see docs/tuning.md). Weights
     * already in memory ({@code --no-mmap}) stay where they are.
     */
    synchronized void copyIfMapped(int threads) {
        checkOpen();
        MemorySegment src = tensor.data();
        if (copy != null || !src.isMapped()) {
            return;
        }
        MemorySegment dst = owner.weightSlab().allocate(Math.max(1, src.byteSize()), "weight " + tensor.name())
                .asSlice(0, src.byteSize());
        mosaic_h.mosaic_copy(dst, src, src.byteSize(), threads);
        copy = dst.asReadOnly();
    }

    /** Whether the anonymous copy exists now (made by {@link #copyIfMapped}). */
    boolean hasCopy() {
        return copy != null;
    }

    /** Whether {@link #packed} applies to this weight's type and shape. */
    boolean packable() {
        return packable;
    }

    /**
     * The repacked copy of the weights (made now, with {@code threads} threads, if this is the first
     * call); only for {@link #packable} weights.
     */
    synchronized MemorySegment packed(int threads) {
        checkOpen();
        if (packed == null) {
            packed = repack(mosaic_h.mosaic_packed_bytes(type().id(), rows(), cols()), "packed", mosaic_h::mosaic_pack_weights,
                    threads);
        }
        return packed;
    }

    /** Whether {@link #panels} applies to this weight's type (F32, F16, BF16). */
    boolean panelable() {
        return panelable;
    }

    /**
     * The weights in 16-row panels (native/src/matmul_panels.c; made now, with {@code threads}
     * threads, if this is the first call); only for {@link #panelable} weights.
     */
    synchronized MemorySegment panels(int threads) {
        checkOpen();
        if (panels == null) {
            panels = repack(mosaic_h.mosaic_panel_bytes(type().id(), rows(), cols()), "panel", mosaic_h::mosaic_pack_panels, threads);
        }
        return panels;
    }

    /** A native repacker: {@code (type, src, rows, cols, dst, threads) -> 1}, as libmosaic's pack functions. */
    @FunctionalInterface
    private interface Packer {
        int pack(int type, MemorySegment src, long rows, long cols, MemorySegment dst, int threads);
    }

    private MemorySegment repack(long bytes, String layout, Packer packer, int threads) {
        if (bytes <= 0) {
            throw new IllegalStateException("weight " + tensor.name() + ": type " + type() + " has no " + layout + " layout");
        }
        MemorySegment m = owner.weightSlab().allocate(bytes, "weight " + tensor.name());
        packer.pack(type().id(), data(), rows(), cols(), m, threads);
        return m;
    }

    private void checkOpen() {
        if (released) {
            throw new IllegalStateException("weight " + tensor.name() + ": its backend is closed");
        }
    }

    /** Whether the panel copy exists now (made by {@link #panels}). */
    synchronized boolean hasPanels() {
        return panels != null;
    }

    /** Whether the repacked copy exists now (made by {@link #packed}). */
    synchronized boolean hasPacked() {
        return packed != null;
    }

    /** Drops the packed and copied weights (their memory is freed with the backend's WeightSlab); later {@link #packed} calls fail. Idempotent. */
    synchronized void release() {
        released = true;
        packed = null;
        panels = null;
        copy = null;
    }

    @Override
    public String toString() {
        return "CpuWeight[" + tensor + "]";
    }
}
