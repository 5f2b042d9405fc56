package dev.mosaic.bindings.cuda;

import java.lang.foreign.MemorySegment;

/**
 * The safe layer over our launchers in libmosaic_cuda ({@code kernels/include/mosaic_cuda.h}):
 * each method enqueues its kernel(s) on {@code stream} and turns the launch's {@code cudaError_t}
 * into a {@link CudaException}. Pointers are device addresses; the caller (the CUDA backend)
 * has validated every size, offset and index against its buffers, since the kernels trust them.
 * Thread-safe; call {@link #load} once before the first launch.
 */
public final class CudaKernels {

    /** The launchers' ABI version these bindings were written for. */
    public static final int ABI_VERSION = mosaic_cuda_h.MOSAIC_CUDA_ABI_VERSION;
    /** Largest head dimension rope and attention accept. */
    public static final int MAX_HEAD_DIM = mosaic_cuda_h.MOSAIC_CUDA_MAX_HEAD_DIM;
    public static final int ROPE_INTERLEAVED = mosaic_cuda_h.MOSAIC_CUDA_ROPE_INTERLEAVED;
    public static final int ROPE_HALVES = mosaic_cuda_h.MOSAIC_CUDA_ROPE_HALVES;

    private CudaKernels() {}

    /**
     * Loads libmosaic_cuda (cudart first) and checks its ABI version.
     *
     * @return where it was loaded from
     * @throws dev.mosaic.bindings.NativeLibraryException when it cannot be found
     * @throws IllegalStateException when its ABI version differs from these bindings'
     */
    public static java.nio.file.Path load() {
        java.nio.file.Path p = CudaLibraries.mosaicCuda().path();
        int abi = mosaic_cuda_h.mosaic_cuda_abi_version();
        if (abi != ABI_VERSION) {
            throw new IllegalStateException(p + ": libmosaic_cuda ABI version " + abi + " does not match the bindings' " + ABI_VERSION);
        }
        return p;
    }

    /** The loaded library's ABI version. */
    public static int abiVersion() {
        CudaLibraries.mosaicCuda();
        return mosaic_cuda_h.mosaic_cuda_abi_version();
    }

    public static void embedding(MemorySegment out, MemorySegment table, long cols, MemorySegment ids, long n, MemorySegment stream) {
        Cuda.check("mosaic_cuda_embedding", mosaic_cuda_h.mosaic_cuda_embedding(out, table, cols, ids, n, stream));
    }

    public static void rmsnorm(MemorySegment out, MemorySegment x, MemorySegment gamma, long rows, long cols, float eps,
                               MemorySegment stream) {
        Cuda.check("mosaic_cuda_rmsnorm", mosaic_cuda_h.mosaic_cuda_rmsnorm(out, x, gamma, rows, cols, eps, stream));
    }

    public static void add(MemorySegment acc, MemorySegment x, long n, MemorySegment stream) {
        Cuda.check("mosaic_cuda_add", mosaic_cuda_h.mosaic_cuda_add(acc, x, n, stream));
    }

    public static void addBias(MemorySegment x, MemorySegment bias, long rows, long cols, MemorySegment stream) {
        Cuda.check("mosaic_cuda_add_bias", mosaic_cuda_h.mosaic_cuda_add_bias(x, bias, rows, cols, stream));
    }

    public static void swiglu(MemorySegment out, MemorySegment gate, MemorySegment up, long n, MemorySegment stream) {
        Cuda.check("mosaic_cuda_swiglu", mosaic_cuda_h.mosaic_cuda_swiglu(out, gate, up, n, stream));
    }

    public static void softmaxBf16(MemorySegment x, long rows, long cols, MemorySegment stream) {
        Cuda.check("mosaic_cuda_softmax_bf16", mosaic_cuda_h.mosaic_cuda_softmax_bf16(x, rows, cols, stream));
    }

    public static void softmaxF32(MemorySegment x, long rows, long cols, MemorySegment stream) {
        Cuda.check("mosaic_cuda_softmax_f32", mosaic_cuda_h.mosaic_cuda_softmax_f32(x, rows, cols, stream));
    }

    public static void rope(MemorySegment x, long rows, int heads, int headDim, MemorySegment positions, MemorySegment invFreq,
                            int layout, MemorySegment stream) {
        Cuda.check("mosaic_cuda_rope", mosaic_cuda_h.mosaic_cuda_rope(x, rows, heads, headDim, positions, invFreq, layout, stream));
    }

    public static void kvStore(MemorySegment kCache, MemorySegment vCache, long rowElements, MemorySegment k, MemorySegment v,
                               MemorySegment slots, long rows, MemorySegment stream) {
        Cuda.check("mosaic_cuda_kv_store", mosaic_cuda_h.mosaic_cuda_kv_store(kCache, vCache, rowElements, k, v, slots, rows, stream));
    }

    public static void gatherRows(MemorySegment dst, MemorySegment src, long width, int elementBytes, MemorySegment rows, long n,
                                  MemorySegment stream) {
        Cuda.check("mosaic_cuda_gather_rows", mosaic_cuda_h.mosaic_cuda_gather_rows(dst, src, width, elementBytes, rows, n, stream));
    }

    public static void f32ToBf16(MemorySegment dst, MemorySegment src, long n, MemorySegment stream) {
        Cuda.check("mosaic_cuda_f32_to_bf16", mosaic_cuda_h.mosaic_cuda_f32_to_bf16(dst, src, n, stream));
    }

    public static void bf16ToF32(MemorySegment dst, MemorySegment src, long n, MemorySegment stream) {
        Cuda.check("mosaic_cuda_bf16_to_f32", mosaic_cuda_h.mosaic_cuda_bf16_to_f32(dst, src, n, stream));
    }

    /** Paged attention; see mosaic_cuda.h for the meaning of every argument. */
    public static void attention(MemorySegment out, MemorySegment q, MemorySegment kCache, MemorySegment vCache, long rows,
                                 MemorySegment rowSeq, MemorySegment positions, MemorySegment blockTableStart,
                                 MemorySegment blockTables, int blockSize, int heads, int kvHeads, int headDim, float scale,
                                 int splits, int splitLen, MemorySegment workspace, MemorySegment stream) {
        Cuda.check("mosaic_cuda_attention", mosaic_cuda_h.mosaic_cuda_attention(out, q, kCache, vCache, rows, rowSeq, positions,
                blockTableStart, blockTables, blockSize, heads, kvHeads, headDim, scale, splits, splitLen, workspace, stream));
    }

    /** Token choice on the device; see mosaic_cuda.h. */
    public static void sample(MemorySegment logits, long rows, long vocab, float temperature, int topK, float topP,
                              MemorySegment uniform, MemorySegment outTokens, MemorySegment outLogprobs, MemorySegment stream) {
        Cuda.check("mosaic_cuda_sample", mosaic_cuda_h.mosaic_cuda_sample(logits, rows, vocab, temperature, topK, topP, uniform,
                outTokens, outLogprobs, stream));
    }
}
