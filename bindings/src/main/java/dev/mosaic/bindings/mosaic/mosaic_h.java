// Generated in the style of jextract from native/include/mosaic.h; mechanical, no logic.
// Regenerate (or edit mechanically) whenever mosaic.h changes.
package dev.mosaic.bindings.mosaic;

import dev.mosaic.bindings.NativeLibraries;
import java.lang.foreign.AddressLayout;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * FFM bindings for {@code mosaic.h} (libmosaic): one holder per function, constants as methods.
 * Raw and internal: callers call {@link NativeLibraries#load} for {@code MOSAIC} first (the CPU
 * backend does), so that a missing library is reported, retryably, before any holder is touched.
 * Thread safety: the functions are as thread-safe as the C functions they bind (all of libmosaic's are).
 */
@SuppressWarnings("unused")
public final class mosaic_h {

    mosaic_h() {
        // Should not be called directly
    }

    public static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
    public static final ValueLayout.OfLong C_LONG = ValueLayout.JAVA_LONG;
    public static final ValueLayout.OfFloat C_FLOAT = ValueLayout.JAVA_FLOAT;
    public static final ValueLayout.OfDouble C_DOUBLE = ValueLayout.JAVA_DOUBLE;
    public static final AddressLayout C_POINTER = ValueLayout.ADDRESS
            .withTargetLayout(MemoryLayout.sequenceLayout(Long.MAX_VALUE, ValueLayout.JAVA_BYTE));

    static MemorySegment findOrThrow(String symbol) {
        // Resolved per holder on first use, never in this class's initialiser, so a failed load
        // (reported by NativeLibraries.load) does not poison the class for the rest of the JVM.
        return NativeLibraries.mosaic().find(symbol)
                .orElseThrow(() -> new UnsatisfiedLinkError("unresolved symbol: " + symbol));
    }

    private static class mosaic_abi_version {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(mosaic_h.C_INT);
        public static final MemorySegment ADDR = findOrThrow("mosaic_abi_version");
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    public static FunctionDescriptor mosaic_abi_version$descriptor() {
        return mosaic_abi_version.DESC;
    }

    public static MethodHandle mosaic_abi_version$handle() {
        return mosaic_abi_version.HANDLE;
    }

    public static MemorySegment mosaic_abi_version$address() {
        return mosaic_abi_version.ADDR;
    }

    public static int mosaic_abi_version() {
        var mh$ = mosaic_abi_version.HANDLE;
        try {
            return (int) mh$.invokeExact();
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mosaic_isa_best {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(mosaic_h.C_INT);
        public static final MemorySegment ADDR = findOrThrow("mosaic_isa_best");
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    public static FunctionDescriptor mosaic_isa_best$descriptor() {
        return mosaic_isa_best.DESC;
    }

    public static MethodHandle mosaic_isa_best$handle() {
        return mosaic_isa_best.HANDLE;
    }

    public static MemorySegment mosaic_isa_best$address() {
        return mosaic_isa_best.ADDR;
    }

    public static int mosaic_isa_best() {
        var mh$ = mosaic_isa_best.HANDLE;
        try {
            return (int) mh$.invokeExact();
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mosaic_isa {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(mosaic_h.C_INT);
        public static final MemorySegment ADDR = findOrThrow("mosaic_isa");
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    public static FunctionDescriptor mosaic_isa$descriptor() {
        return mosaic_isa.DESC;
    }

    public static MethodHandle mosaic_isa$handle() {
        return mosaic_isa.HANDLE;
    }

    public static MemorySegment mosaic_isa$address() {
        return mosaic_isa.ADDR;
    }

    public static int mosaic_isa() {
        var mh$ = mosaic_isa.HANDLE;
        try {
            return (int) mh$.invokeExact();
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mosaic_set_isa {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(mosaic_h.C_INT, mosaic_h.C_INT);
        public static final MemorySegment ADDR = findOrThrow("mosaic_set_isa");
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    public static FunctionDescriptor mosaic_set_isa$descriptor() {
        return mosaic_set_isa.DESC;
    }

    public static MethodHandle mosaic_set_isa$handle() {
        return mosaic_set_isa.HANDLE;
    }

    public static MemorySegment mosaic_set_isa$address() {
        return mosaic_set_isa.ADDR;
    }

    public static int mosaic_set_isa(int isa) {
        var mh$ = mosaic_set_isa.HANDLE;
        try {
            return (int) mh$.invokeExact(isa);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mosaic_cpu_features {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(mosaic_h.C_POINTER);
        public static final MemorySegment ADDR = findOrThrow("mosaic_cpu_features");
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    public static FunctionDescriptor mosaic_cpu_features$descriptor() {
        return mosaic_cpu_features.DESC;
    }

    public static MethodHandle mosaic_cpu_features$handle() {
        return mosaic_cpu_features.HANDLE;
    }

    public static MemorySegment mosaic_cpu_features$address() {
        return mosaic_cpu_features.ADDR;
    }

    public static MemorySegment mosaic_cpu_features() {
        var mh$ = mosaic_cpu_features.HANDLE;
        try {
            return (MemorySegment) mh$.invokeExact();
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mosaic_type_supported {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(mosaic_h.C_INT, mosaic_h.C_INT);
        public static final MemorySegment ADDR = findOrThrow("mosaic_type_supported");
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    public static FunctionDescriptor mosaic_type_supported$descriptor() {
        return mosaic_type_supported.DESC;
    }

    public static MethodHandle mosaic_type_supported$handle() {
        return mosaic_type_supported.HANDLE;
    }

    public static MemorySegment mosaic_type_supported$address() {
        return mosaic_type_supported.ADDR;
    }

    public static int mosaic_type_supported(int type) {
        var mh$ = mosaic_type_supported.HANDLE;
        try {
            return (int) mh$.invokeExact(type);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mosaic_type_traits {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(mosaic_h.C_INT, mosaic_h.C_INT, mosaic_h.C_POINTER, mosaic_h.C_POINTER, mosaic_h.C_POINTER);
        public static final MemorySegment ADDR = findOrThrow("mosaic_type_traits");
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    public static FunctionDescriptor mosaic_type_traits$descriptor() {
        return mosaic_type_traits.DESC;
    }

    public static MethodHandle mosaic_type_traits$handle() {
        return mosaic_type_traits.HANDLE;
    }

    public static MemorySegment mosaic_type_traits$address() {
        return mosaic_type_traits.ADDR;
    }

    public static int mosaic_type_traits(int type, MemorySegment block_elems, MemorySegment block_bytes, MemorySegment flags) {
        var mh$ = mosaic_type_traits.HANDLE;
        try {
            return (int) mh$.invokeExact(type, block_elems, block_bytes, flags);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mosaic_type_name {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(mosaic_h.C_POINTER, mosaic_h.C_INT);
        public static final MemorySegment ADDR = findOrThrow("mosaic_type_name");
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    public static FunctionDescriptor mosaic_type_name$descriptor() {
        return mosaic_type_name.DESC;
    }

    public static MethodHandle mosaic_type_name$handle() {
        return mosaic_type_name.HANDLE;
    }

    public static MemorySegment mosaic_type_name$address() {
        return mosaic_type_name.ADDR;
    }

    public static MemorySegment mosaic_type_name(int type) {
        var mh$ = mosaic_type_name.HANDLE;
        try {
            return (MemorySegment) mh$.invokeExact(type);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mosaic_matmul {
        public static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(mosaic_h.C_INT, mosaic_h.C_POINTER, mosaic_h.C_LONG, mosaic_h.C_LONG, mosaic_h.C_POINTER, mosaic_h.C_LONG, mosaic_h.C_POINTER, mosaic_h.C_INT);
        public static final MemorySegment ADDR = findOrThrow("mosaic_matmul");
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    public static FunctionDescriptor mosaic_matmul$descriptor() {
        return mosaic_matmul.DESC;
    }

    public static MethodHandle mosaic_matmul$handle() {
        return mosaic_matmul.HANDLE;
    }

    public static MemorySegment mosaic_matmul$address() {
        return mosaic_matmul.ADDR;
    }

    public static void mosaic_matmul(int type, MemorySegment w, long w_rows, long cols, MemorySegment x, long rows, MemorySegment out, int threads) {
        var mh$ = mosaic_matmul.HANDLE;
        try {
            mh$.invokeExact(type, w, w_rows, cols, x, rows, out, threads);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mosaic_matmul_int8 {
        public static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(mosaic_h.C_INT, mosaic_h.C_POINTER, mosaic_h.C_LONG, mosaic_h.C_LONG, mosaic_h.C_POINTER, mosaic_h.C_LONG, mosaic_h.C_POINTER, mosaic_h.C_INT);
        public static final MemorySegment ADDR = findOrThrow("mosaic_matmul_int8");
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    public static FunctionDescriptor mosaic_matmul_int8$descriptor() {
        return mosaic_matmul_int8.DESC;
    }

    public static MethodHandle mosaic_matmul_int8$handle() {
        return mosaic_matmul_int8.HANDLE;
    }

    public static MemorySegment mosaic_matmul_int8$address() {
        return mosaic_matmul_int8.ADDR;
    }

    public static void mosaic_matmul_int8(int type, MemorySegment w, long w_rows, long cols, MemorySegment x, long rows, MemorySegment out, int threads) {
        var mh$ = mosaic_matmul_int8.HANDLE;
        try {
            mh$.invokeExact(type, w, w_rows, cols, x, rows, out, threads);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mosaic_amx_status {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(mosaic_h.C_INT);
        public static final MemorySegment ADDR = findOrThrow("mosaic_amx_status");
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    public static FunctionDescriptor mosaic_amx_status$descriptor() {
        return mosaic_amx_status.DESC;
    }

    public static MethodHandle mosaic_amx_status$handle() {
        return mosaic_amx_status.HANDLE;
    }

    public static MemorySegment mosaic_amx_status$address() {
        return mosaic_amx_status.ADDR;
    }

    public static int mosaic_amx_status() {
        var mh$ = mosaic_amx_status.HANDLE;
        try {
            return (int) mh$.invokeExact();
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mosaic_set_amx_allowed {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(mosaic_h.C_INT, mosaic_h.C_INT);
        public static final MemorySegment ADDR = findOrThrow("mosaic_set_amx_allowed");
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    public static FunctionDescriptor mosaic_set_amx_allowed$descriptor() {
        return mosaic_set_amx_allowed.DESC;
    }

    public static MethodHandle mosaic_set_amx_allowed$handle() {
        return mosaic_set_amx_allowed.HANDLE;
    }

    public static MemorySegment mosaic_set_amx_allowed$address() {
        return mosaic_set_amx_allowed.ADDR;
    }

    public static int mosaic_set_amx_allowed(int allowed) {
        var mh$ = mosaic_set_amx_allowed.HANDLE;
        try {
            return (int) mh$.invokeExact(allowed);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mosaic_panel_bytes {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(mosaic_h.C_LONG, mosaic_h.C_INT, mosaic_h.C_LONG, mosaic_h.C_LONG);
        public static final MemorySegment ADDR = findOrThrow("mosaic_panel_bytes");
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    public static FunctionDescriptor mosaic_panel_bytes$descriptor() {
        return mosaic_panel_bytes.DESC;
    }

    public static MethodHandle mosaic_panel_bytes$handle() {
        return mosaic_panel_bytes.HANDLE;
    }

    public static MemorySegment mosaic_panel_bytes$address() {
        return mosaic_panel_bytes.ADDR;
    }

    public static long mosaic_panel_bytes(int type, long w_rows, long cols) {
        var mh$ = mosaic_panel_bytes.HANDLE;
        try {
            return (long) mh$.invokeExact(type, w_rows, cols);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mosaic_pack_panels {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(mosaic_h.C_INT, mosaic_h.C_INT, mosaic_h.C_POINTER, mosaic_h.C_LONG, mosaic_h.C_LONG, mosaic_h.C_POINTER, mosaic_h.C_INT);
        public static final MemorySegment ADDR = findOrThrow("mosaic_pack_panels");
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    public static FunctionDescriptor mosaic_pack_panels$descriptor() {
        return mosaic_pack_panels.DESC;
    }

    public static MethodHandle mosaic_pack_panels$handle() {
        return mosaic_pack_panels.HANDLE;
    }

    public static MemorySegment mosaic_pack_panels$address() {
        return mosaic_pack_panels.ADDR;
    }

    public static int mosaic_pack_panels(int type, MemorySegment w, long w_rows, long cols, MemorySegment dst, int threads) {
        var mh$ = mosaic_pack_panels.HANDLE;
        try {
            return (int) mh$.invokeExact(type, w, w_rows, cols, dst, threads);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mosaic_matmul_panels {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(mosaic_h.C_INT, mosaic_h.C_INT, mosaic_h.C_POINTER, mosaic_h.C_LONG, mosaic_h.C_LONG, mosaic_h.C_POINTER, mosaic_h.C_LONG, mosaic_h.C_POINTER, mosaic_h.C_INT);
        public static final MemorySegment ADDR = findOrThrow("mosaic_matmul_panels");
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    public static FunctionDescriptor mosaic_matmul_panels$descriptor() {
        return mosaic_matmul_panels.DESC;
    }

    public static MethodHandle mosaic_matmul_panels$handle() {
        return mosaic_matmul_panels.HANDLE;
    }

    public static MemorySegment mosaic_matmul_panels$address() {
        return mosaic_matmul_panels.ADDR;
    }

    public static int mosaic_matmul_panels(int type, MemorySegment panels, long w_rows, long cols, MemorySegment x, long rows, MemorySegment out, int threads) {
        var mh$ = mosaic_matmul_panels.HANDLE;
        try {
            return (int) mh$.invokeExact(type, panels, w_rows, cols, x, rows, out, threads);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mosaic_packed_bytes {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(mosaic_h.C_LONG, mosaic_h.C_INT, mosaic_h.C_LONG, mosaic_h.C_LONG);
        public static final MemorySegment ADDR = findOrThrow("mosaic_packed_bytes");
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    public static FunctionDescriptor mosaic_packed_bytes$descriptor() {
        return mosaic_packed_bytes.DESC;
    }

    public static MethodHandle mosaic_packed_bytes$handle() {
        return mosaic_packed_bytes.HANDLE;
    }

    public static MemorySegment mosaic_packed_bytes$address() {
        return mosaic_packed_bytes.ADDR;
    }

    public static long mosaic_packed_bytes(int type, long w_rows, long cols) {
        var mh$ = mosaic_packed_bytes.HANDLE;
        try {
            return (long) mh$.invokeExact(type, w_rows, cols);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mosaic_pack_weights {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(mosaic_h.C_INT, mosaic_h.C_INT, mosaic_h.C_POINTER, mosaic_h.C_LONG, mosaic_h.C_LONG, mosaic_h.C_POINTER, mosaic_h.C_INT);
        public static final MemorySegment ADDR = findOrThrow("mosaic_pack_weights");
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    public static FunctionDescriptor mosaic_pack_weights$descriptor() {
        return mosaic_pack_weights.DESC;
    }

    public static MethodHandle mosaic_pack_weights$handle() {
        return mosaic_pack_weights.HANDLE;
    }

    public static MemorySegment mosaic_pack_weights$address() {
        return mosaic_pack_weights.ADDR;
    }

    public static int mosaic_pack_weights(int type, MemorySegment w, long w_rows, long cols, MemorySegment dst, int threads) {
        var mh$ = mosaic_pack_weights.HANDLE;
        try {
            return (int) mh$.invokeExact(type, w, w_rows, cols, dst, threads);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mosaic_matmul_packed {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(mosaic_h.C_INT, mosaic_h.C_INT, mosaic_h.C_POINTER, mosaic_h.C_LONG, mosaic_h.C_LONG, mosaic_h.C_POINTER, mosaic_h.C_LONG, mosaic_h.C_POINTER, mosaic_h.C_INT);
        public static final MemorySegment ADDR = findOrThrow("mosaic_matmul_packed");
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    public static FunctionDescriptor mosaic_matmul_packed$descriptor() {
        return mosaic_matmul_packed.DESC;
    }

    public static MethodHandle mosaic_matmul_packed$handle() {
        return mosaic_matmul_packed.HANDLE;
    }

    public static MemorySegment mosaic_matmul_packed$address() {
        return mosaic_matmul_packed.ADDR;
    }

    public static int mosaic_matmul_packed(int type, MemorySegment packed, long w_rows, long cols, MemorySegment x, long rows, MemorySegment out, int threads) {
        var mh$ = mosaic_matmul_packed.HANDLE;
        try {
            return (int) mh$.invokeExact(type, packed, w_rows, cols, x, rows, out, threads);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mosaic_dequantize {
        public static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(mosaic_h.C_INT, mosaic_h.C_POINTER, mosaic_h.C_LONG, mosaic_h.C_POINTER);
        public static final MemorySegment ADDR = findOrThrow("mosaic_dequantize");
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    public static FunctionDescriptor mosaic_dequantize$descriptor() {
        return mosaic_dequantize.DESC;
    }

    public static MethodHandle mosaic_dequantize$handle() {
        return mosaic_dequantize.HANDLE;
    }

    public static MemorySegment mosaic_dequantize$address() {
        return mosaic_dequantize.ADDR;
    }

    public static void mosaic_dequantize(int type, MemorySegment src, long count, MemorySegment dst) {
        var mh$ = mosaic_dequantize.HANDLE;
        try {
            mh$.invokeExact(type, src, count, dst);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mosaic_embedding {
        public static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(mosaic_h.C_INT, mosaic_h.C_POINTER, mosaic_h.C_LONG, mosaic_h.C_POINTER, mosaic_h.C_LONG, mosaic_h.C_POINTER, mosaic_h.C_INT);
        public static final MemorySegment ADDR = findOrThrow("mosaic_embedding");
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    public static FunctionDescriptor mosaic_embedding$descriptor() {
        return mosaic_embedding.DESC;
    }

    public static MethodHandle mosaic_embedding$handle() {
        return mosaic_embedding.HANDLE;
    }

    public static MemorySegment mosaic_embedding$address() {
        return mosaic_embedding.ADDR;
    }

    public static void mosaic_embedding(int type, MemorySegment table, long cols, MemorySegment ids, long n, MemorySegment out, int threads) {
        var mh$ = mosaic_embedding.HANDLE;
        try {
            mh$.invokeExact(type, table, cols, ids, n, out, threads);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mosaic_rmsnorm {
        public static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(mosaic_h.C_POINTER, mosaic_h.C_POINTER, mosaic_h.C_INT, mosaic_h.C_POINTER, mosaic_h.C_LONG, mosaic_h.C_LONG, mosaic_h.C_FLOAT, mosaic_h.C_INT);
        public static final MemorySegment ADDR = findOrThrow("mosaic_rmsnorm");
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    public static FunctionDescriptor mosaic_rmsnorm$descriptor() {
        return mosaic_rmsnorm.DESC;
    }

    public static MethodHandle mosaic_rmsnorm$handle() {
        return mosaic_rmsnorm.HANDLE;
    }

    public static MemorySegment mosaic_rmsnorm$address() {
        return mosaic_rmsnorm.ADDR;
    }

    public static void mosaic_rmsnorm(MemorySegment out, MemorySegment x, int gamma_type, MemorySegment gamma, long rows, long cols, float eps, int threads) {
        var mh$ = mosaic_rmsnorm.HANDLE;
        try {
            mh$.invokeExact(out, x, gamma_type, gamma, rows, cols, eps, threads);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mosaic_add {
        public static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(mosaic_h.C_POINTER, mosaic_h.C_POINTER, mosaic_h.C_LONG, mosaic_h.C_INT);
        public static final MemorySegment ADDR = findOrThrow("mosaic_add");
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    public static FunctionDescriptor mosaic_add$descriptor() {
        return mosaic_add.DESC;
    }

    public static MethodHandle mosaic_add$handle() {
        return mosaic_add.HANDLE;
    }

    public static MemorySegment mosaic_add$address() {
        return mosaic_add.ADDR;
    }

    public static void mosaic_add(MemorySegment acc, MemorySegment x, long n, int threads) {
        var mh$ = mosaic_add.HANDLE;
        try {
            mh$.invokeExact(acc, x, n, threads);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mosaic_add_bias {
        public static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(mosaic_h.C_POINTER, mosaic_h.C_INT, mosaic_h.C_POINTER, mosaic_h.C_LONG, mosaic_h.C_LONG, mosaic_h.C_INT);
        public static final MemorySegment ADDR = findOrThrow("mosaic_add_bias");
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    public static FunctionDescriptor mosaic_add_bias$descriptor() {
        return mosaic_add_bias.DESC;
    }

    public static MethodHandle mosaic_add_bias$handle() {
        return mosaic_add_bias.HANDLE;
    }

    public static MemorySegment mosaic_add_bias$address() {
        return mosaic_add_bias.ADDR;
    }

    public static void mosaic_add_bias(MemorySegment x, int bias_type, MemorySegment bias, long rows, long cols, int threads) {
        var mh$ = mosaic_add_bias.HANDLE;
        try {
            mh$.invokeExact(x, bias_type, bias, rows, cols, threads);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mosaic_swiglu {
        public static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(mosaic_h.C_POINTER, mosaic_h.C_POINTER, mosaic_h.C_POINTER, mosaic_h.C_LONG, mosaic_h.C_INT);
        public static final MemorySegment ADDR = findOrThrow("mosaic_swiglu");
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    public static FunctionDescriptor mosaic_swiglu$descriptor() {
        return mosaic_swiglu.DESC;
    }

    public static MethodHandle mosaic_swiglu$handle() {
        return mosaic_swiglu.HANDLE;
    }

    public static MemorySegment mosaic_swiglu$address() {
        return mosaic_swiglu.ADDR;
    }

    public static void mosaic_swiglu(MemorySegment out, MemorySegment gate, MemorySegment up, long n, int threads) {
        var mh$ = mosaic_swiglu.HANDLE;
        try {
            mh$.invokeExact(out, gate, up, n, threads);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mosaic_softmax {
        public static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(mosaic_h.C_POINTER, mosaic_h.C_LONG, mosaic_h.C_LONG, mosaic_h.C_INT);
        public static final MemorySegment ADDR = findOrThrow("mosaic_softmax");
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    public static FunctionDescriptor mosaic_softmax$descriptor() {
        return mosaic_softmax.DESC;
    }

    public static MethodHandle mosaic_softmax$handle() {
        return mosaic_softmax.HANDLE;
    }

    public static MemorySegment mosaic_softmax$address() {
        return mosaic_softmax.ADDR;
    }

    public static void mosaic_softmax(MemorySegment x, long rows, long cols, int threads) {
        var mh$ = mosaic_softmax.HANDLE;
        try {
            mh$.invokeExact(x, rows, cols, threads);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mosaic_rope {
        public static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(mosaic_h.C_POINTER, mosaic_h.C_LONG, mosaic_h.C_INT, mosaic_h.C_INT, mosaic_h.C_POINTER, mosaic_h.C_POINTER, mosaic_h.C_INT, mosaic_h.C_INT);
        public static final MemorySegment ADDR = findOrThrow("mosaic_rope");
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    public static FunctionDescriptor mosaic_rope$descriptor() {
        return mosaic_rope.DESC;
    }

    public static MethodHandle mosaic_rope$handle() {
        return mosaic_rope.HANDLE;
    }

    public static MemorySegment mosaic_rope$address() {
        return mosaic_rope.ADDR;
    }

    public static void mosaic_rope(MemorySegment x, long rows, int heads, int head_dim, MemorySegment positions, MemorySegment inv_freq, int layout, int threads) {
        var mh$ = mosaic_rope.HANDLE;
        try {
            mh$.invokeExact(x, rows, heads, head_dim, positions, inv_freq, layout, threads);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mosaic_kv_store {
        public static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(mosaic_h.C_POINTER, mosaic_h.C_POINTER, mosaic_h.C_LONG, mosaic_h.C_POINTER, mosaic_h.C_POINTER, mosaic_h.C_POINTER, mosaic_h.C_LONG, mosaic_h.C_INT);
        public static final MemorySegment ADDR = findOrThrow("mosaic_kv_store");
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    public static FunctionDescriptor mosaic_kv_store$descriptor() {
        return mosaic_kv_store.DESC;
    }

    public static MethodHandle mosaic_kv_store$handle() {
        return mosaic_kv_store.HANDLE;
    }

    public static MemorySegment mosaic_kv_store$address() {
        return mosaic_kv_store.ADDR;
    }

    public static void mosaic_kv_store(MemorySegment k_cache, MemorySegment v_cache, long row_floats, MemorySegment k, MemorySegment v, MemorySegment slots, long rows, int threads) {
        var mh$ = mosaic_kv_store.HANDLE;
        try {
            mh$.invokeExact(k_cache, v_cache, row_floats, k, v, slots, rows, threads);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mosaic_attention {
        public static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(mosaic_h.C_POINTER, mosaic_h.C_POINTER, mosaic_h.C_POINTER, mosaic_h.C_POINTER, mosaic_h.C_INT, mosaic_h.C_POINTER, mosaic_h.C_POINTER, mosaic_h.C_POINTER, mosaic_h.C_POINTER, mosaic_h.C_POINTER, mosaic_h.C_INT, mosaic_h.C_INT, mosaic_h.C_INT, mosaic_h.C_INT, mosaic_h.C_FLOAT, mosaic_h.C_INT);
        public static final MemorySegment ADDR = findOrThrow("mosaic_attention");
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    public static FunctionDescriptor mosaic_attention$descriptor() {
        return mosaic_attention.DESC;
    }

    public static MethodHandle mosaic_attention$handle() {
        return mosaic_attention.HANDLE;
    }

    public static MemorySegment mosaic_attention$address() {
        return mosaic_attention.ADDR;
    }

    public static void mosaic_attention(MemorySegment out, MemorySegment q, MemorySegment k_cache, MemorySegment v_cache, int seqs, MemorySegment row_start, MemorySegment row_count, MemorySegment first_pos, MemorySegment block_table_start, MemorySegment block_tables, int block_size, int heads, int kv_heads, int head_dim, float scale, int threads) {
        var mh$ = mosaic_attention.HANDLE;
        try {
            mh$.invokeExact(out, q, k_cache, v_cache, seqs, row_start, row_count, first_pos, block_table_start, block_tables, block_size, heads, kv_heads, head_dim, scale, threads);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mosaic_logits_max_lse {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(mosaic_h.C_LONG, mosaic_h.C_POINTER, mosaic_h.C_LONG, mosaic_h.C_POINTER);
        public static final MemorySegment ADDR = findOrThrow("mosaic_logits_max_lse");
        // critical: a short, non-blocking call that may read and write Java arrays (the sampler's logits) in place
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC, Linker.Option.critical(true));
    }

    public static FunctionDescriptor mosaic_logits_max_lse$descriptor() {
        return mosaic_logits_max_lse.DESC;
    }

    public static MethodHandle mosaic_logits_max_lse$handle() {
        return mosaic_logits_max_lse.HANDLE;
    }

    public static MemorySegment mosaic_logits_max_lse$address() {
        return mosaic_logits_max_lse.ADDR;
    }

    public static long mosaic_logits_max_lse(MemorySegment x, long n, MemorySegment lse) {
        var mh$ = mosaic_logits_max_lse.HANDLE;
        try {
            return (long) mh$.invokeExact(x, n, lse);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mosaic_pages_alloc {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(mosaic_h.C_POINTER, mosaic_h.C_LONG);
        public static final MemorySegment ADDR = findOrThrow("mosaic_pages_alloc");
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    public static FunctionDescriptor mosaic_pages_alloc$descriptor() {
        return mosaic_pages_alloc.DESC;
    }

    public static MethodHandle mosaic_pages_alloc$handle() {
        return mosaic_pages_alloc.HANDLE;
    }

    public static MemorySegment mosaic_pages_alloc$address() {
        return mosaic_pages_alloc.ADDR;
    }

    public static MemorySegment mosaic_pages_alloc(long bytes) {
        var mh$ = mosaic_pages_alloc.HANDLE;
        try {
            return (MemorySegment) mh$.invokeExact(bytes);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mosaic_pages_free {
        public static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(mosaic_h.C_POINTER, mosaic_h.C_LONG);
        public static final MemorySegment ADDR = findOrThrow("mosaic_pages_free");
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    public static FunctionDescriptor mosaic_pages_free$descriptor() {
        return mosaic_pages_free.DESC;
    }

    public static MethodHandle mosaic_pages_free$handle() {
        return mosaic_pages_free.HANDLE;
    }

    public static MemorySegment mosaic_pages_free$address() {
        return mosaic_pages_free.ADDR;
    }

    public static void mosaic_pages_free(MemorySegment p, long bytes) {
        var mh$ = mosaic_pages_free.HANDLE;
        try {
            mh$.invokeExact(p, bytes);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mosaic_pool_create {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(mosaic_h.C_POINTER, mosaic_h.C_INT);
        public static final MemorySegment ADDR = findOrThrow("mosaic_pool_create");
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    public static FunctionDescriptor mosaic_pool_create$descriptor() {
        return mosaic_pool_create.DESC;
    }

    public static MethodHandle mosaic_pool_create$handle() {
        return mosaic_pool_create.HANDLE;
    }

    public static MemorySegment mosaic_pool_create$address() {
        return mosaic_pool_create.ADDR;
    }

    public static MemorySegment mosaic_pool_create(int threads) {
        var mh$ = mosaic_pool_create.HANDLE;
        try {
            return (MemorySegment) mh$.invokeExact(threads);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mosaic_pool_destroy {
        public static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(mosaic_h.C_POINTER);
        public static final MemorySegment ADDR = findOrThrow("mosaic_pool_destroy");
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    public static FunctionDescriptor mosaic_pool_destroy$descriptor() {
        return mosaic_pool_destroy.DESC;
    }

    public static MethodHandle mosaic_pool_destroy$handle() {
        return mosaic_pool_destroy.HANDLE;
    }

    public static MemorySegment mosaic_pool_destroy$address() {
        return mosaic_pool_destroy.ADDR;
    }

    public static void mosaic_pool_destroy(MemorySegment pool) {
        var mh$ = mosaic_pool_destroy.HANDLE;
        try {
            mh$.invokeExact(pool);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mosaic_pool_bind {
        public static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(mosaic_h.C_POINTER);
        public static final MemorySegment ADDR = findOrThrow("mosaic_pool_bind");
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    public static FunctionDescriptor mosaic_pool_bind$descriptor() {
        return mosaic_pool_bind.DESC;
    }

    public static MethodHandle mosaic_pool_bind$handle() {
        return mosaic_pool_bind.HANDLE;
    }

    public static MemorySegment mosaic_pool_bind$address() {
        return mosaic_pool_bind.ADDR;
    }

    public static void mosaic_pool_bind(MemorySegment pool) {
        var mh$ = mosaic_pool_bind.HANDLE;
        try {
            mh$.invokeExact(pool);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mosaic_pool_threads {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(mosaic_h.C_INT, mosaic_h.C_POINTER);
        public static final MemorySegment ADDR = findOrThrow("mosaic_pool_threads");
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    public static FunctionDescriptor mosaic_pool_threads$descriptor() {
        return mosaic_pool_threads.DESC;
    }

    public static MethodHandle mosaic_pool_threads$handle() {
        return mosaic_pool_threads.HANDLE;
    }

    public static MemorySegment mosaic_pool_threads$address() {
        return mosaic_pool_threads.ADDR;
    }

    public static int mosaic_pool_threads(MemorySegment pool) {
        var mh$ = mosaic_pool_threads.HANDLE;
        try {
            return (int) mh$.invokeExact(pool);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mosaic_pool_live {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(mosaic_h.C_INT);
        public static final MemorySegment ADDR = findOrThrow("mosaic_pool_live");
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    public static FunctionDescriptor mosaic_pool_live$descriptor() {
        return mosaic_pool_live.DESC;
    }

    public static MethodHandle mosaic_pool_live$handle() {
        return mosaic_pool_live.HANDLE;
    }

    public static MemorySegment mosaic_pool_live$address() {
        return mosaic_pool_live.ADDR;
    }

    public static int mosaic_pool_live() {
        var mh$ = mosaic_pool_live.HANDLE;
        try {
            return (int) mh$.invokeExact();
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mosaic_copy {
        public static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(mosaic_h.C_POINTER, mosaic_h.C_POINTER, mosaic_h.C_LONG, mosaic_h.C_INT);
        public static final MemorySegment ADDR = findOrThrow("mosaic_copy");
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    public static FunctionDescriptor mosaic_copy$descriptor() {
        return mosaic_copy.DESC;
    }

    public static MethodHandle mosaic_copy$handle() {
        return mosaic_copy.HANDLE;
    }

    public static MemorySegment mosaic_copy$address() {
        return mosaic_copy.ADDR;
    }

    public static void mosaic_copy(MemorySegment dst, MemorySegment src, long bytes, int threads) {
        var mh$ = mosaic_copy.HANDLE;
        try {
            mh$.invokeExact(dst, src, bytes, threads);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    public static int MOSAIC_ABI_VERSION() {
        return 1;
    }

    public static int MOSAIC_ISA_PORTABLE() {
        return 0;
    }

    public static int MOSAIC_ISA_AVX2() {
        return 1;
    }

    public static int MOSAIC_ISA_AVX512() {
        return 2;
    }

    public static int MOSAIC_AMX_DENIED() {
        return -1;
    }

    public static int MOSAIC_AMX_UNSUPPORTED() {
        return 0;
    }

    public static int MOSAIC_AMX_GRANTED() {
        return 1;
    }

    public static int MOSAIC_TYPE_F32() {
        return 0;
    }

    public static int MOSAIC_TYPE_F16() {
        return 1;
    }

    public static int MOSAIC_TYPE_Q4_0() {
        return 2;
    }

    public static int MOSAIC_TYPE_Q8_0() {
        return 8;
    }

    public static int MOSAIC_TYPE_Q4_K() {
        return 12;
    }

    public static int MOSAIC_TYPE_Q6_K() {
        return 14;
    }

    public static int MOSAIC_TYPE_BF16() {
        return 30;
    }

    public static int MOSAIC_TYPE_Q4_1() {
        return 3;
    }

    public static int MOSAIC_TYPE_Q5_0() {
        return 6;
    }

    public static int MOSAIC_TYPE_Q5_1() {
        return 7;
    }

    public static int MOSAIC_TYPE_Q2_K() {
        return 10;
    }

    public static int MOSAIC_TYPE_Q3_K() {
        return 11;
    }

    public static int MOSAIC_TYPE_Q5_K() {
        return 13;
    }

    public static int MOSAIC_TYPE_IQ4_NL() {
        return 20;
    }

    public static int MOSAIC_TYPE_COUNT() {
        return 43;
    }

    public static int MOSAIC_TYPE_KNOWN() {
        return 1;
    }

    public static int MOSAIC_TYPE_DEQUANTIZE() {
        return 2;
    }

    public static int MOSAIC_TYPE_MATMUL() {
        return 4;
    }

    public static int MOSAIC_TYPE_MATMUL_INT8() {
        return 8;
    }

    public static int MOSAIC_TYPE_VECTOR() {
        return 16;
    }

    public static int MOSAIC_ROPE_INTERLEAVED() {
        return 0;
    }

    public static int MOSAIC_ROPE_HALVES() {
        return 1;
    }

    public static int MOSAIC_MAX_HEAD_DIM() {
        return 512;
    }
}
