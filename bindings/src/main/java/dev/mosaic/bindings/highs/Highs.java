package dev.mosaic.bindings.highs;

import dev.mosaic.bindings.highs.internal.highs_c_api_h;

import static dev.mosaic.bindings.highs.internal.highs_c_api_h.C_DOUBLE;
import static dev.mosaic.bindings.highs.internal.highs_c_api_h.C_HIGHSINT;
import static dev.mosaic.bindings.highs.internal.highs_c_api_h.C_LONG_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One HiGHS solver instance: owns the native {@code Highs} object and frees it on {@link #close()}
 * (idempotent). Every call copies its inputs into a confined arena that lives only for that call,
 * since HiGHS copies what it is given. Status codes become {@link HighsException}s that name the
 * call and the HiGHS status. Console output is off unless {@link #setOutput(boolean)} turns it on.
 *
 * <p>Threads: HiGHS runs its parallel tasks on one process-wide scheduler whose size is fixed the
 * first time any instance runs. The first {@link #run()} in the process fixes it (to the request
 * made with {@link #setThreads(int)}, else the number of available processors); later requests for
 * a different size are not honoured (HiGHS would fail the run), and {@link RunResult#threadNote()}
 * says so. Runs are serialised process-wide for the same reason: the scheduler is shared state.
 *
 * <p>An instance is not thread-safe; give each thread its own.
 */
public final class Highs implements AutoCloseable {

    private static final ReentrantLock RUN_LOCK = new ReentrantLock();
    /** Size of HiGHS's process-wide thread pool once fixed by the first run; 0 before. Guarded by RUN_LOCK. */
    private static int poolThreads;

    private MemorySegment handle;
    private int requestedThreads;
    private int numCols;
    private int numRows;

    /**
     * Creates a solver with console output off.
     *
     * @throws HighsException if the loaded library's {@code HighsInt} width is not one these bindings support
     */
    public Highs() {
        requireLibrary();
        checkHighsIntWidth(highs_c_api_h.HIGHSINT_BYTES);
        MemorySegment h = highs_c_api_h.Highs_create();
        if (h.equals(MemorySegment.NULL)) {
            throw new HighsException("Highs_create returned NULL (out of memory?)");
        }
        handle = h;
        setOption("output_flag", false);
    }

    /**
     * Refuses widths the bindings are not written for. {@code HighsInt} is 4 bytes in default
     * builds and 8 with {@code HIGHSINT64}; both are supported by choosing the layout at load.
     */
    static void checkHighsIntWidth(int bytes) {
        if (bytes != 4 && bytes != 8) {
            throw new HighsException("the loaded HiGHS library reports sizeof(HighsInt) = " + bytes
                    + " bytes; these bindings support 4 (default build) or 8 (HIGHSINT64) only");
        }
    }

    /** Width in bytes of {@code HighsInt} in the loaded library. */
    public static int highsIntBytes() {
        requireLibrary();
        return highs_c_api_h.HIGHSINT_BYTES;
    }

    /** HiGHS version string, e.g. {@code 1.9.0}. */
    public static String version() {
        requireLibrary();
        return highs_c_api_h.Highs_versionMajor() + "." + highs_c_api_h.Highs_versionMinor() + "."
                + highs_c_api_h.Highs_versionPatch();
    }

    /** HiGHS version as reported by {@code Highs_version} (may carry a leading {@code v}). */
    public static String versionString() {
        requireLibrary();
        return cString(highs_c_api_h.Highs_version());
    }

    /** Git hash HiGHS was built from. */
    public static String githash() {
        requireLibrary();
        return cString(highs_c_api_h.Highs_githash());
    }

    /**
     * Loads HiGHS (or throws {@link dev.mosaic.bindings.NativeLibraryException}, retryably) before
     * any raw binding class is initialised: a failure inside a class initialiser would poison that
     * class for the rest of the JVM.
     */
    private static void requireLibrary() {
        dev.mosaic.bindings.NativeLibraries.load(dev.mosaic.bindings.NativeLibraries.Library.HIGHS);
    }

    private static String cString(MemorySegment p) {
        return p.equals(MemorySegment.NULL) ? "" : p.getString(0);
    }

    private MemorySegment handle() {
        if (handle == null) {
            throw new IllegalStateException("Highs instance is closed");
        }
        return handle;
    }

    private static void check(long status, String what) {
        HighsStatus s = HighsStatus.of(status);
        if (s == HighsStatus.ERROR) {
            throw new HighsException(what + " failed: HiGHS status " + s);
        }
    }

    /** Turns HiGHS's console log on or off (off by default). */
    public Highs setOutput(boolean on) {
        return setOption("output_flag", on);
    }

    /** Sets a boolean option. */
    public Highs setOption(String name, boolean value) {
        try (Arena arena = Arena.ofConfined()) {
            check(highs_c_api_h.Highs_setBoolOptionValue(handle(), arena.allocateFrom(name), value ? 1 : 0),
                    "Highs_setBoolOptionValue(\"" + name + "\", " + value + ")");
        }
        return this;
    }

    /** Sets an integer option. */
    public Highs setOption(String name, int value) {
        try (Arena arena = Arena.ofConfined()) {
            check(highs_c_api_h.Highs_setIntOptionValue(handle(), arena.allocateFrom(name), value),
                    "Highs_setIntOptionValue(\"" + name + "\", " + value + ")");
        }
        return this;
    }

    /** Sets a floating-point option. */
    public Highs setOption(String name, double value) {
        try (Arena arena = Arena.ofConfined()) {
            check(highs_c_api_h.Highs_setDoubleOptionValue(handle(), arena.allocateFrom(name), value),
                    "Highs_setDoubleOptionValue(\"" + name + "\", " + value + ")");
        }
        return this;
    }

    /** Sets a string option. */
    public Highs setOption(String name, String value) {
        try (Arena arena = Arena.ofConfined()) {
            check(highs_c_api_h.Highs_setStringOptionValue(handle(), arena.allocateFrom(name), arena.allocateFrom(value)),
                    "Highs_setStringOptionValue(\"" + name + "\", \"" + value + "\")");
        }
        return this;
    }

    /** Reads an integer option. */
    public long intOption(String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(C_HIGHSINT);
            check(highs_c_api_h.Highs_getIntOptionValue(handle(), arena.allocateFrom(name), out),
                    "Highs_getIntOptionValue(\"" + name + "\")");
            return readHighsInt(out);
        }
    }

    /** Wall-clock limit of a run, in seconds. */
    public Highs setTimeLimit(double seconds) {
        if (!(seconds > 0)) {
            throw new IllegalArgumentException("time limit must be > 0 seconds, is " + seconds);
        }
        return setOption("time_limit", seconds);
    }

    /** Relative MIP gap at which HiGHS stops. */
    public Highs setMipRelativeGap(double gap) {
        if (!(gap >= 0) || Double.isInfinite(gap)) {
            throw new IllegalArgumentException("relative gap must be a finite number >= 0, is " + gap);
        }
        return setOption("mip_rel_gap", gap);
    }

    /** Requests a thread count (>= 1); see the class comment for why only the first run's request counts. */
    public Highs setThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, is " + threads);
        }
        requestedThreads = threads;
        return this;
    }

    /** Size of HiGHS's process-wide thread pool, or 0 if no run has fixed it yet. */
    public static int poolThreads() {
        RUN_LOCK.lock();
        try {
            return poolThreads;
        } finally {
            RUN_LOCK.unlock();
        }
    }

    /** Passes a model (replacing any previous one). */
    public void passModel(MipModel m) {
        int width = highs_c_api_h.HIGHSINT_BYTES;
        MemorySegment h = handle();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cost = arena.allocateFrom(ValueLayout.JAVA_DOUBLE, m.colCostArray());
            MemorySegment colLo = arena.allocateFrom(ValueLayout.JAVA_DOUBLE, m.colLowerArray());
            MemorySegment colHi = arena.allocateFrom(ValueLayout.JAVA_DOUBLE, m.colUpperArray());
            MemorySegment rowLo = arena.allocateFrom(ValueLayout.JAVA_DOUBLE, m.rowLowerArray());
            MemorySegment rowHi = arena.allocateFrom(ValueLayout.JAVA_DOUBLE, m.rowUpperArray());
            MemorySegment start = highsInts(arena, m.rowStartArray());
            MemorySegment index = highsInts(arena, m.indexArray());
            MemorySegment value = arena.allocateFrom(ValueLayout.JAVA_DOUBLE, m.valueArray());
            String what = "Highs_pass" + (m.hasIntegerColumns() ? "Mip" : "Lp") + " (" + m.numCols() + " columns, "
                    + m.numRows() + " rows, " + m.numNonzeros() + " nonzeros, HighsInt " + width + " bytes)";
            long status;
            if (m.hasIntegerColumns()) {
                HighsVarType[] types = m.integralityArray();
                int[] codes = new int[types.length];
                for (int c = 0; c < types.length; c++) {
                    codes[c] = types[c].code();
                }
                status = highs_c_api_h.Highs_passMip(h, m.numCols(), m.numRows(), m.numNonzeros(),
                        highs_c_api_h.kHighsMatrixFormatRowwise(), m.sense().code(), m.offset(), cost, colLo, colHi,
                        rowLo, rowHi, start, index, value, highsInts(arena, codes));
            } else {
                status = highs_c_api_h.Highs_passLp(h, m.numCols(), m.numRows(), m.numNonzeros(),
                        highs_c_api_h.kHighsMatrixFormatRowwise(), m.sense().code(), m.offset(), cost, colLo, colHi,
                        rowLo, rowHi, start, index, value);
            }
            check(status, what);
        }
        numCols = m.numCols();
        numRows = m.numRows();
    }

    private static MemorySegment highsInts(Arena arena, int[] values) {
        if (C_HIGHSINT.byteSize() == 4) {
            return arena.allocateFrom(ValueLayout.JAVA_INT, values.length == 0 ? new int[1] : values);
        }
        long[] wide = new long[Math.max(1, values.length)];
        for (int i = 0; i < values.length; i++) {
            wide[i] = values[i];
        }
        return arena.allocateFrom(ValueLayout.JAVA_LONG, wide);
    }

    private static long readHighsInt(MemorySegment s) {
        return C_HIGHSINT.byteSize() == 4 ? s.get(ValueLayout.JAVA_INT, 0) : s.get(ValueLayout.JAVA_LONG, 0);
    }

    /**
     * Gives HiGHS a starting primal solution (a MIP start). HiGHS checks it at the start of the
     * next run and keeps it as the incumbent if it is feasible.
     */
    public void setSolution(double[] colValues) {
        MemorySegment h = handle();
        if (colValues.length != numCols) {
            throw new IllegalArgumentException("setSolution: " + colValues.length + " values for a model with " + numCols + " columns");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cv = arena.allocateFrom(ValueLayout.JAVA_DOUBLE, colValues);
            check(highs_c_api_h.Highs_setSolution(h, cv, MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL),
                    "Highs_setSolution (" + numCols + " columns)");
        }
    }

    /** Outcome of a run. Immutable; thread-safe. */
    public record RunResult(HighsStatus status, HighsModelStatus modelStatus, boolean hasFeasibleSolution,
                            double seconds, int threads, String threadNote) {}

    /**
     * Solves the passed model. A run stopped by a limit returns {@link HighsStatus#WARNING}; check
     * {@link RunResult#hasFeasibleSolution()} before reading a solution.
     *
     * @throws HighsException if HiGHS reports an error
     */
    public RunResult run() {
        MemorySegment h = handle();
        if (numCols == 0 && numRows == 0) {
            throw new IllegalStateException("run: no model passed (call passModel first)");
        }
        RUN_LOCK.lock();
        try {
            int wanted = requestedThreads > 0 ? requestedThreads : Runtime.getRuntime().availableProcessors();
            if (poolThreads == 0) {
                poolThreads = wanted;
            }
            String note = wanted == poolThreads ? ""
                    : "requested " + wanted + " threads; HiGHS's process-wide pool was fixed at " + poolThreads
                    + " by the first solve in this process";
            setOption("threads", poolThreads);
            long t0 = System.nanoTime();
            long raw = highs_c_api_h.Highs_run(h);
            double seconds = (System.nanoTime() - t0) / 1e9;
            HighsStatus status = HighsStatus.of(raw);
            HighsModelStatus model = HighsModelStatus.of(highs_c_api_h.Highs_getModelStatus(h));
            if (status == HighsStatus.ERROR) {
                throw new HighsException("Highs_run failed: HiGHS status " + status + ", model status " + model);
            }
            return new RunResult(status, model, hasFeasibleSolution(), seconds, poolThreads, note);
        } finally {
            RUN_LOCK.unlock();
        }
    }

    /** Model status of the last run. */
    public HighsModelStatus modelStatus() {
        return HighsModelStatus.of(highs_c_api_h.Highs_getModelStatus(handle()));
    }

    /** True if the last run left a primal feasible solution (an optimum or, after a limit, an incumbent). */
    public boolean hasFeasibleSolution() {
        MemorySegment h = handle();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(C_HIGHSINT);
            long status = highs_c_api_h.Highs_getIntInfoValue(h, arena.allocateFrom("primal_solution_status"), out);
            if (HighsStatus.of(status) == HighsStatus.ERROR) {
                return false; // info is invalid before a run
            }
            return readHighsInt(out) == highs_c_api_h.kHighsSolutionStatusFeasible();
        }
    }

    /**
     * Column values of the last run's feasible solution.
     *
     * @throws IllegalStateException if the run found no feasible solution
     */
    public double[] solution() {
        MemorySegment h = handle();
        if (!hasFeasibleSolution()) {
            throw new IllegalStateException("no feasible solution (model status " + modelStatus() + ")");
        }
        try (Arena arena = Arena.ofConfined()) {
            // All four buffers are passed: older HiGHS releases write every array unconditionally.
            MemorySegment cv = arena.allocate(C_DOUBLE, Math.max(1, numCols));
            MemorySegment cd = arena.allocate(C_DOUBLE, Math.max(1, numCols));
            MemorySegment rv = arena.allocate(C_DOUBLE, Math.max(1, numRows));
            MemorySegment rd = arena.allocate(C_DOUBLE, Math.max(1, numRows));
            check(highs_c_api_h.Highs_getSolution(h, cv, cd, rv, rd), "Highs_getSolution");
            double[] x = new double[numCols];
            MemorySegment.copy(cv, C_DOUBLE, 0, x, 0, numCols);
            return x;
        }
    }

    /** Objective value of the current solution. */
    public double objectiveValue() {
        return highs_c_api_h.Highs_getObjectiveValue(handle());
    }

    /** An integer info value such as {@code primal_solution_status} or {@code simplex_iteration_count}. */
    public long intInfo(String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(C_HIGHSINT);
            check(highs_c_api_h.Highs_getIntInfoValue(handle(), arena.allocateFrom(name), out), "Highs_getIntInfoValue(\"" + name + "\")");
            return readHighsInt(out);
        }
    }

    /** A 64-bit info value such as {@code mip_node_count}. */
    public long int64Info(String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(C_LONG_LONG);
            check(highs_c_api_h.Highs_getInt64InfoValue(handle(), arena.allocateFrom(name), out), "Highs_getInt64InfoValue(\"" + name + "\")");
            return out.get(C_LONG_LONG, 0);
        }
    }

    /** A floating-point info value such as {@code mip_gap} or {@code mip_dual_bound}. */
    public double doubleInfo(String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(C_DOUBLE);
            check(highs_c_api_h.Highs_getDoubleInfoValue(handle(), arena.allocateFrom(name), out), "Highs_getDoubleInfoValue(\"" + name + "\")");
            return out.get(C_DOUBLE, 0);
        }
    }

    /** Cumulative seconds HiGHS has spent in runs of this instance. */
    public double runTimeSeconds() {
        return highs_c_api_h.Highs_getRunTime(handle());
    }

    /** Forgets the solution and solver state, keeping the model and options. */
    public void clearSolver() {
        check(highs_c_api_h.Highs_clearSolver(handle()), "Highs_clearSolver");
    }

    /** Frees the native solver; later calls throw {@link IllegalStateException}; closing twice is harmless. */
    @Override
    public void close() {
        MemorySegment h = handle;
        handle = null;
        if (h != null) {
            highs_c_api_h.Highs_destroy(h);
        }
    }
}
