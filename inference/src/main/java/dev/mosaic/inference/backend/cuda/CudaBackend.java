package dev.mosaic.inference.backend.cuda;

import dev.mosaic.bindings.cuda.Cublas;
import dev.mosaic.bindings.cuda.Cuda;
import dev.mosaic.bindings.cuda.CudaKernels;
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
import dev.mosaic.inference.tensor.Quantization;
import dev.mosaic.inference.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link Backend} on one CUDA device: our kernels (libmosaic_cuda) and cuBLAS through FFM, on one
 * non-blocking stream. Activations and the paged KV cache are bf16 in device memory (F32 buffers
 * for logits); weight matrices are dequantised on the host and uploaded once as bf16 at
 * {@link #prepare} (quantised GPU matmul is a later step), vectors as float32; matmuls are
 * {@code cublasGemmEx} with bf16 inputs and float32 accumulation. A step's metadata is uploaded in
 * one copy ({@link #prepareStep}); ops only enqueue work, and {@link #read} is the step's one
 * synchronisation.
 *
 * <p>Every size, index, slot and block table is checked here before any native call (the kernels
 * trust their input). Buffers, KV storage, weights and the backend's own scratch each own one
 * device allocation; {@link #openResources} counts the buffers and KV storages still open, and
 * {@link #close} frees everything. Not thread-safe: one thread at a time (the engine's step loop),
 * which must be the thread that called the constructor or have made the device current
 * (the constructor does {@code cudaSetDevice}; every op re-binds it).
 */
public final class CudaBackend implements Backend {

    /** Host staging for uploads and downloads is at most this large; bigger copies go in pieces. */
    private static final long STAGING_BYTES = 16L << 20;

    private final int device;
    private final int multiprocessors;
    private final MemorySegment stream;
    private final Cublas cublas;
    private final Arena hostArena = Arena.ofShared();
    private final Map<Object, MemorySegment> open = new LinkedHashMap<>();
    private final List<CudaWeight> weights = new ArrayList<>();
    private MemorySegment staging = MemorySegment.NULL;
    private final Growable stepMemory = new Growable("step metadata");
    private final Growable workspace = new Growable("attention workspace");
    private final Growable invFreq = new Growable("rope frequencies");
    private RopeConfig cachedRope;
    private int cachedRopeHeadDim;
    private CudaStep currentStep;
    private long stepGeneration;
    private long weightBytes;
    private boolean closed;

    /**
     * A backend on {@code device}; loads cudart, cuBLAS and libmosaic_cuda (checking its ABI).
     *
     * @throws dev.mosaic.bindings.NativeLibraryException when a library cannot be found
     * @throws dev.mosaic.bindings.cuda.CudaException when the device cannot be used
     */
    public CudaBackend(int device) {
        CudaKernels.load();
        Cuda.setDevice(device);
        this.device = device;
        this.multiprocessors = Cuda.attribute(Cuda.ATTR_MULTIPROCESSOR_COUNT, device);
        this.stream = Cuda.streamCreate();
        Cublas c;
        try {
            c = Cublas.create(stream, Cublas.DEFAULT_MATH);
        } catch (RuntimeException e) {
            Cuda.streamDestroy(stream);
            hostArena.close();
            throw e;
        }
        this.cublas = c;
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public String toString() {
        return "CudaBackend[device " + device + ", " + multiprocessors + " SMs, bf16 activations and KV]";
    }

    /** The device index. */
    public int device() {
        return device;
    }

    /** Always {@link DType#BF16}. */
    @Override
    public DType activationType() {
        return DType.BF16;
    }

    /** Always {@link DType#BF16}. */
    @Override
    public DType kvType() {
        return DType.BF16;
    }

    /** Bytes of device memory the prepared weights occupy. */
    public long weightBytes() {
        return weightBytes;
    }

    // ---- memory -----------------------------------------------------------------------------

    @Override
    public CudaBuffer allocate(long elements, DType type) {
        checkOpen();
        if (type != DType.BF16 && type != DType.F32) {
            throw new IllegalArgumentException("the CUDA backend holds buffers as BF16 (activations) or F32 (logits), not " + type);
        }
        if (elements <= 0) {
            throw new IllegalArgumentException("buffer size must be positive, got " + elements + " elements");
        }
        if (elements > Long.MAX_VALUE / 8) {
            throw new IllegalArgumentException("buffer of " + elements + " elements is too large");
        }
        MemorySegment d = deviceAlloc(elements * type.bytes());
        CudaBuffer b = new CudaBuffer(this, elements, type, d);
        open.put(b, d);
        return b;
    }

    /**
     * Why the CUDA kernels cannot hold a KV cache of shape {@code g}, or {@code null} if they can:
     * checked on the host before anything is allocated on a device (the attention kernel keeps a
     * query row of at most {@link CudaKernels#MAX_HEAD_DIM} floats in shared memory).
     */
    public static String kvGeometryProblem(KvGeometry g) {
        if (g.dtype() != DType.BF16) {
            return "KV geometry: the CUDA backend stores the KV cache as BF16 only, not " + g.dtype();
        }
        if (g.headDim() > CudaKernels.MAX_HEAD_DIM || g.headDim() % 2 != 0) {
            return "KV geometry: head dimension " + g.headDim() + " must be even and at most " + CudaKernels.MAX_HEAD_DIM
                    + " on the CUDA backend";
        }
        if (g.slots() > Integer.MAX_VALUE) {
            return "KV geometry: " + g.slots() + " slots do not fit in an int slot index";
        }
        return null;
    }

    @Override
    public CudaKvStorage allocateKv(KvGeometry g) {
        checkOpen();
        String problem = kvGeometryProblem(g);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        MemorySegment d = deviceAlloc(g.bytes());
        CudaKvStorage kv = new CudaKvStorage(this, g, d);
        open.put(kv, d);
        return kv;
    }

    /** A zero-filled device allocation. */
    private MemorySegment deviceAlloc(long bytes) {
        bind();
        MemorySegment d = Cuda.malloc(bytes);
        try {
            Cuda.memset(d, 0, bytes, stream);
        } catch (RuntimeException e) {
            Cuda.free(d);
            throw e;
        }
        return d;
    }

    /** Called by a buffer or KV storage closing: waits for the stream (work may still use it), then frees. */
    void release(Object resource, MemorySegment d) {
        if (open.remove(resource) == null || closed) {
            return;
        }
        bind();
        Cuda.streamSynchronize(stream);
        Cuda.free(d);
    }

    /** Buffers and KV storages allocated here and not yet closed. */
    public int openResources() {
        return open.size();
    }

    @Override
    public BackendWeight prepare(Tensor tensor) {
        checkOpen();
        GgmlType t = tensor.type();
        if (!t.isFloat() && !t.matmul()) {
            throw new IllegalArgumentException("tensor " + tensor.name() + ": type " + t + " cannot be dequantised for the CUDA backend");
        }
        if (tensor.elements() == 0) {
            throw new IllegalArgumentException("tensor " + tensor.name() + ": has no elements");
        }
        if (tensor.cols() % t.blockSize() != 0) {
            throw new IllegalArgumentException("tensor " + tensor.name() + ": row length " + tensor.cols()
                    + " is not a multiple of the " + t + " block size " + t.blockSize());
        }
        if (tensor.cols() > Integer.MAX_VALUE / 4 || tensor.rows() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor " + tensor.name() + ": " + tensor.rows() + " x " + tensor.cols()
                    + " is too large (rows and columns must each fit in an int)");
        }
        if (tensor.data().byteSize() < t.byteSize(tensor.elements())) {
            throw new IllegalArgumentException("tensor " + tensor.name() + ": data holds " + tensor.data().byteSize()
                    + " bytes, its shape needs " + t.byteSize(tensor.elements()));
        }
        DType on = tensor.rows() == 1 ? DType.F32 : DType.BF16;
        long bytes = tensor.elements() * on.bytes();
        bind();
        MemorySegment d = Cuda.malloc(bytes);
        try {
            upload(tensor, on, d);
        } catch (RuntimeException e) {
            Cuda.streamSynchronize(stream);
            Cuda.free(d);
            throw e;
        }
        CudaWeight w = new CudaWeight(this, tensor, on, d);
        weights.add(w);
        weightBytes += bytes;
        return w;
    }

    /** Dequantises {@code tensor} row by row on the host and copies it up as {@code on}, in staging-sized pieces. */
    private void upload(Tensor tensor, DType on, MemorySegment d) {
        int cols = (int) tensor.cols();
        long rowHostBytes = (long) cols * on.bytes();
        int rowsPerPiece = (int) Math.max(1, Math.min(tensor.rows(), STAGING_BYTES / rowHostBytes));
        float[] row = new float[cols];
        long srcRowBytes = tensor.type().byteSize(cols);
        for (long r0 = 0; r0 < tensor.rows(); r0 += rowsPerPiece) {
            int n = (int) Math.min(rowsPerPiece, tensor.rows() - r0);
            MemorySegment host = staging(n * rowHostBytes);
            // the previous piece's copy from pageable memory was staged when its call returned
            for (int i = 0; i < n; i++) {
                Quantization.dequantize(tensor.type(), tensor.data(), (r0 + i) * srcRowBytes, row, 0, cols);
                encode(row, 0, host, i * rowHostBytes, cols, on);
            }
            Cuda.copyToDevice(Cuda.offset(d, r0 * rowHostBytes), host, 0, n * rowHostBytes, stream);
        }
    }

    /** Writes {@code n} floats as {@code type} (bf16 rounded to nearest even) into host memory. */
    static void encode(float[] src, int from, MemorySegment host, long offset, int n, DType type) {
        switch (type) {
            case F32 -> MemorySegment.copy(src, from, host, ValueLayout.JAVA_FLOAT_UNALIGNED, offset, n);
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    host.set(ValueLayout.JAVA_SHORT_UNALIGNED, offset + 2L * i, Quantization.floatToBf16(src[from + i]));
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    host.set(ValueLayout.JAVA_SHORT_UNALIGNED, offset + 2L * i, Float.floatToFloat16(src[from + i]));
                }
            }
        }
    }

    private MemorySegment staging(long bytes) {
        if (staging.byteSize() < bytes) {
            staging = hostArena.allocate(Math.max(bytes, Math.max(1 << 16, 2 * staging.byteSize())), 64);
        }
        return staging;
    }

    @Override
    public void write(MemorySegment src, DeviceBuffer dst, long dstOffset, long elements) {
        CudaBuffer d = buffer(dst, "dst");
        checkRange("write", d, dstOffset, elements);
        if (src.byteSize() < elements * Float.BYTES) {
            throw new IllegalArgumentException("write: src holds " + src.byteSize() + " bytes, need " + elements * Float.BYTES);
        }
        bind();
        int eb = d.type().bytes();
        long piece = STAGING_BYTES / 4;
        float[] tmp = new float[(int) Math.min(piece, Math.max(elements, 1))];
        for (long e0 = 0; e0 < elements; e0 += piece) {
            int n = (int) Math.min(piece, elements - e0);
            MemorySegment.copy(src, ValueLayout.JAVA_FLOAT_UNALIGNED, e0 * Float.BYTES, tmp, 0, n);
            MemorySegment host = staging((long) n * eb);
            encode(tmp, 0, host, 0, n, d.type());
            Cuda.copyToDevice(Cuda.offset(d.device(), (dstOffset + e0) * eb), host, 0, (long) n * eb, stream);
        }
    }

    @Override
    public void read(DeviceBuffer src, long srcOffset, MemorySegment dst, long elements) {
        CudaBuffer s = buffer(src, "src");
        checkRange("read", s, srcOffset, elements);
        if (dst.byteSize() < elements * Float.BYTES) {
            throw new IllegalArgumentException("read: dst holds " + dst.byteSize() + " bytes, need " + elements * Float.BYTES);
        }
        bind();
        int eb = s.type().bytes();
        long piece = STAGING_BYTES / 4;
        for (long e0 = 0; e0 < elements; e0 += piece) {
            int n = (int) Math.min(piece, elements - e0);
            MemorySegment host = staging((long) n * eb);
            Cuda.copyToHost(host, 0, Cuda.offset(s.device(), (srcOffset + e0) * eb), (long) n * eb, stream);
            Cuda.streamSynchronize(stream); // the step's one synchronisation (logits); earlier kernel errors surface here
            if (s.type() == DType.F32) {
                MemorySegment.copy(host, 0, dst, e0 * Float.BYTES, (long) n * Float.BYTES);
            } else {
                for (int i = 0; i < n; i++) {
                    dst.set(ValueLayout.JAVA_FLOAT_UNALIGNED, (e0 + i) * Float.BYTES,
                            Quantization.bf16ToFloat(host.get(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i)));
                }
            }
        }
    }

    // ---- steps ------------------------------------------------------------------------------

    @Override
    public PreparedStep prepareStep(StepMetadata metadata) {
        checkOpen();
        CudaPlans.PackedStep packed = CudaPlans.pack(metadata);
        long[] off = packed.offsets();
        long total = Math.max(off[CudaStep.PARTS], 16);
        bind();
        MemorySegment host = staging(total);
        int[][] parts = packed.parts();
        MemorySegment[] device = new MemorySegment[CudaStep.PARTS];
        MemorySegment base = stepMemory.ensure(total);
        for (int i = 0; i < CudaStep.PARTS; i++) {
            if (parts[i] == null) {
                device[i] = MemorySegment.NULL;
            } else {
                MemorySegment.copy(parts[i], 0, host, ValueLayout.JAVA_INT_UNALIGNED, off[i], parts[i].length);
                device[i] = Cuda.offset(base, off[i]);
            }
        }
        Cuda.copyToDevice(base, host, 0, total, stream); // one copy per step
        currentStep = new CudaStep(this, ++stepGeneration, metadata, device, packed.maxLength());
        return currentStep;
    }

    // ---- ops --------------------------------------------------------------------------------

    @Override
    public void embedding(DeviceBuffer out, BackendWeight table, PreparedStep step) {
        CudaBuffer o = buffer(out, "out", DType.BF16);
        CudaWeight t = weight(table, "table", DType.BF16);
        CudaStep st = step(step, "embedding");
        int[] ids = st.require(st.metadata().tokens(), "embedding", "token ids");
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= t.rows()) {
                throw new IllegalArgumentException("embedding: token id " + ids[i] + " at index " + i + " is outside the table "
                        + t.tensor().name() + " of " + t.rows() + " rows");
            }
        }
        checkCapacity("embedding", "out", o, (long) ids.length * t.cols());
        if (ids.length == 0) {
            return;
        }
        CudaKernels.embedding(o.device(), t.device(), t.cols(), st.part(CudaStep.TOKENS), ids.length, stream);
    }

    @Override
    public void rmsNorm(DeviceBuffer out, DeviceBuffer x, BackendWeight gamma, int rows, float eps) {
        CudaBuffer o = buffer(out, "out", DType.BF16);
        CudaBuffer in = buffer(x, "x", DType.BF16);
        CudaWeight g = weight(gamma, "gamma", DType.F32);
        checkRows("rmsNorm", rows);
        if (!(eps >= 0) || Float.isInfinite(eps)) {
            throw new IllegalArgumentException("rmsNorm: eps must be finite and non-negative, got " + eps);
        }
        long n = (long) rows * g.cols();
        checkCapacity("rmsNorm", "x", in, n);
        checkCapacity("rmsNorm", "out", o, n);
        if (rows > 0) {
            CudaKernels.rmsnorm(o.device(), in.device(), g.device(), rows, g.cols(), eps, stream);
        }
    }

    @Override
    public void matmul(DeviceBuffer out, BackendWeight w, DeviceBuffer x, int rows) {
        CudaBuffer o = buffer(out, "out");
        CudaBuffer in = buffer(x, "x", DType.BF16);
        CudaWeight wt = weight(w, "w", DType.BF16);
        checkRows("matmul", rows);
        if (o == in) {
            throw new IllegalArgumentException("matmul: out and x must be different buffers");
        }
        checkCapacity("matmul", "x", in, (long) rows * wt.cols());
        checkCapacity("matmul", "out", o, (long) rows * wt.rows());
        if (rows == 0) {
            return;
        }
        Cublas.LinearShape s = Cublas.LinearShape.of(rows, wt.rows(), wt.cols());
        cublas.linear(s, wt.device(), Cublas.CUDA_R_16BF, in.device(), Cublas.CUDA_R_16BF, o.device(),
                o.type() == DType.F32 ? Cublas.CUDA_R_32F : Cublas.CUDA_R_16BF);
    }

    @Override
    public void addBias(DeviceBuffer x, BackendWeight bias, int rows) {
        CudaBuffer in = buffer(x, "x", DType.BF16);
        CudaWeight b = weight(bias, "bias", DType.F32);
        checkRows("addBias", rows);
        checkCapacity("addBias", "x", in, (long) rows * b.cols());
        if (rows > 0) {
            CudaKernels.addBias(in.device(), b.device(), rows, b.cols(), stream);
        }
    }

    @Override
    public void rope(DeviceBuffer x, int heads, int headDim, PreparedStep step, RopeConfig rope) {
        CudaBuffer in = buffer(x, "x", DType.BF16);
        CudaStep st = step(step, "rope");
        int[] positions = st.require(st.metadata().positions(), "rope", "positions");
        checkHeads("rope", heads, headDim);
        checkCapacity("rope", "x", in, (long) positions.length * heads * headDim);
        MemorySegment freq = inverseFrequencies(rope, headDim);
        if (positions.length == 0) {
            return;
        }
        int layout = rope.layout() == RopeConfig.Layout.INTERLEAVED ? CudaKernels.ROPE_INTERLEAVED : CudaKernels.ROPE_HALVES;
        CudaKernels.rope(in.device(), positions.length, heads, headDim, st.part(CudaStep.POSITIONS), freq, layout, stream);
    }

    @Override
    public void kvStore(KvStorage kv, int layer, DeviceBuffer k, DeviceBuffer v, PreparedStep step) {
        CudaKvStorage s = kvStorage(kv);
        CudaBuffer kb = buffer(k, "k", DType.BF16);
        CudaBuffer vb = buffer(v, "v", DType.BF16);
        CudaStep st = step(step, "kvStore");
        int[] slots = st.require(st.metadata().slots(), "kvStore", "slots");
        KvGeometry g = s.geometry();
        checkLayer("kvStore", g, layer);
        st.metadata().checkAgainst(g, "kvStore");
        long n = (long) slots.length * g.rowElements();
        checkCapacity("kvStore", "k", kb, n);
        checkCapacity("kvStore", "v", vb, n);
        if (slots.length > 0) {
            CudaKernels.kvStore(s.keys(layer), s.values(layer), g.rowElements(), kb.device(), vb.device(),
                    st.part(CudaStep.SLOTS), slots.length, stream);
        }
    }

    @Override
    public void attention(DeviceBuffer out, DeviceBuffer q, KvStorage kv, int layer, PreparedStep step, int heads, float scale) {
        CudaBuffer o = buffer(out, "out", DType.BF16);
        CudaBuffer qb = buffer(q, "q", DType.BF16);
        CudaKvStorage s = kvStorage(kv);
        CudaStep st = step(step, "attention");
        AttentionBatch batch = st.require(st.metadata().attention(), "attention", "an attention batch");
        KvGeometry g = s.geometry();
        checkLayer("attention", g, layer);
        if (o == qb) {
            throw new IllegalArgumentException("attention: out and q must be different buffers");
        }
        checkHeads("attention", heads, g.headDim());
        if (heads % g.kvHeads() != 0) {
            throw new IllegalArgumentException("attention: " + heads + " query heads are not a multiple of " + g.kvHeads()
                    + " KV heads");
        }
        if (!Float.isFinite(scale)) {
            throw new IllegalArgumentException("attention: scale must be finite, got " + scale);
        }
        int rows = batch.rows();
        long width = (long) heads * g.headDim();
        checkCapacity("attention", "q", qb, rows * width);
        checkCapacity("attention", "out", o, rows * width);
        st.metadata().checkAgainst(g, "attention");
        if (rows == 0) {
            return;
        }
        long rowHeads = (long) rows * heads;
        int[] split = CudaPlans.attentionSplits(rowHeads, st.maxLength(), multiprocessors);
        long wsFloats = CudaPlans.workspaceFloats(rowHeads, split[0], g.headDim());
        MemorySegment ws = wsFloats == 0 ? MemorySegment.NULL : workspace.ensure(wsFloats * Float.BYTES);
        CudaKernels.attention(o.device(), qb.device(), s.keys(layer), s.values(layer), rows, st.part(CudaStep.ROW_SEQ),
                st.part(CudaStep.ROW_POSITIONS), st.part(CudaStep.TABLE_START), st.part(CudaStep.TABLES), g.blockSize(), heads,
                g.kvHeads(), g.headDim(), scale, split[0], split[1], ws, stream);
    }

    @Override
    public void gatherRows(DeviceBuffer dst, DeviceBuffer src, int width, PreparedStep step) {
        CudaBuffer d = buffer(dst, "dst");
        CudaBuffer sb = buffer(src, "src", d.type());
        CudaStep st = step(step, "gatherRows");
        int[] rows = st.require(st.metadata().gatherRows(), "gatherRows", "gather rows");
        if (d == sb) {
            throw new IllegalArgumentException("gatherRows: dst and src must be different buffers");
        }
        if (width < 1) {
            throw new IllegalArgumentException("gatherRows: width must be positive, got " + width);
        }
        checkCapacity("gatherRows", "dst", d, (long) rows.length * width);
        long srcRows = sb.elements() / width;
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] >= srcRows) {
                throw new IllegalArgumentException("gatherRows: row " + rows[i] + " at index " + i + " is outside src's "
                        + srcRows + " rows of " + width);
            }
        }
        if (rows.length > 0) {
            CudaKernels.gatherRows(d.device(), sb.device(), width, d.type().bytes(), st.part(CudaStep.GATHER), rows.length, stream);
        }
    }

    @Override
    public void swiglu(DeviceBuffer out, DeviceBuffer gate, DeviceBuffer up, long n) {
        CudaBuffer o = buffer(out, "out", DType.BF16);
        CudaBuffer gb = buffer(gate, "gate", DType.BF16);
        CudaBuffer ub = buffer(up, "up", DType.BF16);
        checkCount("swiglu", n);
        checkCapacity("swiglu", "out", o, n);
        checkCapacity("swiglu", "gate", gb, n);
        checkCapacity("swiglu", "up", ub, n);
        if (n > 0) {
            CudaKernels.swiglu(o.device(), gb.device(), ub.device(), n, stream);
        }
    }

    @Override
    public void add(DeviceBuffer acc, DeviceBuffer x, long n) {
        CudaBuffer a = buffer(acc, "acc", DType.BF16);
        CudaBuffer in = buffer(x, "x", DType.BF16);
        checkCount("add", n);
        checkCapacity("add", "acc", a, n);
        checkCapacity("add", "x", in, n);
        if (n > 0) {
            CudaKernels.add(a.device(), in.device(), n, stream);
        }
    }

    @Override
    public void softmax(DeviceBuffer x, int rows, int cols) {
        CudaBuffer in = buffer(x, "x");
        checkRows("softmax", rows);
        if (cols < 1) {
            throw new IllegalArgumentException("softmax: cols must be positive, got " + cols);
        }
        checkCapacity("softmax", "x", in, (long) rows * cols);
        if (rows == 0) {
            return;
        }
        if (in.type() == DType.F32) {
            CudaKernels.softmaxF32(in.device(), rows, cols, stream);
        } else {
            CudaKernels.softmaxBf16(in.device(), rows, cols, stream);
        }
    }

    /** Waits for the stream, then frees every buffer, KV storage, weight and scratch allocation, the cuBLAS handle and the stream. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException failure = null;
        try {
            Cuda.setDevice(device);
            Cuda.streamSynchronize(stream);
        } catch (RuntimeException e) {
            failure = e; // a failed kernel poisons the context; still free what can be freed
        }
        List<MemorySegment> toFree = new ArrayList<>(open.values());
        open.clear();
        for (CudaWeight w : weights) {
            toFree.add(w.device());
        }
        weights.clear();
        toFree.add(stepMemory.take());
        toFree.add(workspace.take());
        toFree.add(invFreq.take());
        for (MemorySegment d : toFree) {
            try {
                Cuda.free(d);
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        for (Runnable r : new Runnable[] {cublas::close, () -> Cuda.streamDestroy(stream), hostArena::close}) {
            try {
                r.run();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        currentStep = null;
        if (failure != null) {
            throw failure;
        }
    }

    // ---- helpers ----------------------------------------------------------------------------

    /** Makes this backend's device current for the calling thread (cheap; the engine may step from another thread). */
    private void bind() {
        Cuda.setDevice(device);
    }

    private MemorySegment inverseFrequencies(RopeConfig rope, int headDim) {
        if (rope.equals(cachedRope) && headDim == cachedRopeHeadDim) {
            return invFreq.current();
        }
        int half = headDim / 2;
        if (rope.freqFactors() != null && rope.freqFactors().length < half) {
            throw new IllegalArgumentException("rope: " + rope.freqFactors().length + " frequency factors for headDim " + headDim
                    + " (need " + half + ")");
        }
        if (!(rope.theta() > 0) || Float.isInfinite(rope.theta())) {
            throw new IllegalArgumentException("rope: theta must be positive and finite, got " + rope.theta());
        }
        MemorySegment host = staging((long) half * Double.BYTES);
        for (int i = 0; i < half; i++) {
            host.setAtIndex(ValueLayout.JAVA_DOUBLE, i, rope.inverseFrequency(i, headDim));
        }
        bind();
        MemorySegment d = invFreq.ensure((long) half * Double.BYTES);
        Cuda.copyToDevice(d, host, 0, (long) half * Double.BYTES, stream);
        cachedRope = rope;
        cachedRopeHeadDim = headDim;
        return d;
    }

    /** A device allocation that grows (waiting for the stream before freeing the old one), owned by the backend. */
    private final class Growable {
        private final String what;
        private MemorySegment device = MemorySegment.NULL;
        private long bytes;

        Growable(String what) {
            this.what = what;
        }

        MemorySegment ensure(long need) {
            if (need > bytes) {
                long size = Math.max(4096, Long.highestOneBit(need) << 1);
                if (!device.equals(MemorySegment.NULL)) {
                    Cuda.streamSynchronize(stream); // queued work may still read the old one
                    Cuda.free(device);
                    device = MemorySegment.NULL;
                    bytes = 0;
                }
                device = Cuda.malloc(size);
                bytes = size;
            }
            return device;
        }

        MemorySegment current() {
            return device;
        }

        MemorySegment take() {
            MemorySegment d = device;
            device = MemorySegment.NULL;
            bytes = 0;
            return d;
        }

        @Override
        public String toString() {
            return what + " (" + bytes + " bytes)";
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("CUDA backend is closed");
        }
    }

    private CudaBuffer buffer(DeviceBuffer b, String what) {
        checkOpen();
        if (!(b instanceof CudaBuffer c) || c.owner() != this) {
            throw new IllegalArgumentException(what + ": " + b + " was not allocated by this CUDA backend");
        }
        if (c.isClosed()) {
            throw new IllegalArgumentException(what + ": buffer is closed");
        }
        bind();
        return c;
    }

    private CudaBuffer buffer(DeviceBuffer b, String what, DType type) {
        CudaBuffer c = buffer(b, what);
        if (c.type() != type) {
            throw new IllegalArgumentException(what + ": this operation needs a " + type + " buffer, got " + c.type());
        }
        return c;
    }

    private CudaWeight weight(BackendWeight w, String what, DType on) {
        checkOpen();
        if (!(w instanceof CudaWeight c) || c.owner() != this) {
            throw new IllegalArgumentException(what + ": " + w + " was not prepared by this CUDA backend");
        }
        if (c.deviceType() != on) {
            throw new IllegalArgumentException(what + ": tensor " + c.tensor().name() + " (" + c.rows() + " x " + c.cols()
                    + ") is " + (on == DType.F32 ? "a matrix; this operation needs a vector" : "a vector; this operation needs a matrix"));
        }
        return c;
    }

    private CudaStep step(PreparedStep step, String op) {
        checkOpen();
        if (!(step instanceof CudaStep c) || c.owner() != this) {
            throw new IllegalArgumentException(op + ": step " + step + " was not prepared by this CUDA backend");
        }
        if (c != currentStep || c.generation() != stepGeneration) {
            throw new IllegalStateException(op + ": step is stale (another step was prepared since)");
        }
        return c;
    }

    private CudaKvStorage kvStorage(KvStorage kv) {
        checkOpen();
        if (!(kv instanceof CudaKvStorage c) || c.owner() != this) {
            throw new IllegalArgumentException("kv: " + kv + " was not allocated by this CUDA backend");
        }
        if (c.isClosed()) {
            throw new IllegalArgumentException("kv: KV storage is closed");
        }
        return c;
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
        if (heads < 1 || headDim < 2 || headDim % 2 != 0 || headDim > CudaKernels.MAX_HEAD_DIM) {
            throw new IllegalArgumentException(op + ": need heads >= 1 and an even headDim in 2.." + CudaKernels.MAX_HEAD_DIM
                    + ", got heads " + heads + ", headDim " + headDim);
        }
    }

    private static void checkLayer(String op, KvGeometry g, int layer) {
        if (layer < 0 || layer >= g.layers()) {
            throw new IllegalArgumentException(op + ": layer " + layer + " is outside the cache's " + g.layers() + " layers");
        }
    }

    private static void checkCapacity(String op, String what, CudaBuffer b, long elements) {
        if (elements > b.elements()) {
            throw new IllegalArgumentException(op + ": " + what + " needs " + elements + " elements but holds " + b.elements());
        }
    }

    private static void checkRange(String op, CudaBuffer b, long offset, long elements) {
        if (offset < 0 || elements < 0 || offset > b.elements() - elements) {
            throw new IllegalArgumentException(op + ": range [" + offset + ", " + offset + "+" + elements + ") is outside a buffer of "
                    + b.elements() + " elements");
        }
    }
}
