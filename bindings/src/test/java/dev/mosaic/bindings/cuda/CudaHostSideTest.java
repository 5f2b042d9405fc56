package dev.mosaic.bindings.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mosaic.bindings.NativeLibraryException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/**
 * The CUDA safe layers without a GPU: argument checks that must fail before any native call,
 * cuBLAS's GEMM argument mapping and status names, and, where libcudart and libmosaic_cuda load
 * (no driver needed), cudart's own error messages, the kernels' ABI check and a launch failing
 * cleanly without a device.
 */
class CudaHostSideTest {

    private static String cudartMissing() {
        try {
            CudaLibraries.cudart();
            return null;
        } catch (NativeLibraryException e) {
            return e.getMessage();
        }
    }

    private static boolean deviceUsable() {
        try {
            return Cuda.deviceCount() > 0;
        } catch (CudaException e) {
            return false;
        }
    }

    @Test
    void badArgumentsFailBeforeAnyNativeCall() {
        // none of these may reach cudart: they hold with or without the library
        assertThrows(IllegalArgumentException.class, () -> Cuda.malloc(0));
        assertThrows(IllegalArgumentException.class, () -> Cuda.malloc(-8));
        assertThrows(IllegalArgumentException.class, () -> Cuda.setDevice(-1));
        assertThrows(IllegalArgumentException.class, () -> Cuda.offset(MemorySegment.NULL, -1));
        MemorySegment heap = MemorySegment.ofArray(new byte[16]);
        assertThrows(IllegalArgumentException.class, () -> Cuda.copyToDevice(MemorySegment.NULL, heap, 0, 16, MemorySegment.NULL));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(16);
            assertThrows(IllegalArgumentException.class, () -> Cuda.copyToDevice(MemorySegment.NULL, host, 8, 9, MemorySegment.NULL));
            assertThrows(IllegalArgumentException.class, () -> Cuda.copyToHost(host, -1, MemorySegment.NULL, 4, MemorySegment.NULL));
            assertThrows(IllegalArgumentException.class, () -> Cuda.copyToHost(host, 0, MemorySegment.NULL, 17, MemorySegment.NULL));
            // zero-byte copies are no-ops, also without a device
            Cuda.copyToDevice(MemorySegment.NULL, host, 16, 0, MemorySegment.NULL);
        }
        assertThrows(IllegalArgumentException.class, () -> Cuda.memset(MemorySegment.NULL, 0, -1, MemorySegment.NULL));
        assertThrows(IllegalArgumentException.class, () -> Cuda.copyOnDevice(MemorySegment.NULL, MemorySegment.NULL, -1, MemorySegment.NULL));
    }

    @Test
    void linearLayerMapsToColumnMajorGemm() {
        // out[rows][out] = x[rows][in] W^T with W [out][in] row-major: C(out x rows) = W^T(col-major in x out) B(in x rows)
        Cublas.LinearShape s = Cublas.LinearShape.of(7, 80, 64);
        assertEquals(new Cublas.LinearShape(80, 7, 64, Cublas.OP_T, Cublas.OP_N, 64, 64, 80), s);
        assertThrows(IllegalArgumentException.class, () -> Cublas.LinearShape.of(0, 80, 64));
        assertThrows(IllegalArgumentException.class, () -> Cublas.LinearShape.of(1, 80, 1L << 31));
    }

    @Test
    void cublasStatusNamesComeFromTheHeaderWhereTheLibraryHasNone() {
        assertArrayEquals(new String[] {"CUBLAS_STATUS_NOT_INITIALIZED", "not initialized"}, Cublas.fallbackText(1));
        assertArrayEquals(new String[] {"CUBLAS_STATUS_INVALID_VALUE", "invalid value"}, Cublas.fallbackText(7));
        assertArrayEquals(new String[] {"CUBLAS_STATUS_EXECUTION_FAILED", "execution failed"}, Cublas.fallbackText(13));
        assertArrayEquals(new String[] {"unknown cublasStatus_t", "unknown status"}, Cublas.fallbackText(12345));
        CublasException e = new CublasException("cublasGemmEx", 7, "CUBLAS_STATUS_INVALID_VALUE", "an invalid numeric value was used");
        assertEquals("cublasGemmEx failed: an invalid numeric value was used (CUBLAS_STATUS_INVALID_VALUE, 7)", e.getMessage());
        assertEquals(7, e.status());
        Cublas.check("cublasCreate_v2", 0); // success does not throw, nor touch the library
        // a failing status always becomes an exception naming the call, with or without libcublas here
        CublasException f = assertThrows(CublasException.class, () -> Cublas.check("cublasSetStream_v2", 3));
        assertTrue(f.getMessage().startsWith("cublasSetStream_v2 failed: "), f.getMessage());
        assertTrue(f.getMessage().contains("CUBLAS_STATUS_ALLOC_FAILED"), f.getMessage());
    }

    @Test
    void cudartErrorsCarryItsOwnMessage() {
        String missing = cudartMissing();
        assumeTrue(missing == null, "libcudart is not installed here: " + missing);
        CudaException e = assertThrows(CudaException.class, () -> Cuda.check("cudaMalloc(8 bytes)", 2));
        assertEquals("cudaMalloc(8 bytes) failed: out of memory (cudaErrorMemoryAllocation, 2)", e.getMessage());
        assertEquals(2, e.error());
        assertEquals("cudaErrorInvalidValue", Cuda.errorName(1));
        assertTrue(Cuda.runtimeVersion() >= 12000, "runtime " + Cuda.runtimeVersion());
    }

    @Test
    void kernelsLibraryLoadsAndItsAbiMatches() {
        String missing = cudartMissing();
        assumeTrue(missing == null, "libcudart is not installed here: " + missing);
        java.nio.file.Path p;
        try {
            p = CudaKernels.load();
        } catch (NativeLibraryException e) {
            assumeTrue(false, "libmosaic_cuda.so was not built (no nvcc when this module was built): " + e.getMessage());
            return;
        }
        assertTrue(p.getFileName().toString().equals("libmosaic_cuda.so"), p.toString());
        assertEquals(CudaKernels.ABI_VERSION, CudaKernels.abiVersion());
    }

    @Test
    void withoutADeviceALaunchFailsWithCudartsMessage() {
        String missing = cudartMissing();
        assumeTrue(missing == null, "libcudart is not installed here: " + missing);
        assumeTrue(!deviceUsable(), "a CUDA device is usable here; this test covers machines without one");
        try {
            CudaKernels.load();
        } catch (NativeLibraryException e) {
            assumeTrue(false, "libmosaic_cuda.so was not built: " + e.getMessage());
        }
        // no device: the launch is refused by the runtime (nothing runs, so the null pointers are never read)
        CudaException e = assertThrows(CudaException.class,
                () -> CudaKernels.add(MemorySegment.NULL, MemorySegment.NULL, 16, MemorySegment.NULL));
        assertTrue(e.getMessage().startsWith("mosaic_cuda_add failed: "), e.getMessage());
        assertTrue(e.getMessage().contains("cudaError"), e.getMessage());
        assertThrows(CudaException.class, () -> Cuda.malloc(1024));
    }
}
