package dev.mosaic.scheduler.plan;

import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.problem.ProblemValidationException;

/**
 * Builds a {@link Plan} for a {@link Problem}.
 *
 * <p>Thread safety: the planners in this library hold only their immutable options, so one
 * instance may plan several problems concurrently; the ILP planner's HiGHS runs are serialised
 * process-wide by the bindings (HiGHS has one global thread pool).
 */
public interface Planner {

    /** Short name used on the command line and in reports, e.g. {@code ilp}, {@code greedy}. */
    String name();

    /**
     * Plans the problem; the result is always valid (see {@link PlanEvaluator}).
     *
     * @throws ProblemValidationException if the problem is invalid (the same exception, listing
     *         every problem, that {@link dev.mosaic.scheduler.problem.ProblemValidator#validate} throws)
     * @throws PlanningException if the problem is valid but this planner cannot plan it
     */
    Plan plan(Problem problem);
}
