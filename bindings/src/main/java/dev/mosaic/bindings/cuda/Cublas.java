package dev.mosaic.bindings.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.util.Map;

/**
 * The safe layer over the cuBLAS bindings: a handle bound to one stream ({@link #create}),
 * {@code cublasGemmEx} and {@code cublasGemmStridedBatchedEx} with every dimension checked before
 * the call, and status codes turned into {@link CublasException}s with cuBLAS's own message
 * ({@code cublasGetStatusName}/{@code cublasGetStatusString}; the header's names where the library
 * predates them). Not thread-safe: a handle is used by one thread at a time (as cuBLAS requires
 * for a handle bound to a stream); {@link #close} destroys it.
 */
public final class Cublas implements AutoCloseable {

    /** {@code cudaDataType} values. */
    public static final int CUDA_R_32F = 0;
    public static final int CUDA_R_16F = 2;
    public static final int CUDA_R_16BF = 14;
    /** {@code CUBLAS_COMPUTE_32F}: float32 accumulation. */
    public static final int COMPUTE_32F = 68;
    /** {@code CUBLAS_GEMM_DEFAULT}. */
    public static final int GEMM_DEFAULT = -1;
    /** {@code cublasOperation_t}. */
    public static final int OP_N = 0;
    public static final int OP_T = 1;
    /** {@code cublasMath_t}. */
    public static final int DEFAULT_MATH = 0;
    public static final int PEDANTIC_MATH = 2;

    /** The {@code cublasStatus_t} names of cublas_api.h, for libraries without {@code cublasGetStatusName}. */
    static final Map<Integer, String> STATUS_NAMES = Map.of(0, "CUBLAS_STATUS_SUCCESS", 1, "CUBLAS_STATUS_NOT_INITIALIZED",
            3, "CUBLAS_STATUS_ALLOC_FAILED", 7, "CUBLAS_STATUS_INVALID_VALUE", 8, "CUBLAS_STATUS_ARCH_MISMATCH",
            11, "CUBLAS_STATUS_MAPPING_ERROR", 13, "CUBLAS_STATUS_EXECUTION_FAILED", 14, "CUBLAS_STATUS_INTERNAL_ERROR",
            15, "CUBLAS_STATUS_NOT_SUPPORTED", 16, "CUBLAS_STATUS_LICENSE_ERROR");

    private MemorySegment handle;
    private final Arena scalars = Arena.ofShared();
    private final MemorySegment one;
    private final MemorySegment zero;

    private Cublas(MemorySegment handle) {
        this.handle = handle;
        this.one = scalars.allocate(ValueLayout.JAVA_FLOAT);
        this.zero = scalars.allocate(ValueLayout.JAVA_FLOAT);
        one.set(ValueLayout.JAVA_FLOAT, 0, 1f);
        zero.set(ValueLayout.JAVA_FLOAT, 0, 0f);
    }

    /** A handle on the current device whose work goes to {@code stream}, in {@code mathMode}. */
    public static Cublas create(MemorySegment stream, int mathMode) {
        CudaLibraries.cublas();
        MemorySegment h;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            check("cublasCreate_v2", cublas_api_h.cublasCreate_v2(out));
            h = MemorySegment.ofAddress(out.get(ValueLayout.ADDRESS, 0).address());
        }
        Cublas c = new Cublas(h);
        try {
            check("cublasSetStream_v2", cublas_api_h.cublasSetStream_v2(h, stream));
            check("cublasSetMathMode(" + mathMode + ")", cublas_api_h.cublasSetMathMode(h, mathMode));
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** cuBLAS's version as major * 10000 + minor * 100 + patch (no handle needed). */
    public static int version() {
        CudaLibraries.cublas();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(ValueLayout.JAVA_INT);
            int[] parts = new int[3];
            for (int i = 0; i < 3; i++) {
                check("cublasGetProperty", cublas_api_h.cublasGetProperty(i, v));
                parts[i] = v.get(ValueLayout.JAVA_INT, 0);
            }
            return parts[0] * 10000 + parts[1] * 100 + parts[2];
        }
    }

    /** Throws a {@link CublasException} for a non-zero {@code cublasStatus_t}. */
    public static void check(String call, int status) {
        if (status != 0) {
            String[] text = statusText(status);
            throw new CublasException(call, status, text[0], text[1]);
        }
    }

