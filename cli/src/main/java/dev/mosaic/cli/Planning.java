package dev.mosaic.cli;

import dev.mosaic.scheduler.baseline.RoundRobinPlanner;
import dev.mosaic.scheduler.plan.Plan;
import dev.mosaic.scheduler.plan.PlanEvaluator;
import dev.mosaic.scheduler.plan.Planner;
import dev.mosaic.scheduler.plan.PlanningOptions;
import dev.mosaic.scheduler.Planners;
import dev.mosaic.scheduler.plan.PlanningException;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.problem.ProblemIo;
import dev.mosaic.scheduler.problem.ProblemValidationException;
import java.nio.file.Path;

/** Shared steps of the planning commands: reading problems, running planners, checking plans. */
final class Planning {

    /** A plan with its independently evaluated makespan and the wall time the planner took. */
    record Result(String method, Plan plan, PlanEvaluator.Evaluation evaluation, double wallSeconds) {
        double makespan() {
            return evaluation.makespanSeconds();
        }
    }

    private Planning() {}

    static Problem read(Path file) {
        HeapBudget.checkProblemFile(file);
        try {
            return ProblemIo.read(file);
        } catch (ProblemValidationException e) {
            throw new BadInputException(e.getMessage(), e);
        }
    }

    static Planner planner(String method, PlanningOptions options) {
        try {
            return Planners.create(method, options);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(e.getMessage(), e);
        }
    }

    /** Runs a planner and checks its plan with the evaluator (an invalid plan is a bug: exit 1). */
    static Result run(String method, Planner planner, Problem problem) {
        long start = System.nanoTime();
        Plan plan = planner.plan(problem);
        double wall = (System.nanoTime() - start) / 1e9;
        return new Result(method, plan, PlanEvaluator.evaluate(problem, plan).requireValid(), wall);
    }

    /** The round-robin makespan, or NaN when round-robin cannot place the experts. */
    static double roundRobinMakespan(Problem problem) {
        try {
            return run(RoundRobinPlanner.NAME, new RoundRobinPlanner(), problem).makespan();
        } catch (PlanningException e) {
            return Double.NaN;
        }
    }

    static String speedup(double roundRobin, double makespan) {
        return Double.isNaN(roundRobin) || makespan <= 0 ? "n/a" : TextTable.times(roundRobin / makespan);
    }

    /** The default method: the ILP when it is registered, else greedy. */
    static String defaultMethod() {
        return Planners.exists("ilp") ? "ilp" : "greedy";
    }
}
