package dev.mosaic.inference.backend;

import dev.mosaic.inference.model.RopeConfig;
import dev.mosaic.inference.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * The compute boundary of the engine: everything the forward pass does to numbers goes through
 * here, so a CPU implementation (native C kernels via FFM) and a CUDA one (kernels + cuBLAS) are
 * interchangeable. Activations are row-major float32 {@code [rows][width]} in
 * {@link DeviceBuffer}s. Implementations validate every size against buffer capacities before
 * any native call and throw {@link IllegalArgumentException} on a mismatch.
 *
 * <p>A backend is used by one thread at a time (the engine's step loop); it may use many threads
 * internally. Closing it releases prepared weights, buffers it still tracks and its threads.
 */
public interface Backend extends AutoCloseable {

    /** Short name, e.g. {@code cpu}. */
    String name();

    /** Allocates a float32 buffer of {@code floats} elements, zero-filled. */
    DeviceBuffer allocate(long floats);

    /** Makes a weight tensor usable by this backend (CPU: zero-copy; GPU: upload once). */
    BackendWeight prepare(Tensor tensor);

    /** Allocates KV storage of the given geometry. */
    KvStorage allocateKv(KvGeometry geometry);

    /** Copies {@code floats} floats from host memory {@code src} into {@code dst} at float offset {@code dstOffset}. */
    void write(MemorySegment src, DeviceBuffer dst, long dstOffset, long floats);

    /** Copies {@code floats} floats from {@code src} at float offset {@code srcOffset} into host memory {@code dst}. */
    void read(DeviceBuffer src, long srcOffset, MemorySegment dst, long floats);

    /** {@code out[i] = row tokenIds[i] of table}, dequantised to float32. */
    void embedding(DeviceBuffer out, BackendWeight table, int[] tokenIds);

    /** {@code out[r] = x[r] / rms(x[r]) * gamma} for {@code rows} rows of width {@code gamma.cols()}. */
    void rmsNorm(DeviceBuffer out, DeviceBuffer x, BackendWeight gamma, int rows, float eps);

    /** {@code out[r] = W x[r]} for {@code rows} rows: {@code x} is {@code [rows][w.cols()]}, {@code out} is {@code [rows][w.rows()]}. */
    void matmul(DeviceBuffer out, BackendWeight w, DeviceBuffer x, int rows);

    /** {@code x[r] += bias} for {@code rows} rows of width {@code bias.cols()}. */
    void addBias(DeviceBuffer x, BackendWeight bias, int rows);

    /**
     * Rotates {@code x} in place: {@code rows} rows of {@code heads * headDim}, row {@code r} at
     * position {@code positions[r]}, pairs chosen by {@code rope.layout()}.
     */
    void rope(DeviceBuffer x, int rows, int heads, int headDim, int[] positions, RopeConfig rope);

    /** Stores K and V rows ({@code [rows][kvHeads*headDim]}) of {@code layer} at {@code slots[r]}. */
    void kvStore(KvStorage kv, int layer, DeviceBuffer k, DeviceBuffer v, int[] slots);

    /**
     * Causal multi-head attention with GQA over the paged cache: for each query row, softmax of
     * {@code scale * q.k} over the sequence's positions up to the row's own, times V. {@code q}
     * and {@code out} are {@code [rows][heads*headDim]}; query head {@code h} reads KV head
     * {@code h / (heads / kvHeads)}.
     */
    void attention(DeviceBuffer out, DeviceBuffer q, KvStorage kv, int layer, AttentionBatch batch, int heads, float scale);

    /** {@code out[i] = silu(gate[i]) * up[i]} for {@code n} elements. */
    void swiglu(DeviceBuffer out, DeviceBuffer gate, DeviceBuffer up, long n);

    /** {@code acc[i] += x[i]} for {@code n} elements (residual connection). */
    void add(DeviceBuffer acc, DeviceBuffer x, long n);

    /** Softmax of each of {@code rows} rows of width {@code cols}, in place. */
    void softmax(DeviceBuffer x, int rows, int cols);

    @Override
    void close();
}
