// Written in the style of jextract from cuda_runtime_api.h (CUDA 12/13); mechanical, no logic.
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
    static final ValueLayout.OfLong C_LONG_LONG = ValueLayout.JAVA_LONG;
    static final ValueLayout.OfLong C_SIZE_T = ValueLayout.JAVA_LONG;
    static final ValueLayout.OfFloat C_FLOAT = ValueLayout.JAVA_FLOAT;
    static final AddressLayout C_POINTER = ValueLayout.ADDRESS
            .withTargetLayout(MemoryLayout.sequenceLayout(Long.MAX_VALUE, ValueLayout.JAVA_BYTE));

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
    static int cudaRuntimeGetVersion(MemorySegment runtimeVersion) {
        try {
            return (int) cudaRuntimeGetVersion.HANDLE.invokeExact(runtimeVersion);
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
    static int cudaDriverGetVersion(MemorySegment driverVersion) {
        try {
            return (int) cudaDriverGetVersion.HANDLE.invokeExact(driverVersion);
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

    private static final class cudaGetLastError {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT);
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(findOrThrow("cudaGetLastError"), DESC);
    }

    /** {@code cudaError_t cudaGetLastError(void)} */
    static int cudaGetLastError() {
        try {
            return (int) cudaGetLastError.HANDLE.invokeExact();
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex) {
            throw new AssertionError("should not reach here", ex);
        }
    }

    private static final class cudaSetDevice {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_INT);
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(findOrThrow("cudaSetDevice"), DESC);
    }

    /** {@code cudaError_t cudaSetDevice(int device)} */
    static int cudaSetDevice(int device) {
        try {
            return (int) cudaSetDevice.HANDLE.invokeExact(device);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex) {
            throw new AssertionError("should not reach here", ex);
        }
    }

    private static final class cudaDeviceGetAttribute {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_INT);
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(findOrThrow("cudaDeviceGetAttribute"), DESC);
    }

    /** {@code cudaError_t cudaDeviceGetAttribute(int *value, enum cudaDeviceAttr attr, int device)} */
    static int cudaDeviceGetAttribute(MemorySegment value, int attr, int device) {
        try {
            return (int) cudaDeviceGetAttribute.HANDLE.invokeExact(value, attr, device);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex) {
            throw new AssertionError("should not reach here", ex);
        }
    }

    private static final class cudaMemGetInfo {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER);
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(findOrThrow("cudaMemGetInfo"), DESC);
    }

    /** {@code cudaError_t cudaMemGetInfo(size_t *free, size_t *total)} */
    static int cudaMemGetInfo(MemorySegment free, MemorySegment total) {
        try {
            return (int) cudaMemGetInfo.HANDLE.invokeExact(free, total);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex) {
            throw new AssertionError("should not reach here", ex);
        }
    }

    private static final class cudaMalloc {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_SIZE_T);
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(findOrThrow("cudaMalloc"), DESC);
    }

    /** {@code cudaError_t cudaMalloc(void **devPtr, size_t size)} */
    static int cudaMalloc(MemorySegment devPtr, long size) {
        try {
            return (int) cudaMalloc.HANDLE.invokeExact(devPtr, size);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex) {
            throw new AssertionError("should not reach here", ex);
        }
    }

    private static final class cudaFree {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER);
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(findOrThrow("cudaFree"), DESC);
    }

    /** {@code cudaError_t cudaFree(void *devPtr)} */
    static int cudaFree(MemorySegment devPtr) {
        try {
            return (int) cudaFree.HANDLE.invokeExact(devPtr);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex) {
            throw new AssertionError("should not reach here", ex);
        }
    }

    private static final class cudaMemcpyAsync {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_SIZE_T, C_INT, C_POINTER);
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(findOrThrow("cudaMemcpyAsync"), DESC);
    }

    /** {@code cudaError_t cudaMemcpyAsync(void *dst, const void *src, size_t count, enum cudaMemcpyKind kind, cudaStream_t stream)} */
    static int cudaMemcpyAsync(MemorySegment dst, MemorySegment src, long count, int kind, MemorySegment stream) {
        try {
            return (int) cudaMemcpyAsync.HANDLE.invokeExact(dst, src, count, kind, stream);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex) {
            throw new AssertionError("should not reach here", ex);
        }
    }

    private static final class cudaMemsetAsync {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_SIZE_T, C_POINTER);
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(findOrThrow("cudaMemsetAsync"), DESC);
    }

    /** {@code cudaError_t cudaMemsetAsync(void *devPtr, int value, size_t count, cudaStream_t stream)} */
    static int cudaMemsetAsync(MemorySegment devPtr, int value, long count, MemorySegment stream) {
        try {
            return (int) cudaMemsetAsync.HANDLE.invokeExact(devPtr, value, count, stream);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex) {
            throw new AssertionError("should not reach here", ex);
        }
    }

    private static final class cudaStreamCreateWithFlags {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_INT);
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(findOrThrow("cudaStreamCreateWithFlags"), DESC);
    }

    /** {@code cudaError_t cudaStreamCreateWithFlags(cudaStream_t *pStream, unsigned int flags)} */
    static int cudaStreamCreateWithFlags(MemorySegment pStream, int flags) {
        try {
            return (int) cudaStreamCreateWithFlags.HANDLE.invokeExact(pStream, flags);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex) {
            throw new AssertionError("should not reach here", ex);
        }
    }

    private static final class cudaStreamDestroy {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER);
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(findOrThrow("cudaStreamDestroy"), DESC);
    }

    /** {@code cudaError_t cudaStreamDestroy(cudaStream_t stream)} */
    static int cudaStreamDestroy(MemorySegment stream) {
        try {
            return (int) cudaStreamDestroy.HANDLE.invokeExact(stream);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex) {
            throw new AssertionError("should not reach here", ex);
        }
    }

    private static final class cudaStreamSynchronize {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER);
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(findOrThrow("cudaStreamSynchronize"), DESC);
    }

    /** {@code cudaError_t cudaStreamSynchronize(cudaStream_t stream)} */
    static int cudaStreamSynchronize(MemorySegment stream) {
        try {
            return (int) cudaStreamSynchronize.HANDLE.invokeExact(stream);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex) {
            throw new AssertionError("should not reach here", ex);
        }
    }
}
