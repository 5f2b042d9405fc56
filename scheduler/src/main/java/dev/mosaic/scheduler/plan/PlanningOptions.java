package dev.mosaic.scheduler.plan;

/**
 * The one set of knobs for planning, shared by every planner; heuristics ignore what they do not
 * use (they run single-threaded and finish in well under the time limit). Immutable and
 * thread-safe; change a field with the {@code withX} methods.
 *
 * @param timeLimitSeconds wall-clock budget of the whole planner, finite and > 0 (the ILP planner
 *                         spends it on heuristics, HiGHS and packing, see its time budget)
 * @param relativeGap stop once {@code (incumbent - bound) / incumbent} is at most this, in [0, 1)
 * @param threads solver threads, >= 1; HiGHS fixes its pool size per process at the first solve,
 *                so only the first request takes effect ({@link SolverInfo#threadsUsed()} says)
 */
public record PlanningOptions(double timeLimitSeconds, double relativeGap, int threads) {

    /** Default relative gap: 1% (the command line's and the benchmarks' setting). */
    public static final double DEFAULT_RELATIVE_GAP = 0.01;

    /** Default time limit: 10 s. */
    public static final double DEFAULT_TIME_LIMIT_SECONDS = 10.0;

    public PlanningOptions {
        if (!(timeLimitSeconds > 0)) {
            throw new IllegalArgumentException("time limit: must be > 0 seconds, got " + timeLimitSeconds);
        }
        if (Double.isInfinite(timeLimitSeconds)) {
            throw new IllegalArgumentException("time limit: must be finite, got " + timeLimitSeconds);
        }
        if (!(relativeGap >= 0 && relativeGap < 1)) {
            throw new IllegalArgumentException("gap: must be in [0, 1), got " + relativeGap);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads: must be >= 1, got " + threads);
        }
    }

    /** 10 s, 1% gap, one thread per available processor. */
    public static PlanningOptions defaults() {
        return new PlanningOptions(DEFAULT_TIME_LIMIT_SECONDS, DEFAULT_RELATIVE_GAP, Runtime.getRuntime().availableProcessors());
    }

    /** A copy with the given time limit in seconds. */
    public PlanningOptions withTimeLimitSeconds(double seconds) {
        return new PlanningOptions(seconds, relativeGap, threads);
    }

    /** A copy with the given relative gap. */
    public PlanningOptions withRelativeGap(double gap) {
        return new PlanningOptions(timeLimitSeconds, gap, threads);
    }

    /** A copy with the given thread count. */
    public PlanningOptions withThreads(int n) {
        return new PlanningOptions(timeLimitSeconds, relativeGap, n);
    }
}
