package dev.mosaic.inference.backend.cpu;

import dev.mosaic.bindings.mosaic.mosaic_h;
import dev.mosaic.inference.backend.AttentionBatch;
import dev.mosaic.inference.backend.Backend;
import dev.mosaic.inference.backend.BackendWeight;
import dev.mosaic.inference.backend.DType;
import dev.mosaic.inference.backend.DeviceBuffer;
import dev.mosaic.inference.backend.KvGeometry;
import dev.mosaic.inference.backend.KvStorage;
import dev.mosaic.inference.backend.PreparedStep;
import dev.mosaic.inference.backend.StepMetadata;
import dev.mosaic.inference.model.RopeConfig;
import dev.mosaic.inference.tensor.GgmlType;
import dev.mosaic.inference.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link Backend} on the host CPU: native C kernels from libmosaic (a native worker pool for threads, SIMD chosen
 * at run time, see {@link CpuIsa}) called through FFM.
 *
 * <p>Every size, offset, index and shape is checked here before the downcall, so that bad input
 * ends in an {@link IllegalArgumentException} naming the argument rather than a crash in native
 * code. A step's int arrays (token ids, positions, slots, block tables) are copied once per step
 * ({@link #prepareStep}) into native memory owned by the backend, and checked against the KV
 * geometry once per step. Buffers and KV storage are off-heap arenas owned by the objects
 * themselves; the backend closes those still open when it closes. Weights are zero-copy views.
 *
 * <p>Not thread-safe for its ops: one thread at a time, as {@link Backend} requires (the kernels fan out to
 * the native pool internally). {@link #close} is idempotent and synchronized, so racing closes free
 * everything exactly once.
 */
public final class CpuBackend implements Backend {

    /** Weight types the kernels accept in matmul and embedding. */
    public static final Set<GgmlType> MATMUL_TYPES = typesWhere(GgmlType::matmul);

    /** Types a norm gain or bias vector may have. */
    public static final Set<GgmlType> VECTOR_TYPES = typesWhere(GgmlType::isFloat);

    /** The types whose flags in libmosaic's type table (read by {@link GgmlType}) satisfy {@code p}. */
    private static Set<GgmlType> typesWhere(java.util.function.Predicate<GgmlType> p) {
        EnumSet<GgmlType> s = EnumSet.noneOf(GgmlType.class);
        for (GgmlType t : GgmlType.values()) {
            if (p.test(t)) {
                s.add(t);
            }
        }
        return java.util.Collections.unmodifiableSet(s);
    }

    /** Largest head dimension rope and attention accept. */
    public static final int MAX_HEAD_DIM = mosaic_h.MOSAIC_MAX_HEAD_DIM();

    /** Most threads a backend may use (the native pool has at most this many workers plus the caller). */
    public static final int MAX_THREADS = 256;

    /**
     * How matmul treats the activations of Q8_0, Q4_0, Q4_K and Q6_K weights (other types always multiply in float).
     * {@link #FLOAT32} multiplies the float activations with the dequantised weights (rounding only
     * in float accumulation); {@link #INT8} first rounds each activation row to int8 per 32 values
     * (ggml's q8_0, as llama.cpp does; for the K-quants llama.cpp's q8_K is coarser, one scale per 256) so
     * that blocks multiply in exact integer arithmetic against weights repacked into 16-row interleaved
     * groups at load ({@link #prepareMatmul}) or on first use: several times faster, at a relative error of about 1/254 per activation.
     *
     * <p>Immutable; thread-safe.
     */
    public enum MatmulActivations { FLOAT32, INT8 }

    private final int threads;
    /** This backend's native worker pool (NULL for one thread: such kernels never use a pool). */
    private final MemorySegment pool;
    private final MatmulActivations activations;
    private final Set<AutoCloseable> open = ConcurrentHashMap.newKeySet();
    /** Prepared weights, whose repacked copies (made on first int8 matmul) are freed on close. */
    private final Set<CpuWeight> weights = ConcurrentHashMap.newKeySet();
    /** Where the weights' repacked and copied bytes live; freed on close. */
    private final WeightSlab weightSlab = new WeightSlab();
    private final Scratch scratch = new Scratch();
    private final Scratch stepMemory = new Scratch();
    private CpuStep currentStep;
    private long stepGeneration;
    private MemorySegment cachedInvFreqSegment;
    private RopeConfig cachedRope;
    private int cachedRopeHeadDim;
    private volatile boolean closed;

    /** A backend whose kernels use {@code threads} threads (the calling thread included), with float activations. */
    public CpuBackend(int threads) {
        this(threads, MatmulActivations.FLOAT32);
    }

    /** A backend whose kernels use {@code threads} threads, treating quantised-weight activations as {@code activations} says. */
    public CpuBackend(int threads, MatmulActivations activations) {
        this.activations = Objects.requireNonNull(activations, "activations");
        if (threads < 1 || threads > MAX_THREADS) {
            throw new IllegalArgumentException("threads must be in 1.." + MAX_THREADS + ", got " + threads);
        }
        this.threads = threads;
        // Explicit, retryable load (NativeLibraryException naming every path tried) before any downcall.
        dev.mosaic.bindings.NativeLibraries.load(dev.mosaic.bindings.NativeLibraries.Library.MOSAIC);
        int abi = mosaic_h.mosaic_abi_version();
        if (abi != mosaic_h.MOSAIC_ABI_VERSION()) {
            throw new IllegalStateException("libmosaic ABI version " + abi + " does not match the bindings' "
                    + mosaic_h.MOSAIC_ABI_VERSION());
        }
        // Its own pool, so that engines in one process compute at the same time instead of taking turns.
        this.pool = threads > 1 ? mosaic_h.mosaic_pool_create(threads) : MemorySegment.NULL;
        if (threads > 1 && pool.equals(MemorySegment.NULL)) {
            throw new OutOfMemoryError("libmosaic could not create a worker pool of " + threads + " threads");
        }
    }

    /** Native worker pools alive in this process (one per open multi-threaded CPU backend); a resource counter. */
    public static int nativePoolsLive() {
        return mosaic_h.mosaic_pool_live();
    }

    /**
     * The thread count for a kernel call, after binding this backend's pool to the calling thread
     * (a thread-local store in libmosaic; the kernel picks the pool up from there). Binding on
     * every call keeps it right whichever thread calls and whatever it called before.
     */
    private int boundThreads() {
        if (threads > 1) {
            mosaic_h.mosaic_pool_bind(pool);
        }
        return threads;
    }

    /** How matmul treats the activations of Q8_0, Q4_0, Q4_K and Q6_K weights. */
    public MatmulActivations activations() {
        return activations;
    }

    /** Threads the kernels use. */
    public int threads() {
        return threads;
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String toString() {
        return "CpuBackend[threads=" + threads + ", activations=" + activations + ", " + CpuIsa.describe() + "]";
    }

    /** Always {@link DType#F32}. */
    @Override
    public DType activationType() {
        return DType.F32;
    }

    /** Always {@link DType#F32}. */
    @Override
    public DType kvType() {
        return DType.F32;
    }

    @Override
    public CpuBuffer allocate(long floats) {
        return allocate(floats, DType.F32);
    }

    @Override
    public CpuBuffer allocate(long floats, DType type) {
        checkOpen();
        if (type != DType.F32) {
            throw new IllegalArgumentException("the CPU backend holds activations as F32 only, not " + type);
        }
        if (floats <= 0) {
            throw new IllegalArgumentException("buffer size must be positive, got " + floats + " floats");
        }
        CpuBuffer b = new CpuBuffer(this, floats);
        open.add(b);
        return b;
    }

    /**
     * With int8 activations, makes the interleaved copy of a packable weight now; a float weight on
     * the AVX-512 path gets its 16-row panel copy; any other weight the
     * kernels read as it is (float types, or any type with float activations) is copied out of the
     * file mapping into anonymous memory, which the kernels stream faster (with this backend's threads).
     */
    @Override
    public void prepareMatmul(BackendWeight w) {
        CpuWeight wt = weight(w, "w", MATMUL_TYPES);
        if (activations == MatmulActivations.INT8 && wt.packable()) {
            wt.packed(boundThreads());
        } else if (usePanels(wt)) {
            wt.panels(boundThreads());
        } else {
            wt.copyIfMapped(boundThreads());
        }
    }

    /**
     * Float weights (F32/F16/BF16) multiply from 16-row panels on the AVX-512 path, where the
     * outer-product kernel beat the row-major dot tiles (1.12-1.37x at 128 rows; docs/tuning.md);
     * the other paths keep their row-major kernels.
     */
    private static boolean usePanels(CpuWeight wt) {
        return wt.panelable() && CpuIsa.active() == CpuIsa.AVX512;
    }

    @Override
    public BackendWeight prepare(Tensor tensor) {
        checkOpen();
        if (!MATMUL_TYPES.contains(tensor.type())) {
            throw new IllegalArgumentException("tensor " + tensor.name() + ": type " + tensor.type()
                    + " is not supported by the CPU backend (supported: " + MATMUL_TYPES + ")");
        }
        if (tensor.elements() == 0) {
            throw new IllegalArgumentException("tensor " + tensor.name() + ": has no elements " + Arrays.toString(tensor.shape()));
        }
        if (!tensor.data().isNative()) {
            throw new IllegalArgumentException("tensor " + tensor.name() + ": data is on the Java heap; the CPU backend"
                    + " needs off-heap memory (a mapped file or an Arena allocation)");
        }
        if (tensor.cols() % tensor.type().blockSize() != 0) {
            throw new IllegalArgumentException("tensor " + tensor.name() + ": row length " + tensor.cols()
                    + " is not a multiple of the " + tensor.type() + " block size " + tensor.type().blockSize());
        }
        if (tensor.cols() > Integer.MAX_VALUE || tensor.rows() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor " + tensor.name() + ": " + tensor.rows() + " x " + tensor.cols()
                    + " is too large (rows and columns must each fit in an int)");
        }
        CpuWeight w = new CpuWeight(this, tensor);
        weights.add(w);
        return w;
    }

    @Override
    public CpuKvStorage allocateKv(KvGeometry geometry) {
        checkOpen();
        if (geometry.dtype() != DType.F32) {
            throw new IllegalArgumentException("KV geometry: the CPU backend stores the KV cache as F32 only, not " + geometry.dtype());
        }
        if (geometry.headDim() > MAX_HEAD_DIM) {
            throw new IllegalArgumentException("KV geometry: headDim " + geometry.headDim() + " exceeds " + MAX_HEAD_DIM);
        }
        if (geometry.slots() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("KV geometry: " + geometry.slots() + " slots do not fit in an int slot index");
        }
        long available = HostMemory.available();
        if (available > 0 && geometry.bytes() > available) {
            throw new dev.mosaic.inference.backend.InsufficientMemoryException(String.format(java.util.Locale.ROOT,
                    "KV cache of %,d MiB (%,d token slots) exceeds the %,d MiB of memory this machine has available"
                            + " (%,d MiB in all); lower the KV budget", geometry.bytes() >> 20, geometry.slots(),
                    available >> 20, HostMemory.total() >> 20), geometry.bytes(), available);
        }
        CpuKvStorage kv = new CpuKvStorage(this, geometry);
        open.add(kv);
        return kv;
    }

    @Override
    public void write(MemorySegment src, DeviceBuffer dst, long dstOffset, long floats) {
        CpuBuffer d = buffer(dst, "dst");
        checkRange("write", "dst", d, dstOffset, floats);
        if (src.byteSize() < floats * Float.BYTES) {
            throw new IllegalArgumentException("write: src holds " + src.byteSize() + " bytes, need " + floats * Float.BYTES);
        }
        MemorySegment.copy(src, 0, d.segment(), dstOffset * Float.BYTES, floats * Float.BYTES);
    }

    @Override
    public void read(DeviceBuffer src, long srcOffset, MemorySegment dst, long floats) {
        CpuBuffer s = buffer(src, "src");
        checkRange("read", "src", s, srcOffset, floats);
        if (dst.byteSize() < floats * Float.BYTES) {
            throw new IllegalArgumentException("read: dst holds " + dst.byteSize() + " bytes, need " + floats * Float.BYTES);
        }
        MemorySegment.copy(s.segment(), srcOffset * Float.BYTES, dst, 0, floats * Float.BYTES);
    }

    @Override
    public PreparedStep prepareStep(StepMetadata metadata) {
        checkOpen();
        int[][] parts = {metadata.tokens(), metadata.positions(), metadata.slots(),
                metadata.attention() == null ? null : metadata.attention().rowStart(),
                metadata.attention() == null ? null : metadata.attention().rowCount(),
                metadata.attention() == null ? null : metadata.attention().firstPosition(),
                metadata.attention() == null ? null : metadata.attention().blockTableStart(),
                metadata.attention() == null ? null : metadata.attention().blockTables()};
        long bytes = 0;
        for (int[] a : parts) {
            bytes += a == null ? 0 : (((long) a.length * Integer.BYTES + 7) & ~7L);
        }
        MemorySegment all = stepMemory.region(Math.max(bytes, 8));
        MemorySegment[] segments = new MemorySegment[parts.length];
        long off = 0;
        for (int i = 0; i < parts.length; i++) {
            int[] a = parts[i];
            if (a != null) {
                segments[i] = all.asSlice(off, (long) a.length * Integer.BYTES);
                MemorySegment.copy(a, 0, all, ValueLayout.JAVA_INT, off, a.length);
                off += ((long) a.length * Integer.BYTES + 7) & ~7L;
            }
        }
        currentStep = new CpuStep(this, ++stepGeneration, metadata, segments);
        return currentStep;
    }

    @Override
    public void embedding(DeviceBuffer out, BackendWeight table, PreparedStep step) {
        CpuBuffer o = buffer(out, "out");
        CpuWeight t = weight(table, "table", MATMUL_TYPES);
        CpuStep st = step(step, "embedding");
        int[] tokenIds = st.require(st.metadata().tokens(), "embedding", "token ids");
        long vocab = t.rows();
        for (int i = 0; i < tokenIds.length; i++) {
            if (tokenIds[i] < 0 || tokenIds[i] >= vocab) {
                throw new IllegalArgumentException("embedding: token id " + tokenIds[i] + " at index " + i
                        + " is outside the table " + t.tensor().name() + " of " + vocab + " rows");
            }
        }
        checkCapacity("embedding", "out", o, (long) tokenIds.length * t.cols());
        if (tokenIds.length == 0) {
            return;
        }
        mosaic_h.mosaic_embedding(t.type().id(), t.data(), t.cols(), st.segment(CpuStep.TOKENS), tokenIds.length,
                o.segment(), boundThreads());
    }

    @Override
    public void rmsNorm(DeviceBuffer out, DeviceBuffer x, BackendWeight gamma, int rows, float eps) {
        CpuBuffer o = buffer(out, "out");
        CpuBuffer in = buffer(x, "x");
        CpuWeight g = weight(gamma, "gamma", VECTOR_TYPES);
        checkVector("rmsNorm", g);
        checkRows("rmsNorm", rows);
        if (!(eps >= 0) || Float.isInfinite(eps)) {
            throw new IllegalArgumentException("rmsNorm: eps must be finite and non-negative, got " + eps);
        }
        long n = (long) rows * g.cols();
        checkCapacity("rmsNorm", "x", in, n);
        checkCapacity("rmsNorm", "out", o, n);
        if (rows == 0) {
            return;
        }
        mosaic_h.mosaic_rmsnorm(o.segment(), in.segment(), g.type().id(), g.data(), rows, g.cols(), eps, boundThreads());
    }

    @Override
    public void matmul(DeviceBuffer out, BackendWeight w, DeviceBuffer x, int rows) {
        CpuBuffer o = buffer(out, "out");
        CpuBuffer in = buffer(x, "x");
        CpuWeight wt = weight(w, "w", MATMUL_TYPES);
        checkRows("matmul", rows);
        if (o == in) {
            throw new IllegalArgumentException("matmul: out and x must be different buffers");
        }
        checkCapacity("matmul", "x", in, (long) rows * wt.cols());
        checkCapacity("matmul", "out", o, (long) rows * wt.rows());
        if (rows == 0) {
            return;
        }
        if (activations == MatmulActivations.INT8 && wt.packable()) {
            // interleaved weights, int8 activations, exact integer block dots (native/src/packed.h)
            int t = boundThreads();
            if (mosaic_h.mosaic_matmul_packed(wt.type().id(), wt.packed(t), wt.rows(), wt.cols(), in.segment(), rows,
                    o.segment(), t) == 0) {
                throw new OutOfMemoryError("matmul: no native memory for the quantised activations of " + rows + " rows");
            }
        } else if (usePanels(wt)) {
            int t = boundThreads();
            mosaic_h.mosaic_matmul_panels(wt.type().id(), wt.panels(t), wt.rows(), wt.cols(), in.segment(), rows, o.segment(), t);
        } else {
            mosaic_h.mosaic_matmul(wt.type().id(), wt.data(), wt.rows(), wt.cols(), in.segment(), rows, o.segment(), boundThreads());
        }
    }

    @Override
    public void addBias(DeviceBuffer x, BackendWeight bias, int rows) {
        CpuBuffer in = buffer(x, "x");
        CpuWeight b = weight(bias, "bias", VECTOR_TYPES);
        checkVector("addBias", b);
        checkRows("addBias", rows);
        checkCapacity("addBias", "x", in, (long) rows * b.cols());
        if (rows == 0) {
            return;
        }
        mosaic_h.mosaic_add_bias(in.segment(), b.type().id(), b.data(), rows, b.cols(), boundThreads());
    }

    @Override
    public void rope(DeviceBuffer x, int heads, int headDim, PreparedStep step, RopeConfig rope) {
        CpuBuffer in = buffer(x, "x");
        CpuStep st = step(step, "rope");
        int[] positions = st.require(st.metadata().positions(), "rope", "positions");
        int rows = positions.length;
        checkHeads("rope", heads, headDim);
        checkCapacity("rope", "x", in, (long) rows * heads * headDim);
        MemorySegment freq = inverseFrequencies(rope, headDim);
        if (rows == 0) {
            return;
        }
        int layout = rope.layout() == RopeConfig.Layout.INTERLEAVED
                ? mosaic_h.MOSAIC_ROPE_INTERLEAVED() : mosaic_h.MOSAIC_ROPE_HALVES();
        mosaic_h.mosaic_rope(in.segment(), rows, heads, headDim, st.segment(CpuStep.POSITIONS), freq, layout, boundThreads());
    }

    @Override
    public void kvStore(KvStorage kv, int layer, DeviceBuffer k, DeviceBuffer v, PreparedStep step) {
        CpuKvStorage s = kvStorage(kv);
        CpuBuffer kb = buffer(k, "k");
        CpuBuffer vb = buffer(v, "v");
        CpuStep st = step(step, "kvStore");
        int[] slots = st.require(st.metadata().slots(), "kvStore", "slots");
        KvGeometry g = s.geometry();
        checkLayer("kvStore", g, layer);
        st.checkAgainst(g, "kvStore");
        long n = (long) slots.length * g.rowElements();
        checkCapacity("kvStore", "k", kb, n);
        checkCapacity("kvStore", "v", vb, n);
        if (slots.length == 0) {
            return;
        }
        mosaic_h.mosaic_kv_store(s.keys(layer), s.values(layer), g.rowElements(), kb.segment(), vb.segment(),
                st.segment(CpuStep.SLOTS), slots.length, boundThreads());
    }

    @Override
    public void attention(DeviceBuffer out, DeviceBuffer q, KvStorage kv, int layer, PreparedStep step, int heads,
                          float scale) {
        CpuBuffer o = buffer(out, "out");
        CpuBuffer qb = buffer(q, "q");
        CpuKvStorage s = kvStorage(kv);
        CpuStep st = step(step, "attention");
        AttentionBatch batch = st.require(st.metadata().attention(), "attention", "an attention batch");
        KvGeometry g = s.geometry();
        checkLayer("attention", g, layer);
        if (o == qb) {
            throw new IllegalArgumentException("attention: out and q must be different buffers");
        }
        checkHeads("attention", heads, g.headDim());
        if (heads % g.kvHeads() != 0) {
            throw new IllegalArgumentException("attention: " + heads + " query heads are not a multiple of "
                    + g.kvHeads() + " KV heads");
        }
        if (!Float.isFinite(scale)) {
            throw new IllegalArgumentException("attention: scale must be finite, got " + scale);
        }
        long width = (long) heads * g.headDim();
        long qRows = qb.floats() / width;
        long outRows = o.floats() / width;
        for (int i = 0; i < batch.sequences(); i++) {
            int start = batch.rowStart()[i];
            long end = (long) start + batch.rowCount()[i];
            if (end > qRows || end > outRows) {
                throw new IllegalArgumentException("attention: sequence " + i + " uses rows " + start + ".." + (end - 1)
                        + " but q holds " + qRows + " and out " + outRows + " rows of " + width + " floats");
            }
        }
        st.checkAgainst(g, "attention");
        if (batch.sequences() == 0) {
            return;
        }
        mosaic_h.mosaic_attention(o.segment(), qb.segment(), s.keys(layer), s.values(layer), batch.sequences(),
                st.segment(CpuStep.ROW_START), st.segment(CpuStep.ROW_COUNT), st.segment(CpuStep.FIRST_POSITION),
                st.segment(CpuStep.TABLE_START), st.segment(CpuStep.TABLES), g.blockSize(), heads, g.kvHeads(),
                g.headDim(), scale, boundThreads());
    }

    @Override
    public void gatherRows(DeviceBuffer dst, DeviceBuffer src, int width, PreparedStep step) {
        CpuBuffer d = buffer(dst, "dst");
        CpuBuffer sb = buffer(src, "src");
        CpuStep st = step(step, "gatherRows");
        int[] rows = st.require(st.metadata().gatherRows(), "gatherRows", "gather rows");
        if (d == sb) {
            throw new IllegalArgumentException("gatherRows: dst and src must be different buffers");
        }
        if (width < 1) {
            throw new IllegalArgumentException("gatherRows: width must be positive, got " + width);
        }
        checkCapacity("gatherRows", "dst", d, (long) rows.length * width);
        long srcRows = sb.floats() / width;
        long rowBytes = (long) width * Float.BYTES;
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] >= srcRows) {
                throw new IllegalArgumentException("gatherRows: row " + rows[i] + " at index " + i + " is outside src's "
                        + srcRows + " rows of " + width);
            }
        }
        // Host memory: a row copy is the whole job (no kernel needed on the CPU).
        MemorySegment from = sb.segment();
        MemorySegment to = d.segment();
        for (int i = 0; i < rows.length; i++) {
            MemorySegment.copy(from, rows[i] * rowBytes, to, i * rowBytes, rowBytes);
        }
    }

    @Override
    public void swiglu(DeviceBuffer out, DeviceBuffer gate, DeviceBuffer up, long n) {
        CpuBuffer o = buffer(out, "out");
        CpuBuffer gb = buffer(gate, "gate");
        CpuBuffer ub = buffer(up, "up");
        checkCount("swiglu", n);
        checkCapacity("swiglu", "out", o, n);
        checkCapacity("swiglu", "gate", gb, n);
        checkCapacity("swiglu", "up", ub, n);
        if (n == 0) {
            return;
        }
        mosaic_h.mosaic_swiglu(o.segment(), gb.segment(), ub.segment(), n, boundThreads());
    }

    @Override
    public void add(DeviceBuffer acc, DeviceBuffer x, long n) {
        CpuBuffer a = buffer(acc, "acc");
        CpuBuffer in = buffer(x, "x");
        checkCount("add", n);
        checkCapacity("add", "acc", a, n);
        checkCapacity("add", "x", in, n);
        if (n == 0) {
            return;
        }
        mosaic_h.mosaic_add(a.segment(), in.segment(), n, boundThreads());
    }

    @Override
    public void softmax(DeviceBuffer x, int rows, int cols) {
        CpuBuffer in = buffer(x, "x");
        checkRows("softmax", rows);
        if (cols < 1) {
            throw new IllegalArgumentException("softmax: cols must be positive, got " + cols);
        }
        checkCapacity("softmax", "x", in, (long) rows * cols);
        if (rows == 0) {
            return;
        }
        mosaic_h.mosaic_softmax(in.segment(), rows, cols, boundThreads());
    }

    WeightSlab weightSlab() {
        return weightSlab;
    }

    /** Closes every buffer and KV storage still open, the native scratch memory and the worker pool (joining its threads). Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        List<AutoCloseable> left = new ArrayList<>(open);
        RuntimeException failure = null;
        for (AutoCloseable c : left) {
            try {
                c.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("closing " + c + " failed", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        for (CpuWeight w : weights) {
            w.release();
        }
        weights.clear();
        weightSlab.close();
        scratch.close();
        stepMemory.close();
        currentStep = null;
        if (threads > 1) {
            mosaic_h.mosaic_pool_destroy(pool); // joins its workers
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Buffers and KV storages allocated here and not yet closed. */
    public int openResources() {
        return open.size();
    }

    void forget(AutoCloseable resource) {
        open.remove(resource);
    }

    // ---- validation -------------------------------------------------------------------------

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("CPU backend is closed");
        }
    }

    private CpuBuffer buffer(DeviceBuffer b, String what) {
        checkOpen();
        if (!(b instanceof CpuBuffer c) || c.owner() != this) {
            throw new IllegalArgumentException(what + ": " + b + " was not allocated by this CPU backend");
        }
        if (c.isClosed()) {
            throw new IllegalArgumentException(what + ": buffer is closed");
        }
        return c;
    }

    private CpuWeight weight(BackendWeight w, String what, Set<GgmlType> types) {
        checkOpen();
        if (!(w instanceof CpuWeight c) || c.owner() != this) {
            throw new IllegalArgumentException(what + ": " + w + " was not prepared by this CPU backend");
        }
        if (!types.contains(c.type())) {
            throw new IllegalArgumentException(what + ": tensor " + c.tensor().name() + " has type " + c.type()
                    + "; this operation accepts " + types);
        }
        return c;
    }

    private CpuStep step(PreparedStep step, String op) {
        checkOpen();
        if (!(step instanceof CpuStep c) || c.owner() != this) {
            throw new IllegalArgumentException(op + ": step " + step + " was not prepared by this CPU backend");
        }
        if (c != currentStep || c.generation() != stepGeneration) {
            throw new IllegalStateException(op + ": step is stale (another step was prepared since)");
        }
        return c;
    }

    private CpuKvStorage kvStorage(KvStorage kv) {
        checkOpen();
        if (!(kv instanceof CpuKvStorage c) || c.owner() != this) {
            throw new IllegalArgumentException("kv: " + kv + " was not allocated by this CPU backend");
        }
        if (c.isClosed()) {
            throw new IllegalArgumentException("kv: KV storage is closed");
        }
        return c;
    }

    private static void checkVector(String op, CpuWeight w) {
        if (w.rows() != 1) {
            throw new IllegalArgumentException(op + ": tensor " + w.tensor().name() + " must be a vector, has "
                    + w.rows() + " rows of " + w.cols());
        }
    }

    private static void checkRows(String op, int rows) {
        if (rows < 0) {
            throw new IllegalArgumentException(op + ": rows must not be negative, got " + rows);
        }
    }

    private static void checkCount(String op, long n) {
        if (n < 0) {
            throw new IllegalArgumentException(op + ": element count must not be negative, got " + n);
        }
    }

    private static void checkHeads(String op, int heads, int headDim) {
        if (heads < 1 || headDim < 2 || headDim % 2 != 0 || headDim > MAX_HEAD_DIM) {
            throw new IllegalArgumentException(op + ": need heads >= 1 and an even headDim in 2.." + MAX_HEAD_DIM
                    + ", got heads " + heads + ", headDim " + headDim);
        }
    }

    private static void checkLayer(String op, KvGeometry g, int layer) {
        if (layer < 0 || layer >= g.layers()) {
            throw new IllegalArgumentException(op + ": layer " + layer + " is outside the cache's " + g.layers() + " layers");
        }
    }

    private static void checkCapacity(String op, String what, CpuBuffer b, long floats) {
        if (floats > b.floats()) {
            throw new IllegalArgumentException(op + ": " + what + " needs " + floats + " floats but holds " + b.floats());
        }
    }

    private static void checkRange(String op, String what, CpuBuffer b, long offset, long floats) {
        if (offset < 0 || floats < 0 || offset > b.floats() - floats) {
            throw new IllegalArgumentException(op + ": range [" + offset + ", " + offset + "+" + floats + ") is outside "
                    + what + " of " + b.floats() + " floats");
        }
    }

    private MemorySegment inverseFrequencies(RopeConfig rope, int headDim) {
        if (rope.equals(cachedRope) && headDim == cachedRopeHeadDim) {
            return cachedInvFreqSegment;
        }
        int half = headDim / 2;
        if (rope.freqFactors() != null && rope.freqFactors().length < half) {
            throw new IllegalArgumentException("rope: " + rope.freqFactors().length + " frequency factors for headDim "
                    + headDim + " (need " + half + ")");
        }
        if (!(rope.theta() > 0) || Float.isInfinite(rope.theta())) {
            throw new IllegalArgumentException("rope: theta must be positive and finite, got " + rope.theta());
        }
        double[] f = new double[half];
        for (int i = 0; i < half; i++) {
            f[i] = rope.inverseFrequency(i, headDim);
        }
        // The frequencies live in the scratch region, which only rope uses now; recomputed when the config changes.
        MemorySegment seg = scratch.region((long) half * Double.BYTES);
        MemorySegment.copy(f, 0, seg, ValueLayout.JAVA_DOUBLE, 0, half);
        cachedRope = rope;
        cachedRopeHeadDim = headDim;
        cachedInvFreqSegment = seg;
        return seg;
    }

    /**
     * Native scratch memory for int/double arguments, grown by doubling and freed on close. Each
     * call hands out a region from offset 0, so a region is valid until the next call.
     */
    private static final class Scratch implements AutoCloseable {
        private Arena arena;
        private MemorySegment segment = MemorySegment.NULL;

        /** The arrays copied back to back into one region. */
        MemorySegment ints(int[]... arrays) {
            long bytes = 0;
            for (int[] a : arrays) {
                bytes += (long) a.length * Integer.BYTES;
            }
            MemorySegment s = region(bytes);
            long off = 0;
            for (int[] a : arrays) {
                MemorySegment.copy(a, 0, s, ValueLayout.JAVA_INT, off, a.length);
                off += (long) a.length * Integer.BYTES;
            }
            return s;
        }

        /** A region of at least {@code bytes} bytes; contents undefined. */
        MemorySegment region(long bytes) {
            if (segment.byteSize() < bytes) {
                long size = Math.max(4096, Long.highestOneBit(bytes) << 1);
                Arena next = Arena.ofShared();
                MemorySegment grown;
                try {
                    grown = next.allocate(size, OwnedMemory.ALIGNMENT);
                } catch (RuntimeException | OutOfMemoryError e) {
                    next.close();
                    throw e;
                }
                close();
                arena = next;
                segment = grown;
            }
            return segment.asSlice(0, bytes);
        }

        @Override
        public void close() {
            if (arena != null) {
                arena.close();
                arena = null;
            }
            segment = MemorySegment.NULL;
        }
    }
}
