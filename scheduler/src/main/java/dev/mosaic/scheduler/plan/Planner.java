package dev.mosaic.scheduler.plan;

import dev.mosaic.scheduler.problem.Problem;

/** Builds a {@link Plan} for a validated {@link Problem}. */
public interface Planner {

    /** Short name used on the command line and in reports, e.g. {@code ilp}, {@code greedy}. */
    String name();

    /** Plans the problem; the result is always valid (see {@link PlanEvaluator}). */
    Plan plan(Problem problem);
}
