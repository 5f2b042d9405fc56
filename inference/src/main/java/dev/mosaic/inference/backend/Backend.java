package dev.mosaic.inference.backend;

import dev.mosaic.inference.model.RopeConfig;
import dev.mosaic.inference.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * The compute boundary of the engine: everything the forward pass does to numbers goes through
 * here, so a CPU implementation (native C kernels via FFM) and a CUDA one (kernels + cuBLAS) are
 * interchangeable. Activations are row-major {@code [rows][width]} in {@link DeviceBuffer}s of the
 * backend's {@link #activationType()}; the KV cache is stored in its {@link #kvType()}; the host
 * side ({@link #write}, {@link #read}) is always float32.
 *
 * <p>A step's integer metadata (token ids, positions, KV slots, block tables, rows to gather) is
 * uploaded once with {@link #prepareStep} and the ops of every layer refer to it, so a GPU backend
 * copies it to the device once per step. Ops may run asynchronously; {@link #read} waits for
 * them, so a step that ends in one read syncs with the host once.
 *
 * <p>Implementations validate every size against buffer capacities before any native call and
 * throw {@link IllegalArgumentException} on a mismatch. A backend is used by one thread at a time
 * (the engine's step loop); it may use many threads internally. Closing it releases prepared
 * weights, buffers it still tracks and its threads. Backends are found by name through
 * {@link Backends}.
 */
public interface Backend extends AutoCloseable {

    /** Short name, e.g. {@code cpu}. */
    String name();

    /** Element type of buffers made by {@link #allocate(long)}. */
    DType activationType();

    /** Element type of the KV cache this backend stores. */
    DType kvType();

    /** Allocates a buffer of {@code elements} elements of {@link #activationType()}, zero-filled. */
    default DeviceBuffer allocate(long elements) {
        return allocate(elements, activationType());
    }

    /**
     * Allocates a buffer of {@code elements} elements of {@code type}, zero-filled. Every backend
     * accepts its activation type and {@link DType#F32} (used for logits).
     */
    DeviceBuffer allocate(long elements, DType type);

    /** Makes a weight tensor usable by this backend (CPU: zero-copy; GPU: upload once). */
    BackendWeight prepare(Tensor tensor);

    /**
     * Readies {@code weight} (made by {@link #prepare}) for {@link #matmul} now rather than at its
     * first product (CPU with int8 activations: the interleaved copy the kernels read), so that a
     * model's first request costs what later ones do and loading shows the whole load cost.
     * Default: nothing to do.
     */
    default void prepareMatmul(BackendWeight weight) {}

    /** The geometry of a KV cache of this shape in this backend's {@link #kvType()}. */
    default KvGeometry kvGeometry(int layers, int blocks, int blockSize, int kvHeads, int headDim) {
        return new KvGeometry(layers, blocks, blockSize, kvHeads, headDim, kvType());
    }

    /** Allocates KV storage of the given geometry, whose dtype must be {@link #kvType()}. */
    KvStorage allocateKv(KvGeometry geometry);

    /** Copies {@code elements} float32 values from host memory {@code src} into {@code dst} at element offset {@code dstOffset}, converting to its type. */
    void write(MemorySegment src, DeviceBuffer dst, long dstOffset, long elements);

    /**
     * Copies {@code elements} values from {@code src} at element offset {@code srcOffset} into host
     * memory {@code dst} as float32, after every op issued before it has finished.
     */
    void read(DeviceBuffer src, long srcOffset, MemorySegment dst, long elements);

    /** Uploads a step's metadata; ops refer to it until the next call (see {@link PreparedStep}). */
    PreparedStep prepareStep(StepMetadata metadata);

    /** {@code out[i] = row tokens[i] of table}, dequantised. */
    void embedding(DeviceBuffer out, BackendWeight table, PreparedStep step);

    /** {@code out[r] = x[r] / rms(x[r]) * gamma} for {@code rows} rows of width {@code gamma.cols()}. */
    void rmsNorm(DeviceBuffer out, DeviceBuffer x, BackendWeight gamma, int rows, float eps);

    /** {@code out[r] = W x[r]} for {@code rows} rows: {@code x} is {@code [rows][w.cols()]}, {@code out} is {@code [rows][w.rows()]}. */
    void matmul(DeviceBuffer out, BackendWeight w, DeviceBuffer x, int rows);

    /** {@code x[r] += bias} for {@code rows} rows of width {@code bias.cols()}. */
    void addBias(DeviceBuffer x, BackendWeight bias, int rows);

    /**
     * Rotates {@code x} in place: the step's rows of {@code heads * headDim}, row {@code r} at
     * position {@code positions[r]}, pairs chosen by {@code rope.layout()}.
     */
    void rope(DeviceBuffer x, int heads, int headDim, PreparedStep step, RopeConfig rope);

    /** Stores K and V rows ({@code [rows][kvHeads*headDim]}) of {@code layer} at the step's slots. */
    void kvStore(KvStorage kv, int layer, DeviceBuffer k, DeviceBuffer v, PreparedStep step);

    /**
     * Causal multi-head attention with GQA over the paged cache, for the step's attention batch:
     * for each query row, softmax of {@code scale * q.k} over the sequence's positions up to the
     * row's own, times V. {@code q} and {@code out} are {@code [rows][heads*headDim]}; query head
     * {@code h} reads KV head {@code h / (heads / kvHeads)}.
     */
    void attention(DeviceBuffer out, DeviceBuffer q, KvStorage kv, int layer, PreparedStep step, int heads, float scale);

    /**
     * {@code dst[i] = src[gatherRows[i]]} for rows of {@code width} elements (on the device, no host
     * round trip); {@code dst} and {@code src} are different buffers of the same type.
     */
    void gatherRows(DeviceBuffer dst, DeviceBuffer src, int width, PreparedStep step);

    /** {@code out[i] = silu(gate[i]) * up[i]} for {@code n} elements. */
    void swiglu(DeviceBuffer out, DeviceBuffer gate, DeviceBuffer up, long n);

    /** {@code acc[i] += x[i]} for {@code n} elements (residual connection). */
    void add(DeviceBuffer acc, DeviceBuffer x, long n);

    /** Softmax of each of {@code rows} rows of width {@code cols}, in place. */
    void softmax(DeviceBuffer x, int rows, int cols);

    // ---- single-op conveniences (tests, benchmarks): each prepares a step of its own ----------

    /** {@link #embedding(DeviceBuffer, BackendWeight, PreparedStep)} for these ids; replaces the prepared step. */
    default void embedding(DeviceBuffer out, BackendWeight table, int[] tokenIds) {
        embedding(out, table, prepareStep(StepMetadata.ofTokens(tokenIds)));
    }

    /** {@link #rope(DeviceBuffer, int, int, PreparedStep, RopeConfig)} for the first {@code rows} positions; replaces the prepared step. */
    default void rope(DeviceBuffer x, int rows, int heads, int headDim, int[] positions, RopeConfig rope) {
        if (rows < 0 || positions.length < rows) {
            throw new IllegalArgumentException("rope: " + positions.length + " positions for " + rows + " rows");
        }
        rope(x, heads, headDim, prepareStep(StepMetadata.ofPositions(java.util.Arrays.copyOf(positions, rows))), rope);
    }

    /** {@link #kvStore(KvStorage, int, DeviceBuffer, DeviceBuffer, PreparedStep)} for these slots; replaces the prepared step. */
    default void kvStore(KvStorage kv, int layer, DeviceBuffer k, DeviceBuffer v, int[] slots) {
        kvStore(kv, layer, k, v, prepareStep(StepMetadata.ofSlots(slots)));
    }

    /** {@link #attention(DeviceBuffer, DeviceBuffer, KvStorage, int, PreparedStep, int, float)} for this batch; replaces the prepared step. */
    default void attention(DeviceBuffer out, DeviceBuffer q, KvStorage kv, int layer, AttentionBatch batch, int heads,
                           float scale) {
        attention(out, q, kv, layer, prepareStep(StepMetadata.ofAttention(batch)), heads, scale);
    }

    @Override
    void close();
}
