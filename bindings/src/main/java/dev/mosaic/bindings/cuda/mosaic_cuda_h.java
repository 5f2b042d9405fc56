// Written in the style of jextract from kernels/include/mosaic_cuda.h (MOSAIC_CUDA_ABI_VERSION 1); mechanical, no logic.
package dev.mosaic.bindings.cuda;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** FFM bindings for {@code mosaic_cuda.h} (libmosaic_cuda, our launchers); internal, use {@link CudaKernels}. */
final class mosaic_cuda_h {

    private mosaic_cuda_h() {}

    static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
    static final ValueLayout.OfLong C_LONG_LONG = ValueLayout.JAVA_LONG;
    static final ValueLayout.OfLong C_SIZE_T = ValueLayout.JAVA_LONG;
    static final ValueLayout.OfFloat C_FLOAT = ValueLayout.JAVA_FLOAT;
    static final AddressLayout C_POINTER = ValueLayout.ADDRESS
            .withTargetLayout(MemoryLayout.sequenceLayout(Long.MAX_VALUE, ValueLayout.JAVA_BYTE));

    /** {@code MOSAIC_CUDA_ABI_VERSION} of the header these bindings were written from. */
    static final int MOSAIC_CUDA_ABI_VERSION = 1;
    static final int MOSAIC_CUDA_MAX_HEAD_DIM = 256;
    static final int MOSAIC_CUDA_ROPE_INTERLEAVED = 0;
    static final int MOSAIC_CUDA_ROPE_HALVES = 1;

    static SymbolLookup lookup() {
        return CudaLibraries.mosaicCuda().lookup();
    }

    static MemorySegment findOrThrow(String symbol) {
        return lookup().find(symbol).orElseThrow(() -> new UnsatisfiedLinkError("unresolved symbol: " + symbol));
    }

