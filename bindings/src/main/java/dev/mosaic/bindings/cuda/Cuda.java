package dev.mosaic.bindings.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The safe layer over the CUDA runtime bindings: status codes become {@link CudaException}s
 * carrying cudart's own message. Thread-safe (cudart is).
 */
public final class Cuda {

    private Cuda() {}

    /** Throws a {@link CudaException} for a non-zero {@code cudaError_t}. */
    public static void check(String call, int error) {
        if (error != 0) {
            throw new CudaException(call, error, string(cuda_runtime_api_h.cudaGetErrorName(error)),
                    string(cuda_runtime_api_h.cudaGetErrorString(error)));
        }
    }

    /** Number of CUDA devices. @throws CudaException when the runtime cannot talk to a driver */
    public static int deviceCount() {
        return intOut("cudaGetDeviceCount", 0);
    }

    /** cudart's version, e.g. 13000 for 13.0. */
    public static int runtimeVersion() {
        return intOut("cudaRuntimeGetVersion", 1);
    }

    /** The driver's CUDA version, 0 when no driver is installed. */
    public static int driverVersion() {
        return intOut("cudaDriverGetVersion", 2);
    }

    private static int intOut(String call, int which) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.JAVA_INT);
            int e = switch (which) {
                case 0 -> cuda_runtime_api_h.cudaGetDeviceCount(out);
                case 1 -> cuda_runtime_api_h.cudaRuntimeGetVersion(out);
                default -> cuda_runtime_api_h.cudaDriverGetVersion(out);
            };
            check(call, e);
            return out.get(ValueLayout.JAVA_INT, 0);
        }
    }

    private static String string(MemorySegment p) {
        return p.equals(MemorySegment.NULL) ? "?" : p.reinterpret(4096).getString(0);
    }
}
