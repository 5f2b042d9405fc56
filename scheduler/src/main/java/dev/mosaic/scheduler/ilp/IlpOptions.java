package dev.mosaic.scheduler.ilp;

import dev.mosaic.scheduler.plan.PlannerOptions;

/**
 * Options of {@link PlacementIlp}.
 *
 * @param timeLimitSeconds wall-clock budget of the whole planner (HiGHS gets most of it, the
 *                         per-job packing and local search the rest)
 * @param relativeGap relative MIP gap at which HiGHS may stop (0.005 = 0.5%)
 * @param threads HiGHS threads; HiGHS fixes its pool size per process at the first solve, so
 *                only the first planner's request takes effect (reported in the plan's solver map)
 */
public record IlpOptions(double timeLimitSeconds, double relativeGap, int threads) {

    public IlpOptions {
        if (!(timeLimitSeconds > 0) || Double.isInfinite(timeLimitSeconds)) {
            throw new IllegalArgumentException("timeLimitSeconds: must be a finite number > 0, is " + timeLimitSeconds);
        }
        if (!(relativeGap >= 0) || relativeGap >= 1) {
            throw new IllegalArgumentException("relativeGap: must be in [0, 1), is " + relativeGap);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads: must be >= 1, is " + threads);
        }
    }

    /** 10 s, 0.5% gap, one thread per available processor. */
    public static IlpOptions defaults() {
        return new IlpOptions(10.0, 0.005, Runtime.getRuntime().availableProcessors());
    }

    /** The shared planner options (command line) as ILP options. */
    public static IlpOptions from(PlannerOptions o) {
        return new IlpOptions(o.timeLimitSeconds(), o.relativeGap(), o.threads());
    }

    public IlpOptions withTimeLimit(double seconds) {
        return new IlpOptions(seconds, relativeGap, threads);
    }

    public IlpOptions withRelativeGap(double gap) {
        return new IlpOptions(timeLimitSeconds, gap, threads);
    }

    public IlpOptions withThreads(int n) {
        return new IlpOptions(timeLimitSeconds, relativeGap, n);
    }
}
