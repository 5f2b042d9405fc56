package dev.mosaic.bindings.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The safe layer over the CUDA runtime bindings: status codes become {@link CudaException}s
 * carrying cudart's own message, and sizes are checked before any native call. Device pointers
 * are zero-length {@link MemorySegment}s holding the device address (never dereferenced on the
 * host). Thread-safe (cudart is); the ownership of what {@link #malloc} and {@link #streamCreate}
 * return lies with the caller.
 */
public final class Cuda {

    /** {@code cudaMemcpyHostToDevice}. */
    public static final int HOST_TO_DEVICE = 1;
    /** {@code cudaMemcpyDeviceToHost}. */
    public static final int DEVICE_TO_HOST = 2;
    /** {@code cudaMemcpyDeviceToDevice}. */
    public static final int DEVICE_TO_DEVICE = 3;
    /** {@code cudaDevAttrMultiProcessorCount}. */
    public static final int ATTR_MULTIPROCESSOR_COUNT = 16;
    /** {@code cudaDevAttrComputeCapabilityMajor}. */
    public static final int ATTR_COMPUTE_CAPABILITY_MAJOR = 75;
    /** {@code cudaDevAttrComputeCapabilityMinor}. */
    public static final int ATTR_COMPUTE_CAPABILITY_MINOR = 76;
    /** {@code cudaStreamNonBlocking}: no implicit synchronisation with the legacy default stream. */
    public static final int STREAM_NON_BLOCKING = 1;

    private Cuda() {}

    /** Throws a {@link CudaException} for a non-zero {@code cudaError_t}. */
    public static void check(String call, int error) {
        if (error != 0) {
            throw new CudaException(call, error, errorName(error), errorString(error));
        }
    }

    /** cudart's name for an error code, e.g. {@code cudaErrorMemoryAllocation}. */
    public static String errorName(int error) {
        return string(cuda_runtime_api_h.cudaGetErrorName(error));
    }

    /** cudart's description of an error code, e.g. {@code out of memory}. */
    public static String errorString(int error) {
        return string(cuda_runtime_api_h.cudaGetErrorString(error));
    }

    /** Number of CUDA devices. @throws CudaException when the runtime cannot talk to a driver */
    public static int deviceCount() {
        return intOut("cudaGetDeviceCount", 0, 0, 0);
    }

    /** cudart's version, e.g. 13000 for 13.0. */
    public static int runtimeVersion() {
        return intOut("cudaRuntimeGetVersion", 1, 0, 0);
    }

    /** The driver's CUDA version, 0 when no driver is installed. */
    public static int driverVersion() {
        return intOut("cudaDriverGetVersion", 2, 0, 0);
    }

    /** An integer attribute ({@code cudaDeviceAttr}) of {@code device}. */
    public static int attribute(int attr, int device) {
        return intOut("cudaDeviceGetAttribute", 3, attr, device);
    }

    /** Makes {@code device} current for the calling thread. */
    public static void setDevice(int device) {
        if (device < 0) {
            throw new IllegalArgumentException("device index must be >= 0, got " + device);
        }
        check("cudaSetDevice(" + device + ")", cuda_runtime_api_h.cudaSetDevice(device));
    }

    /** {@code {free, total}} bytes of the current device. */
    public static long[] memoryInfo() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment free = arena.allocate(ValueLayout.JAVA_LONG);
            MemorySegment total = arena.allocate(ValueLayout.JAVA_LONG);
            check("cudaMemGetInfo", cuda_runtime_api_h.cudaMemGetInfo(free, total));
            return new long[] {free.get(ValueLayout.JAVA_LONG, 0), total.get(ValueLayout.JAVA_LONG, 0)};
        }
    }

    /** {@code bytes} of device memory (uninitialised); the caller frees it with {@link #free}. */
    public static MemorySegment malloc(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("cudaMalloc: size must be positive, got " + bytes);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            check("cudaMalloc(" + bytes + " bytes)", cuda_runtime_api_h.cudaMalloc(out, bytes));
            return MemorySegment.ofAddress(out.get(ValueLayout.ADDRESS, 0).address());
        }
    }

    /** Frees memory from {@link #malloc}; NULL is ignored. */
    public static void free(MemorySegment device) {
        if (!device.equals(MemorySegment.NULL)) {
            check("cudaFree", cuda_runtime_api_h.cudaFree(device));
        }
    }

    /** {@code device + bytes}: an address inside an allocation (no bounds known here; callers check). */
    public static MemorySegment offset(MemorySegment device, long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative device offset " + bytes);
        }
        return MemorySegment.ofAddress(device.address() + bytes);
    }

    /** Copies host memory to the device on {@code stream}; the host segment may be reused once this returns (pageable memory is staged). */
    public static void copyToDevice(MemorySegment dst, MemorySegment host, long hostOffset, long bytes, MemorySegment stream) {
        checkHost("copyToDevice", host, hostOffset, bytes);
        if (bytes == 0) {
            return;
        }
        check("cudaMemcpyAsync(host to device, " + bytes + " bytes)",
                cuda_runtime_api_h.cudaMemcpyAsync(dst, host.asSlice(hostOffset, bytes), bytes, HOST_TO_DEVICE, stream));
    }

    /** Copies device memory to the host on {@code stream}; the host memory holds the data only after the stream is synchronised. */
    public static void copyToHost(MemorySegment host, long hostOffset, MemorySegment src, long bytes, MemorySegment stream) {
        checkHost("copyToHost", host, hostOffset, bytes);
        if (bytes == 0) {
            return;
        }
        check("cudaMemcpyAsync(device to host, " + bytes + " bytes)",
                cuda_runtime_api_h.cudaMemcpyAsync(host.asSlice(hostOffset, bytes), src, bytes, DEVICE_TO_HOST, stream));
    }

    /** Copies device memory to device memory on {@code stream}. */
    public static void copyOnDevice(MemorySegment dst, MemorySegment src, long bytes, MemorySegment stream) {
        if (bytes < 0) {
            throw new IllegalArgumentException("copyOnDevice: negative size " + bytes);
        }
        if (bytes > 0) {
            check("cudaMemcpyAsync(device to device, " + bytes + " bytes)",
                    cuda_runtime_api_h.cudaMemcpyAsync(dst, src, bytes, DEVICE_TO_DEVICE, stream));
        }
    }

    /** Sets {@code bytes} bytes of device memory to {@code value} on {@code stream}. */
    public static void memset(MemorySegment device, int value, long bytes, MemorySegment stream) {
        if (bytes < 0) {
            throw new IllegalArgumentException("memset: negative size " + bytes);
        }
        if (bytes > 0) {
            check("cudaMemsetAsync(" + bytes + " bytes)", cuda_runtime_api_h.cudaMemsetAsync(device, value, bytes, stream));
        }
    }

    /** A new non-blocking stream on the current device; the caller destroys it with {@link #streamDestroy}. */
    public static MemorySegment streamCreate() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            check("cudaStreamCreateWithFlags", cuda_runtime_api_h.cudaStreamCreateWithFlags(out, STREAM_NON_BLOCKING));
            return MemorySegment.ofAddress(out.get(ValueLayout.ADDRESS, 0).address());
        }
    }

    /** Destroys a stream from {@link #streamCreate}. */
    public static void streamDestroy(MemorySegment stream) {
        check("cudaStreamDestroy", cuda_runtime_api_h.cudaStreamDestroy(stream));
    }

    /** Waits until every operation issued to {@code stream} has finished; errors of earlier asynchronous work surface here. */
    public static void streamSynchronize(MemorySegment stream) {
        check("cudaStreamSynchronize", cuda_runtime_api_h.cudaStreamSynchronize(stream));
    }

    private static void checkHost(String op, MemorySegment host, long offset, long bytes) {
        if (!host.isNative()) {
            throw new IllegalArgumentException(op + ": host memory must be off-heap (an Arena allocation), not a heap segment");
        }
        if (offset < 0 || bytes < 0 || offset > host.byteSize() - bytes) {
            throw new IllegalArgumentException(op + ": range [" + offset + ", " + offset + "+" + bytes
                    + ") is outside host memory of " + host.byteSize() + " bytes");
        }
    }

    private static int intOut(String call, int which, int a, int b) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.JAVA_INT);
            int e = switch (which) {
                case 0 -> cuda_runtime_api_h.cudaGetDeviceCount(out);
                case 1 -> cuda_runtime_api_h.cudaRuntimeGetVersion(out);
                case 2 -> cuda_runtime_api_h.cudaDriverGetVersion(out);
                default -> cuda_runtime_api_h.cudaDeviceGetAttribute(out, a, b);
            };
            check(call, e);
            return out.get(ValueLayout.JAVA_INT, 0);
        }
    }

    static String string(MemorySegment p) {
        return p.equals(MemorySegment.NULL) ? "?" : p.reinterpret(4096).getString(0);
    }
}
