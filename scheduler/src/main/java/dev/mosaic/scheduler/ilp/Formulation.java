package dev.mosaic.scheduler.ilp;

import dev.mosaic.bindings.highs.MipModel;
import java.util.List;
import java.util.Map;

/**
 * A MIP formulation of the planning problem that {@link PlacementIlp} hands to HiGHS: the model,
 * a MIP start built from a whole-job schedule, and the way back from a MIP solution to whole-job
 * schedules. Its objective is a makespan and its dual bound a valid lower bound on every plan no
 * worse than the incumbent it was built with (argued on each implementation).
 */
interface Formulation {

    /** Name recorded in the plan ({@code per-job}, {@code aggregated}). */
    String name();

    /** The model, built once. */
    MipModel model();

    /** Model size and structure facts for the plan's solver details. */
    Map<String, Object> facts();

    /** Column values of a MIP start from a valid whole-job schedule ({@code jobWorker} per job). */
    double[] warmStart(int[] jobWorker);

    /**
     * Whole-job schedules realising a MIP solution, each already improved by {@link LocalSearch}
     * against the true makespan (the caller keeps the best).
     *
     * @param order jobs by decreasing cost ({@link JobPacker#byDecreasingCost})
     * @param cap latency-floor cap for packing and local search
     * @param goal local search stops once at or below this makespan
     * @param deadlineNanos local search stops at this {@link System#nanoTime()}
     */
    List<Schedule> realise(double[] solution, int[] order, double cap, double goal, long deadlineNanos);

    /**
     * The exact per-job model for tiny instances (at most {@link PlacementIlp#PER_JOB_LIMIT}
     * job-worker pairs), else the aggregated model whose size is workers x experts.
     *
     * @param upper makespan of the incumbent (caps the model: {@code T <= upper})
     * @param lower a proven lower bound ({@code T >= lower})
     */
    static Formulation choose(Instance in, double upper, double lower) {
        return perJob(in) ? new PerJobModel(in, upper, lower) : new AggregatedModel(in, upper, lower);
    }

    /** Whether {@link #choose} picks the per-job model for {@code in}. */
    static boolean perJob(Instance in) {
        return (long) in.nj * in.nw <= PlacementIlp.PER_JOB_LIMIT;
    }
}