    /** {name, description} of a status: the library's own where it has them, else the header's name. */
    static String[] statusText(int status) {
        SymbolLookup lib;
        try {
            lib = CudaLibraries.cublas().lookup();
        } catch (RuntimeException e) {
            lib = null;
        }
        if (lib != null && lib.find("cublasGetStatusString").isPresent() && lib.find("cublasGetStatusName").isPresent()) {
            return new String[] {Cuda.string(cublas_api_h.cublasGetStatusName(status)),
                    Cuda.string(cublas_api_h.cublasGetStatusString(status))};
        }
        return fallbackText(status);
    }

    /** The header's name for a status and a generic description, for a cuBLAS without the string functions. */
    static String[] fallbackText(int status) {
        String name = STATUS_NAMES.getOrDefault(status, "unknown cublasStatus_t");
        return new String[] {name, name.startsWith("CUBLAS_STATUS_") ? name.substring(14).toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                : "unknown status"};
    }

    /**
     * The column-major GEMM arguments of a row-major linear layer {@code out[rows][outDim] = x[rows][inDim] * W^T},
     * W row-major {@code [outDim][inDim]}: {@code C(outDim x rows) = op_T(A = W, lda inDim) * B(x, ldb inDim)}.
     */
    public record LinearShape(int m, int n, int k, int transa, int transb, int lda, int ldb, int ldc) {

        /** The arguments for {@code rows} rows through an {@code outDim x inDim} weight. */
        public static LinearShape of(long rows, long outDim, long inDim) {
            if (rows < 1 || outDim < 1 || inDim < 1) {
                throw new IllegalArgumentException("linear layer needs positive sizes, got rows " + rows + ", out " + outDim
                        + ", in " + inDim);
            }
            if (rows > Integer.MAX_VALUE || outDim > Integer.MAX_VALUE || inDim > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("linear layer " + rows + " x " + outDim + " x " + inDim
                        + " exceeds cuBLAS's int dimensions");
            }
            return new LinearShape((int) outDim, (int) rows, (int) inDim, OP_T, OP_N, (int) inDim, (int) inDim, (int) outDim);
        }
    }

    /** {@code C = A op B} for a {@link LinearShape}: alpha 1, beta 0, float32 compute, default algorithm. */
    public void linear(LinearShape s, MemorySegment w, int wType, MemorySegment x, int xType, MemorySegment out, int outType) {
        checkType(wType);
        checkType(xType);
        checkType(outType);
        check("cublasGemmEx(m=" + s.m() + ", n=" + s.n() + ", k=" + s.k() + ")",
                cublas_api_h.cublasGemmEx(handle(), s.transa(), s.transb(), s.m(), s.n(), s.k(), one, w, wType, s.lda(), x, xType,
                        s.ldb(), zero, out, outType, s.ldc(), COMPUTE_32F, GEMM_DEFAULT));
    }

    /**
     * {@code batch} independent {@link #linear} products whose operands lie {@code strideW},
     * {@code strideX}, {@code strideOut} elements apart (the experts of a MoE layer, attention heads).
     */
    public void linearBatched(LinearShape s, MemorySegment w, int wType, long strideW, MemorySegment x, int xType, long strideX,
                              MemorySegment out, int outType, long strideOut, int batch) {
        checkType(wType);
        checkType(xType);
        checkType(outType);
        if (batch < 1 || strideW < 0 || strideX < 0 || strideOut < 0) {
            throw new IllegalArgumentException("batched gemm: need batch >= 1 and non-negative strides, got batch " + batch);
        }
        check("cublasGemmStridedBatchedEx(m=" + s.m() + ", n=" + s.n() + ", k=" + s.k() + ", batch=" + batch + ")",
                cublas_api_h.cublasGemmStridedBatchedEx(handle(), s.transa(), s.transb(), s.m(), s.n(), s.k(), one, w, wType,
                        s.lda(), strideW, x, xType, s.ldb(), strideX, zero, out, outType, s.ldc(), strideOut, batch,
                        COMPUTE_32F, GEMM_DEFAULT));
    }

    private static void checkType(int t) {
        if (t != CUDA_R_32F && t != CUDA_R_16F && t != CUDA_R_16BF) {
            throw new IllegalArgumentException("cudaDataType " + t + " is not one MOSAIC uses (0 f32, 2 f16, 14 bf16)");
        }
    }

    private MemorySegment handle() {
        if (handle == null) {
            throw new IllegalStateException("cuBLAS handle is closed");
        }
        return handle;
    }

    /** Destroys the handle. Idempotent. */
    @Override
    public void close() {
        if (handle != null) {
            MemorySegment h = handle;
            handle = null;
            scalars.close();
            check("cublasDestroy_v2", cublas_api_h.cublasDestroy_v2(h));
        }
    }
}
