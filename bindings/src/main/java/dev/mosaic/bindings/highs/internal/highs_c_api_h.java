package dev.mosaic.bindings.highs.internal;

import dev.mosaic.bindings.NativeLibraries;
import java.lang.foreign.AddressLayout;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Bindings for the HiGHS C API header {@code highs_c_api.h} (HiGHS 1.9), in jextract's layout:
 * one holder class per function (descriptor, address, handle, initialised on first use),
 * constants as static methods. Mechanical only: no validation, no lifetimes; see {@link dev.mosaic.bindings.highs.Highs}. Internal: not exported from the module.
 *
 * <p>{@code HighsInt} is 32-bit in default HiGHS builds and 64-bit in builds configured with
 * {@code HIGHSINT64}. The width is probed once from the loaded library
 * ({@code Highs_getSizeofHighsInt}) and {@link #C_HIGHSINT} is chosen from it; every
 * {@code HighsInt} parameter and return value is exposed to Java as {@code long} (narrowed to the
 * native width at the call), so the same Java code drives both builds. Callers must keep values
 * within the native width and write {@code HighsInt} arrays with {@link #C_HIGHSINT}.
 *
 * <p>Thread safety: the handles are thread-safe; whether a call is depends on HiGHS (one {@code Highs} object must not be used by two threads at once).
 */
public final class highs_c_api_h {

    private highs_c_api_h() {}

    static final Linker LINKER = Linker.nativeLinker();

    public static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
    public static final ValueLayout.OfLong C_LONG_LONG = ValueLayout.JAVA_LONG;
    public static final ValueLayout.OfDouble C_DOUBLE = ValueLayout.JAVA_DOUBLE;
    public static final AddressLayout C_POINTER = ValueLayout.ADDRESS
            .withTargetLayout(MemoryLayout.sequenceLayout(java.lang.Long.MAX_VALUE, ValueLayout.JAVA_BYTE));

    /** Width in bytes of {@code HighsInt} in the loaded library (4 or 8). */
    public static final int HIGHSINT_BYTES = HighsIntProbe.BYTES;

    /** Layout of {@code HighsInt} in the loaded library: {@code JAVA_INT} or {@code JAVA_LONG}. */
    public static final ValueLayout C_HIGHSINT = HIGHSINT_BYTES == 8 ? ValueLayout.JAVA_LONG : ValueLayout.JAVA_INT;

    static MemorySegment findOrThrow(String symbol) {
        return NativeLibraries.highs().find(symbol)
                .orElseThrow(() -> new UnsatisfiedLinkError("unresolved symbol: " + symbol));
    }

    /**
     * Descriptor with {@code null} entries (the {@code HighsInt} marker {@code HI}) replaced by
     * {@link #C_HIGHSINT}; {@code highsIntReturn} makes the return a {@code HighsInt}.
     */
    static FunctionDescriptor descriptor(boolean highsIntReturn, MemoryLayout ret, MemoryLayout... args) {
        MemoryLayout[] nativeArgs = new MemoryLayout[args.length];
        for (int i = 0; i < args.length; i++) {
            nativeArgs[i] = args[i] == null ? C_HIGHSINT : args[i];
        }
        MemoryLayout nativeRet = highsIntReturn ? C_HIGHSINT : ret;
        return nativeRet == null ? FunctionDescriptor.ofVoid(nativeArgs) : FunctionDescriptor.of(nativeRet, nativeArgs);
    }

    /**
     * Downcall handle for {@code desc} whose {@code HighsInt} slots are {@code long} in Java
     * whatever the native width (in these bindings every {@code int} slot is a {@code HighsInt}).
     */
    static MethodHandle handle(MemorySegment addr, FunctionDescriptor desc) {
        MethodHandle raw = LINKER.downcallHandle(addr, desc);
        MethodType t = raw.type();
        for (int i = 0; i < t.parameterCount(); i++) {
            if (t.parameterType(i) == int.class) {
                t = t.changeParameterType(i, long.class);
            }
        }
        if (t.returnType() == int.class) {
            t = t.changeReturnType(long.class);
        }
        return MethodHandles.explicitCastArguments(raw, t);
    }

    /** {@code HighsInt} marker for {@link #descriptor}. */
    private static final MemoryLayout HI = null;
    private static final MemoryLayout P = C_POINTER;
    private static final MemoryLayout D = C_DOUBLE;

    /** Probes {@code Highs_getSizeofHighsInt} once; a 4-byte return register read is exact for both widths. */
    private static final class HighsIntProbe {
        static final int BYTES = probe();

        private static int probe() {
            try {
                MethodHandle create = LINKER.downcallHandle(findOrThrow("Highs_create"), FunctionDescriptor.of(C_POINTER));
                MethodHandle destroy = LINKER.downcallHandle(findOrThrow("Highs_destroy"), FunctionDescriptor.ofVoid(C_POINTER));
                MethodHandle sizeOf = LINKER.downcallHandle(findOrThrow("Highs_getSizeofHighsInt"),
                        FunctionDescriptor.of(C_INT, C_POINTER));
                MemorySegment h = (MemorySegment) create.invokeExact();
                if (h.equals(MemorySegment.NULL)) {
                    throw new IllegalStateException("Highs_create returned NULL while probing sizeof(HighsInt)");
                }
                try {
                    return (int) sizeOf.invokeExact(h);
                } finally {
                    destroy.invokeExact(h);
                }
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new AssertionError("unexpected checked exception from a downcall", t);
            }
        }
    }

    // ---------------------------------------------------------------- constants

    public static int kHighsMaximumStringLength() { return 512; }

    public static int kHighsStatusError() { return -1; }
    public static int kHighsStatusOk() { return 0; }
    public static int kHighsStatusWarning() { return 1; }

    public static int kHighsVarTypeContinuous() { return 0; }
    public static int kHighsVarTypeInteger() { return 1; }
    public static int kHighsVarTypeSemiContinuous() { return 2; }
    public static int kHighsVarTypeSemiInteger() { return 3; }
    public static int kHighsVarTypeImplicitInteger() { return 4; }

    public static int kHighsObjSenseMinimize() { return 1; }
    public static int kHighsObjSenseMaximize() { return -1; }

    public static int kHighsMatrixFormatColwise() { return 1; }
    public static int kHighsMatrixFormatRowwise() { return 2; }

    public static int kHighsSolutionStatusNone() { return 0; }
    public static int kHighsSolutionStatusInfeasible() { return 1; }
    public static int kHighsSolutionStatusFeasible() { return 2; }

    public static int kHighsModelStatusNotset() { return 0; }
    public static int kHighsModelStatusLoadError() { return 1; }
    public static int kHighsModelStatusModelError() { return 2; }
    public static int kHighsModelStatusPresolveError() { return 3; }
    public static int kHighsModelStatusSolveError() { return 4; }
    public static int kHighsModelStatusPostsolveError() { return 5; }
    public static int kHighsModelStatusModelEmpty() { return 6; }
    public static int kHighsModelStatusOptimal() { return 7; }
    public static int kHighsModelStatusInfeasible() { return 8; }
    public static int kHighsModelStatusUnboundedOrInfeasible() { return 9; }
    public static int kHighsModelStatusUnbounded() { return 10; }
    public static int kHighsModelStatusObjectiveBound() { return 11; }
    public static int kHighsModelStatusObjectiveTarget() { return 12; }
    public static int kHighsModelStatusTimeLimit() { return 13; }
    public static int kHighsModelStatusIterationLimit() { return 14; }
    public static int kHighsModelStatusUnknown() { return 15; }
    public static int kHighsModelStatusSolutionLimit() { return 16; }
    public static int kHighsModelStatusInterrupt() { return 17; }

    // ---------------------------------------------------------------- functions

    private static AssertionError unexpected(Throwable t) {
        return new AssertionError("unexpected checked exception from a downcall", t);
    }

    private static final class Highs_create {
        static final FunctionDescriptor DESC = descriptor(false, P);
        static final MemorySegment ADDR = findOrThrow("Highs_create");
        static final MethodHandle HANDLE = handle(ADDR, DESC);
    }

    /** {@code void* Highs_create(void)} */
    public static MemorySegment Highs_create() {
        try {
            return (MemorySegment) Highs_create.HANDLE.invokeExact();
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static final class Highs_destroy {
        static final FunctionDescriptor DESC = descriptor(false, null, P);
        static final MemorySegment ADDR = findOrThrow("Highs_destroy");
        static final MethodHandle HANDLE = handle(ADDR, DESC);
    }

    /** {@code void Highs_destroy(void* highs)} */
    public static void Highs_destroy(MemorySegment highs) {
        try {
            Highs_destroy.HANDLE.invokeExact(highs);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static final class Highs_version {
        static final FunctionDescriptor DESC = descriptor(false, P);
        static final MemorySegment ADDR = findOrThrow("Highs_version");
        static final MethodHandle HANDLE = handle(ADDR, DESC);
    }

    /** {@code const char* Highs_version(void)} */
    public static MemorySegment Highs_version() {
        try {
            return (MemorySegment) Highs_version.HANDLE.invokeExact();
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static final class Highs_versionMajor {
        static final FunctionDescriptor DESC = descriptor(true, HI);
        static final MemorySegment ADDR = findOrThrow("Highs_versionMajor");
        static final MethodHandle HANDLE = handle(ADDR, DESC);
    }

    /** {@code HighsInt Highs_versionMajor(void)} */
    public static long Highs_versionMajor() {
        try {
            return (long) Highs_versionMajor.HANDLE.invokeExact();
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static final class Highs_versionMinor {
        static final FunctionDescriptor DESC = descriptor(true, HI);
        static final MemorySegment ADDR = findOrThrow("Highs_versionMinor");
        static final MethodHandle HANDLE = handle(ADDR, DESC);
    }

    /** {@code HighsInt Highs_versionMinor(void)} */
    public static long Highs_versionMinor() {
        try {
            return (long) Highs_versionMinor.HANDLE.invokeExact();
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static final class Highs_versionPatch {
        static final FunctionDescriptor DESC = descriptor(true, HI);
        static final MemorySegment ADDR = findOrThrow("Highs_versionPatch");
        static final MethodHandle HANDLE = handle(ADDR, DESC);
    }

    /** {@code HighsInt Highs_versionPatch(void)} */
    public static long Highs_versionPatch() {
        try {
            return (long) Highs_versionPatch.HANDLE.invokeExact();
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static final class Highs_githash {
        static final FunctionDescriptor DESC = descriptor(false, P);
        static final MemorySegment ADDR = findOrThrow("Highs_githash");
        static final MethodHandle HANDLE = handle(ADDR, DESC);
    }

    /** {@code const char* Highs_githash(void)} */
    public static MemorySegment Highs_githash() {
        try {
            return (MemorySegment) Highs_githash.HANDLE.invokeExact();
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static final class Highs_getSizeofHighsInt {
        static final FunctionDescriptor DESC = descriptor(true, HI, P);
        static final MemorySegment ADDR = findOrThrow("Highs_getSizeofHighsInt");
        static final MethodHandle HANDLE = handle(ADDR, DESC);
    }

    /** {@code HighsInt Highs_getSizeofHighsInt(const void* highs)} */
    public static long Highs_getSizeofHighsInt(MemorySegment highs) {
        try {
            return (long) Highs_getSizeofHighsInt.HANDLE.invokeExact(highs);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static final class Highs_passLp {
        static final FunctionDescriptor DESC = descriptor(true, HI,
                P, HI, HI, HI, HI, HI, D, P, P, P, P, P, P, P, P);
        static final MemorySegment ADDR = findOrThrow("Highs_passLp");
        static final MethodHandle HANDLE = handle(ADDR, DESC);
    }

    /**
     * {@code HighsInt Highs_passLp(void* highs, const HighsInt num_col, const HighsInt num_row,
     * const HighsInt num_nz, const HighsInt a_format, const HighsInt sense, const double offset,
     * const double* col_cost, const double* col_lower, const double* col_upper,
     * const double* row_lower, const double* row_upper, const HighsInt* a_start,
     * const HighsInt* a_index, const double* a_value)}
     */
    public static long Highs_passLp(MemorySegment highs, long numCol, long numRow, long numNz, long aFormat, long sense,
                                    double offset, MemorySegment colCost, MemorySegment colLower, MemorySegment colUpper,
                                    MemorySegment rowLower, MemorySegment rowUpper, MemorySegment aStart,
                                    MemorySegment aIndex, MemorySegment aValue) {
        try {
            return (long) Highs_passLp.HANDLE.invokeExact(highs, numCol, numRow, numNz, aFormat, sense, offset, colCost,
                    colLower, colUpper, rowLower, rowUpper, aStart, aIndex, aValue);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static final class Highs_passMip {
        static final FunctionDescriptor DESC = descriptor(true, HI,
                P, HI, HI, HI, HI, HI, D, P, P, P, P, P, P, P, P, P);
        static final MemorySegment ADDR = findOrThrow("Highs_passMip");
        static final MethodHandle HANDLE = handle(ADDR, DESC);
    }

    /**
     * {@code HighsInt Highs_passMip(void* highs, const HighsInt num_col, const HighsInt num_row,
     * const HighsInt num_nz, const HighsInt a_format, const HighsInt sense, const double offset,
     * const double* col_cost, const double* col_lower, const double* col_upper,
     * const double* row_lower, const double* row_upper, const HighsInt* a_start,
     * const HighsInt* a_index, const double* a_value, const HighsInt* integrality)}
     */
    public static long Highs_passMip(MemorySegment highs, long numCol, long numRow, long numNz, long aFormat, long sense,
                                     double offset, MemorySegment colCost, MemorySegment colLower, MemorySegment colUpper,
                                     MemorySegment rowLower, MemorySegment rowUpper, MemorySegment aStart,
                                     MemorySegment aIndex, MemorySegment aValue, MemorySegment integrality) {
        try {
            return (long) Highs_passMip.HANDLE.invokeExact(highs, numCol, numRow, numNz, aFormat, sense, offset, colCost,
                    colLower, colUpper, rowLower, rowUpper, aStart, aIndex, aValue, integrality);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static final class Highs_setBoolOptionValue {
        static final FunctionDescriptor DESC = descriptor(true, HI, P, P, HI);
        static final MemorySegment ADDR = findOrThrow("Highs_setBoolOptionValue");
        static final MethodHandle HANDLE = handle(ADDR, DESC);
    }

    /** {@code HighsInt Highs_setBoolOptionValue(void* highs, const char* option, const HighsInt value)} */
    public static long Highs_setBoolOptionValue(MemorySegment highs, MemorySegment option, long value) {
        try {
            return (long) Highs_setBoolOptionValue.HANDLE.invokeExact(highs, option, value);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static final class Highs_setIntOptionValue {
        static final FunctionDescriptor DESC = descriptor(true, HI, P, P, HI);
        static final MemorySegment ADDR = findOrThrow("Highs_setIntOptionValue");
        static final MethodHandle HANDLE = handle(ADDR, DESC);
    }

    /** {@code HighsInt Highs_setIntOptionValue(void* highs, const char* option, const HighsInt value)} */
    public static long Highs_setIntOptionValue(MemorySegment highs, MemorySegment option, long value) {
        try {
            return (long) Highs_setIntOptionValue.HANDLE.invokeExact(highs, option, value);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static final class Highs_setDoubleOptionValue {
        static final FunctionDescriptor DESC = descriptor(true, HI, P, P, D);
        static final MemorySegment ADDR = findOrThrow("Highs_setDoubleOptionValue");
        static final MethodHandle HANDLE = handle(ADDR, DESC);
    }

    /** {@code HighsInt Highs_setDoubleOptionValue(void* highs, const char* option, const double value)} */
    public static long Highs_setDoubleOptionValue(MemorySegment highs, MemorySegment option, double value) {
        try {
            return (long) Highs_setDoubleOptionValue.HANDLE.invokeExact(highs, option, value);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static final class Highs_setStringOptionValue {
        static final FunctionDescriptor DESC = descriptor(true, HI, P, P, P);
        static final MemorySegment ADDR = findOrThrow("Highs_setStringOptionValue");
        static final MethodHandle HANDLE = handle(ADDR, DESC);
    }

    /** {@code HighsInt Highs_setStringOptionValue(void* highs, const char* option, const char* value)} */
    public static long Highs_setStringOptionValue(MemorySegment highs, MemorySegment option, MemorySegment value) {
        try {
            return (long) Highs_setStringOptionValue.HANDLE.invokeExact(highs, option, value);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static final class Highs_getIntOptionValue {
        static final FunctionDescriptor DESC = descriptor(true, HI, P, P, P);
        static final MemorySegment ADDR = findOrThrow("Highs_getIntOptionValue");
        static final MethodHandle HANDLE = handle(ADDR, DESC);
    }

    /** {@code HighsInt Highs_getIntOptionValue(const void* highs, const char* option, HighsInt* value)} */
    public static long Highs_getIntOptionValue(MemorySegment highs, MemorySegment option, MemorySegment value) {
        try {
            return (long) Highs_getIntOptionValue.HANDLE.invokeExact(highs, option, value);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static final class Highs_run {
        static final FunctionDescriptor DESC = descriptor(true, HI, P);
        static final MemorySegment ADDR = findOrThrow("Highs_run");
        static final MethodHandle HANDLE = handle(ADDR, DESC);
    }

    /** {@code HighsInt Highs_run(void* highs)} */
    public static long Highs_run(MemorySegment highs) {
        try {
            return (long) Highs_run.HANDLE.invokeExact(highs);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static final class Highs_clearSolver {
        static final FunctionDescriptor DESC = descriptor(true, HI, P);
        static final MemorySegment ADDR = findOrThrow("Highs_clearSolver");
        static final MethodHandle HANDLE = handle(ADDR, DESC);
    }

    /** {@code HighsInt Highs_clearSolver(void* highs)} */
    public static long Highs_clearSolver(MemorySegment highs) {
        try {
            return (long) Highs_clearSolver.HANDLE.invokeExact(highs);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static final class Highs_getModelStatus {
        static final FunctionDescriptor DESC = descriptor(true, HI, P);
        static final MemorySegment ADDR = findOrThrow("Highs_getModelStatus");
        static final MethodHandle HANDLE = handle(ADDR, DESC);
    }

    /** {@code HighsInt Highs_getModelStatus(const void* highs)} */
    public static long Highs_getModelStatus(MemorySegment highs) {
        try {
            return (long) Highs_getModelStatus.HANDLE.invokeExact(highs);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static final class Highs_getSolution {
        static final FunctionDescriptor DESC = descriptor(true, HI, P, P, P, P, P);
        static final MemorySegment ADDR = findOrThrow("Highs_getSolution");
        static final MethodHandle HANDLE = handle(ADDR, DESC);
    }

    /**
     * {@code HighsInt Highs_getSolution(const void* highs, double* col_value, double* col_dual,
     * double* row_value, double* row_dual)}
     */
    public static long Highs_getSolution(MemorySegment highs, MemorySegment colValue, MemorySegment colDual,
                                         MemorySegment rowValue, MemorySegment rowDual) {
        try {
            return (long) Highs_getSolution.HANDLE.invokeExact(highs, colValue, colDual, rowValue, rowDual);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static final class Highs_setSolution {
        static final FunctionDescriptor DESC = descriptor(true, HI, P, P, P, P, P);
        static final MemorySegment ADDR = findOrThrow("Highs_setSolution");
        static final MethodHandle HANDLE = handle(ADDR, DESC);
    }

    /**
     * {@code HighsInt Highs_setSolution(void* highs, const double* col_value, const double* row_value,
     * const double* col_dual, const double* row_dual)}
     */
    public static long Highs_setSolution(MemorySegment highs, MemorySegment colValue, MemorySegment rowValue,
                                         MemorySegment colDual, MemorySegment rowDual) {
        try {
            return (long) Highs_setSolution.HANDLE.invokeExact(highs, colValue, rowValue, colDual, rowDual);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static final class Highs_getObjectiveValue {
        static final FunctionDescriptor DESC = descriptor(false, D, P);
        static final MemorySegment ADDR = findOrThrow("Highs_getObjectiveValue");
        static final MethodHandle HANDLE = handle(ADDR, DESC);
    }

    /** {@code double Highs_getObjectiveValue(const void* highs)} */
    public static double Highs_getObjectiveValue(MemorySegment highs) {
        try {
            return (double) Highs_getObjectiveValue.HANDLE.invokeExact(highs);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static final class Highs_getIntInfoValue {
        static final FunctionDescriptor DESC = descriptor(true, HI, P, P, P);
        static final MemorySegment ADDR = findOrThrow("Highs_getIntInfoValue");
        static final MethodHandle HANDLE = handle(ADDR, DESC);
    }

    /** {@code HighsInt Highs_getIntInfoValue(const void* highs, const char* info, HighsInt* value)} */
    public static long Highs_getIntInfoValue(MemorySegment highs, MemorySegment info, MemorySegment value) {
        try {
            return (long) Highs_getIntInfoValue.HANDLE.invokeExact(highs, info, value);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static final class Highs_getInt64InfoValue {
        static final FunctionDescriptor DESC = descriptor(true, HI, P, P, P);
        static final MemorySegment ADDR = findOrThrow("Highs_getInt64InfoValue");
        static final MethodHandle HANDLE = handle(ADDR, DESC);
    }

    /** {@code HighsInt Highs_getInt64InfoValue(const void* highs, const char* info, int64_t* value)} */
    public static long Highs_getInt64InfoValue(MemorySegment highs, MemorySegment info, MemorySegment value) {
        try {
            return (long) Highs_getInt64InfoValue.HANDLE.invokeExact(highs, info, value);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static final class Highs_getDoubleInfoValue {
        static final FunctionDescriptor DESC = descriptor(true, HI, P, P, P);
        static final MemorySegment ADDR = findOrThrow("Highs_getDoubleInfoValue");
        static final MethodHandle HANDLE = handle(ADDR, DESC);
    }

    /** {@code HighsInt Highs_getDoubleInfoValue(const void* highs, const char* info, double* value)} */
    public static long Highs_getDoubleInfoValue(MemorySegment highs, MemorySegment info, MemorySegment value) {
        try {
            return (long) Highs_getDoubleInfoValue.HANDLE.invokeExact(highs, info, value);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static final class Highs_getRunTime {
        static final FunctionDescriptor DESC = descriptor(false, D, P);
        static final MemorySegment ADDR = findOrThrow("Highs_getRunTime");
        static final MethodHandle HANDLE = handle(ADDR, DESC);
    }

    /** {@code double Highs_getRunTime(const void* highs)} */
    public static double Highs_getRunTime(MemorySegment highs) {
        try {
            return (double) Highs_getRunTime.HANDLE.invokeExact(highs);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static final class Highs_getInfinity {
        static final FunctionDescriptor DESC = descriptor(false, D, P);
        static final MemorySegment ADDR = findOrThrow("Highs_getInfinity");
        static final MethodHandle HANDLE = handle(ADDR, DESC);
    }

    /** {@code double Highs_getInfinity(const void* highs)} */
    public static double Highs_getInfinity(MemorySegment highs) {
        try {
            return (double) Highs_getInfinity.HANDLE.invokeExact(highs);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static final class Highs_getNumCol {
        static final FunctionDescriptor DESC = descriptor(true, HI, P);
        static final MemorySegment ADDR = findOrThrow("Highs_getNumCol");
        static final MethodHandle HANDLE = handle(ADDR, DESC);
    }

    /** {@code HighsInt Highs_getNumCol(const void* highs)} */
    public static long Highs_getNumCol(MemorySegment highs) {
        try {
            return (long) Highs_getNumCol.HANDLE.invokeExact(highs);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static final class Highs_getNumRow {
        static final FunctionDescriptor DESC = descriptor(true, HI, P);
        static final MemorySegment ADDR = findOrThrow("Highs_getNumRow");
        static final MethodHandle HANDLE = handle(ADDR, DESC);
    }

    /** {@code HighsInt Highs_getNumRow(const void* highs)} */
    public static long Highs_getNumRow(MemorySegment highs) {
        try {
            return (long) Highs_getNumRow.HANDLE.invokeExact(highs);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }
}
