// Written in the style of jextract from cuda_runtime_api.h (CUDA 12/13); mechanical, no logic.
// Only the functions MOSAIC uses so far: device query, versions, error strings.
package dev.mosaic.bindings.cuda;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** FFM bindings for {@code cuda_runtime_api.h} (libcudart); internal, use {@link Cuda}. */
final class cuda_runtime_api_h {

    private cuda_runtime_api_h() {}

    static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
    static final AddressLayout C_POINTER = ValueLayout.ADDRESS
            .withTargetLayout(MemoryLayout.sequenceLayout(Long.MAX_VALUE, ValueLayout.JAVA_BYTE));

    /** The symbols of the cudart loaded by {@link CudaLibraries}. */
    static SymbolLookup lookup() {
        return CudaLibraries.cudart().lookup();
    }

    static MemorySegment findOrThrow(String symbol) {
        return lookup().find(symbol).orElseThrow(() -> new UnsatisfiedLinkError("unresolved symbol: " + symbol));
    }

    private static final class cudaGetDeviceCount {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER);
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(findOrThrow("cudaGetDeviceCount"), DESC);
    }

    /** {@code cudaError_t cudaGetDeviceCount(int *count)} */
    static int cudaGetDeviceCount(MemorySegment count) {
        try {
            return (int) cudaGetDeviceCount.HANDLE.invokeExact(count);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex) {
            throw new AssertionError("should not reach here", ex);
        }
    }

    private static final class cudaRuntimeGetVersion {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER);
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(findOrThrow("cudaRuntimeGetVersion"), DESC);
    }

    /** {@code cudaError_t cudaRuntimeGetVersion(int *runtimeVersion)} */
    static int cudaRuntimeGetVersion(MemorySegment version) {
        try {
            return (int) cudaRuntimeGetVersion.HANDLE.invokeExact(version);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex) {
            throw new AssertionError("should not reach here", ex);
        }
    }

    private static final class cudaDriverGetVersion {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER);
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(findOrThrow("cudaDriverGetVersion"), DESC);
    }

    /** {@code cudaError_t cudaDriverGetVersion(int *driverVersion)} */
    static int cudaDriverGetVersion(MemorySegment version) {
        try {
            return (int) cudaDriverGetVersion.HANDLE.invokeExact(version);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex) {
            throw new AssertionError("should not reach here", ex);
        }
    }

    private static final class cudaGetErrorString {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER, C_INT);
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(findOrThrow("cudaGetErrorString"), DESC);
    }

    /** {@code const char *cudaGetErrorString(cudaError_t error)} */
    static MemorySegment cudaGetErrorString(int error) {
        try {
            return (MemorySegment) cudaGetErrorString.HANDLE.invokeExact(error);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex) {
            throw new AssertionError("should not reach here", ex);
        }
    }

    private static final class cudaGetErrorName {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER, C_INT);
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(findOrThrow("cudaGetErrorName"), DESC);
    }

    /** {@code const char *cudaGetErrorName(cudaError_t error)} */
    static MemorySegment cudaGetErrorName(int error) {
        try {
            return (MemorySegment) cudaGetErrorName.HANDLE.invokeExact(error);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex) {
            throw new AssertionError("should not reach here", ex);
        }
    }
}
