package dev.mosaic.scheduler.plan;

/**
 * Knobs shared by planners; heuristics ignore what they do not use.
 *
 * @param timeLimitSeconds wall-clock limit for a solver, > 0
 * @param relativeGap stop once {@code (incumbent - bound) / incumbent} is at most this, in [0, 1)
 * @param threads solver threads, >= 1
 */
public record PlannerOptions(double timeLimitSeconds, double relativeGap, int threads) {

    public PlannerOptions {
        if (!(timeLimitSeconds > 0) || Double.isNaN(timeLimitSeconds)) {
            throw new IllegalArgumentException("time limit: must be > 0 seconds, got " + timeLimitSeconds);
        }
        if (!(relativeGap >= 0 && relativeGap < 1)) {
            throw new IllegalArgumentException("gap: must be in [0, 1), got " + relativeGap);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads: must be >= 1, got " + threads);
        }
    }

    /** 10 s, 1% gap, one thread per available processor. */
    public static PlannerOptions defaults() {
        return new PlannerOptions(10.0, 0.01, Runtime.getRuntime().availableProcessors());
    }
}