    private static final class mosaic_cuda_abi_version {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT);
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(findOrThrow("mosaic_cuda_abi_version"), DESC);
    }

    /** {@code int32_t mosaic_cuda_abi_version(void)} */
    static int mosaic_cuda_abi_version() {
        try {
            return (int) mosaic_cuda_abi_version.HANDLE.invokeExact();
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex) {
            throw new AssertionError("should not reach here", ex);
        }
    }

    private static final class mosaic_cuda_f32_to_bf16 {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_LONG_LONG, C_POINTER);
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(findOrThrow("mosaic_cuda_f32_to_bf16"), DESC);
    }

    /** {@code cudaError_t mosaic_cuda_f32_to_bf16(void *dst, const float *src, int64_t n, cudaStream_t stream)} */
    static int mosaic_cuda_f32_to_bf16(MemorySegment dst, MemorySegment src, long n, MemorySegment stream) {
        try {
            return (int) mosaic_cuda_f32_to_bf16.HANDLE.invokeExact(dst, src, n, stream);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex) {
            throw new AssertionError("should not reach here", ex);
        }
    }

    private static final class mosaic_cuda_bf16_to_f32 {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_LONG_LONG, C_POINTER);
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(findOrThrow("mosaic_cuda_bf16_to_f32"), DESC);
    }

    /** {@code cudaError_t mosaic_cuda_bf16_to_f32(float *dst, const void *src, int64_t n, cudaStream_t stream)} */
    static int mosaic_cuda_bf16_to_f32(MemorySegment dst, MemorySegment src, long n, MemorySegment stream) {
        try {
            return (int) mosaic_cuda_bf16_to_f32.HANDLE.invokeExact(dst, src, n, stream);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex) {
            throw new AssertionError("should not reach here", ex);
        }
    }

    private static final class mosaic_cuda_f16_to_bf16 {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_LONG_LONG, C_POINTER);
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(findOrThrow("mosaic_cuda_f16_to_bf16"), DESC);
    }

    /** {@code cudaError_t mosaic_cuda_f16_to_bf16(void *dst, const void *src, int64_t n, cudaStream_t stream)} */
    static int mosaic_cuda_f16_to_bf16(MemorySegment dst, MemorySegment src, long n, MemorySegment stream) {
        try {
            return (int) mosaic_cuda_f16_to_bf16.HANDLE.invokeExact(dst, src, n, stream);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex) {
            throw new AssertionError("should not reach here", ex);
        }
    }

    private static final class mosaic_cuda_f16_to_f32 {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_LONG_LONG, C_POINTER);
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(findOrThrow("mosaic_cuda_f16_to_f32"), DESC);
    }

    /** {@code cudaError_t mosaic_cuda_f16_to_f32(float *dst, const void *src, int64_t n, cudaStream_t stream)} */
    static int mosaic_cuda_f16_to_f32(MemorySegment dst, MemorySegment src, long n, MemorySegment stream) {
        try {
            return (int) mosaic_cuda_f16_to_f32.HANDLE.invokeExact(dst, src, n, stream);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex) {
            throw new AssertionError("should not reach here", ex);
        }
    }

    private static final class mosaic_cuda_embedding {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_LONG_LONG, C_POINTER, C_LONG_LONG, C_POINTER);
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(findOrThrow("mosaic_cuda_embedding"), DESC);
    }

    /** {@code cudaError_t mosaic_cuda_embedding(void *out, const void *table, int64_t cols, const int32_t *ids, int64_t n, cudaStream_t stream)} */
    static int mosaic_cuda_embedding(MemorySegment out, MemorySegment table, long cols, MemorySegment ids, long n, MemorySegment stream) {
        try {
            return (int) mosaic_cuda_embedding.HANDLE.invokeExact(out, table, cols, ids, n, stream);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex) {
            throw new AssertionError("should not reach here", ex);
        }
    }

    private static final class mosaic_cuda_rmsnorm {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_POINTER, C_LONG_LONG, C_LONG_LONG, C_FLOAT, C_POINTER);
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(findOrThrow("mosaic_cuda_rmsnorm"), DESC);
    }

    /** {@code cudaError_t mosaic_cuda_rmsnorm(void *out, const void *x, const float *gamma, int64_t rows, int64_t cols, float eps, cudaStream_t stream)} */
    static int mosaic_cuda_rmsnorm(MemorySegment out, MemorySegment x, MemorySegment gamma, long rows, long cols, float eps, MemorySegment stream) {
        try {
            return (int) mosaic_cuda_rmsnorm.HANDLE.invokeExact(out, x, gamma, rows, cols, eps, stream);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex) {
            throw new AssertionError("should not reach here", ex);
        }
    }

    private static final class mosaic_cuda_add {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_LONG_LONG, C_POINTER);
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(findOrThrow("mosaic_cuda_add"), DESC);
    }

    /** {@code cudaError_t mosaic_cuda_add(void *acc, const void *x, int64_t n, cudaStream_t stream)} */
    static int mosaic_cuda_add(MemorySegment acc, MemorySegment x, long n, MemorySegment stream) {
        try {
            return (int) mosaic_cuda_add.HANDLE.invokeExact(acc, x, n, stream);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex) {
            throw new AssertionError("should not reach here", ex);
        }
    }

    private static final class mosaic_cuda_add_bias {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_LONG_LONG, C_LONG_LONG, C_POINTER);
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(findOrThrow("mosaic_cuda_add_bias"), DESC);
    }

    /** {@code cudaError_t mosaic_cuda_add_bias(void *x, const float *bias, int64_t rows, int64_t cols, cudaStream_t stream)} */
    static int mosaic_cuda_add_bias(MemorySegment x, MemorySegment bias, long rows, long cols, MemorySegment stream) {
        try {
            return (int) mosaic_cuda_add_bias.HANDLE.invokeExact(x, bias, rows, cols, stream);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex) {
            throw new AssertionError("should not reach here", ex);
        }
    }

    private static final class mosaic_cuda_swiglu {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_POINTER, C_LONG_LONG, C_POINTER);
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(findOrThrow("mosaic_cuda_swiglu"), DESC);
    }

    /** {@code cudaError_t mosaic_cuda_swiglu(void *out, const void *gate, const void *up, int64_t n, cudaStream_t stream)} */
    static int mosaic_cuda_swiglu(MemorySegment out, MemorySegment gate, MemorySegment up, long n, MemorySegment stream) {
        try {
            return (int) mosaic_cuda_swiglu.HANDLE.invokeExact(out, gate, up, n, stream);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex) {
            throw new AssertionError("should not reach here", ex);
        }
    }

    private static final class mosaic_cuda_softmax_bf16 {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_LONG_LONG, C_LONG_LONG, C_POINTER);
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(findOrThrow("mosaic_cuda_softmax_bf16"), DESC);
    }

    /** {@code cudaError_t mosaic_cuda_softmax_bf16(void *x, int64_t rows, int64_t cols, cudaStream_t stream)} */
    static int mosaic_cuda_softmax_bf16(MemorySegment x, long rows, long cols, MemorySegment stream) {
        try {
            return (int) mosaic_cuda_softmax_bf16.HANDLE.invokeExact(x, rows, cols, stream);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex) {
            throw new AssertionError("should not reach here", ex);
        }
    }

    private static final class mosaic_cuda_softmax_f32 {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_LONG_LONG, C_LONG_LONG, C_POINTER);
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(findOrThrow("mosaic_cuda_softmax_f32"), DESC);
    }

    /** {@code cudaError_t mosaic_cuda_softmax_f32(float *x, int64_t rows, int64_t cols, cudaStream_t stream)} */
    static int mosaic_cuda_softmax_f32(MemorySegment x, long rows, long cols, MemorySegment stream) {
        try {
            return (int) mosaic_cuda_softmax_f32.HANDLE.invokeExact(x, rows, cols, stream);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex) {
            throw new AssertionError("should not reach here", ex);
        }
    }

    private static final class mosaic_cuda_rope {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_LONG_LONG, C_INT, C_INT, C_POINTER, C_POINTER, C_INT, C_POINTER);
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(findOrThrow("mosaic_cuda_rope"), DESC);
    }

    /** {@code cudaError_t mosaic_cuda_rope(void *x, int64_t rows, int32_t heads, int32_t head_dim, const int32_t *positions, const double *inv_freq, int32_t layout, cudaStream_t stream)} */
    static int mosaic_cuda_rope(MemorySegment x, long rows, int heads, int head_dim, MemorySegment positions, MemorySegment inv_freq, int layout, MemorySegment stream) {
        try {
            return (int) mosaic_cuda_rope.HANDLE.invokeExact(x, rows, heads, head_dim, positions, inv_freq, layout, stream);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex) {
            throw new AssertionError("should not reach here", ex);
        }
    }

    private static final class mosaic_cuda_kv_store {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_LONG_LONG, C_POINTER, C_POINTER, C_POINTER, C_LONG_LONG, C_POINTER);
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(findOrThrow("mosaic_cuda_kv_store"), DESC);
    }

    /** {@code cudaError_t mosaic_cuda_kv_store(void *k_cache, void *v_cache, int64_t row_elems, const void *k, const void *v, const int32_t *slots, int64_t rows, cudaStream_t stream)} */
    static int mosaic_cuda_kv_store(MemorySegment k_cache, MemorySegment v_cache, long row_elems, MemorySegment k, MemorySegment v, MemorySegment slots, long rows, MemorySegment stream) {
        try {
            return (int) mosaic_cuda_kv_store.HANDLE.invokeExact(k_cache, v_cache, row_elems, k, v, slots, rows, stream);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex) {
            throw new AssertionError("should not reach here", ex);
        }
    }

    private static final class mosaic_cuda_gather_rows {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_LONG_LONG, C_INT, C_POINTER, C_LONG_LONG, C_POINTER);
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(findOrThrow("mosaic_cuda_gather_rows"), DESC);
    }

    /** {@code cudaError_t mosaic_cuda_gather_rows(void *dst, const void *src, int64_t width, int32_t elem_bytes, const int32_t *rows, int64_t n, cudaStream_t stream)} */
    static int mosaic_cuda_gather_rows(MemorySegment dst, MemorySegment src, long width, int elem_bytes, MemorySegment rows, long n, MemorySegment stream) {
        try {
            return (int) mosaic_cuda_gather_rows.HANDLE.invokeExact(dst, src, width, elem_bytes, rows, n, stream);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex) {
            throw new AssertionError("should not reach here", ex);
        }
    }

    private static final class mosaic_cuda_attention {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_POINTER, C_POINTER, C_LONG_LONG, C_POINTER, C_POINTER, C_POINTER, C_POINTER, C_INT, C_INT, C_INT, C_INT, C_FLOAT, C_INT, C_INT, C_POINTER, C_POINTER);
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(findOrThrow("mosaic_cuda_attention"), DESC);
    }

    /** {@code cudaError_t mosaic_cuda_attention(void *out, const void *q, const void *k_cache, const void *v_cache, int64_t rows, const int32_t *row_seq, const int32_t *positions, const int32_t *block_table_start, const int32_t *block_tables, int32_t block_size, int32_t heads, int32_t kv_heads, int32_t head_dim, float scale, int32_t splits, int32_t split_len, float *workspace, cudaStream_t stream)} */
    static int mosaic_cuda_attention(MemorySegment out, MemorySegment q, MemorySegment k_cache, MemorySegment v_cache, long rows, MemorySegment row_seq, MemorySegment positions, MemorySegment block_table_start, MemorySegment block_tables, int block_size, int heads, int kv_heads, int head_dim, float scale, int splits, int split_len, MemorySegment workspace, MemorySegment stream) {
        try {
            return (int) mosaic_cuda_attention.HANDLE.invokeExact(out, q, k_cache, v_cache, rows, row_seq, positions, block_table_start, block_tables, block_size, heads, kv_heads, head_dim, scale, splits, split_len, workspace, stream);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex) {
            throw new AssertionError("should not reach here", ex);
        }
    }

    private static final class mosaic_cuda_sample {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_LONG_LONG, C_LONG_LONG, C_FLOAT, C_INT, C_FLOAT, C_POINTER, C_POINTER, C_POINTER, C_POINTER);
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(findOrThrow("mosaic_cuda_sample"), DESC);
    }

    /** {@code cudaError_t mosaic_cuda_sample(const float *logits, int64_t rows, int64_t vocab, float temperature, int32_t top_k, float top_p, const float *uniform, int32_t *out_tokens, float *out_logprobs, cudaStream_t stream)} */
    static int mosaic_cuda_sample(MemorySegment logits, long rows, long vocab, float temperature, int top_k, float top_p, MemorySegment uniform, MemorySegment out_tokens, MemorySegment out_logprobs, MemorySegment stream) {
        try {
            return (int) mosaic_cuda_sample.HANDLE.invokeExact(logits, rows, vocab, temperature, top_k, top_p, uniform, out_tokens, out_logprobs, stream);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex) {
            throw new AssertionError("should not reach here", ex);
        }
    }
}
