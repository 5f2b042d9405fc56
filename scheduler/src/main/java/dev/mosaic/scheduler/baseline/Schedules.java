package dev.mosaic.scheduler.baseline;

import dev.mosaic.scheduler.plan.Assignment;
import dev.mosaic.scheduler.plan.LowerBounds;
import dev.mosaic.scheduler.plan.Plan;
import dev.mosaic.scheduler.problem.JobTable;
import dev.mosaic.scheduler.problem.Problem;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Index-based schedules (placement matrix + job-to-worker array) and their conversion to {@link Plan}s. */
final class Schedules {

    private Schedules() {}

    /** Makespan of a schedule under the problem's cost model (same formula as PlanEvaluator). */
    static double makespan(Problem problem, JobTable jobs, boolean[][] placed, int[] jobWorker) {
        int nw = problem.workers().size();
        double[] work = new double[nw];
        for (int w = 0; w < nw; w++) {
            for (int e = 0; e < placed[w].length; e++) {
                if (placed[w][e]) {
                    work[w] += problem.experts().get(e).loadSeconds();
                }
            }
        }
        double floor = 0;
        for (int j = 0; j < jobs.size(); j++) {
            int w = jobWorker[j];
            work[w] += jobs.cost()[j];
            floor = Math.max(floor, jobs.floor()[j] / problem.workers().get(w).speed());
        }
        double makespan = floor;
        for (int w = 0; w < nw; w++) {
            makespan = Math.max(makespan, work[w] / problem.workers().get(w).speed());
        }
        return makespan;
    }

    /** Builds the public plan: placement in worker then expert order, assignments in job order. */
    static Plan toPlan(Problem problem, JobTable jobs, boolean[][] placed, int[] jobWorker, double makespan,
                       Map<String, Object> solver) {
        Map<String, List<String>> placement = new LinkedHashMap<>();
        for (int w = 0; w < placed.length; w++) {
            List<String> experts = new ArrayList<>();
            for (int e = 0; e < placed[w].length; e++) {
                if (placed[w][e]) {
                    experts.add(problem.experts().get(e).id());
                }
            }
            placement.put(problem.workers().get(w).id(), experts);
        }
        List<Assignment> assignment = new ArrayList<>(jobs.size());
        for (int j = 0; j < jobs.size(); j++) {
            assignment.add(new Assignment(problem.prompts().get(jobs.prompt()[j]).id(),
                    problem.experts().get(jobs.expert()[j]).id(), problem.workers().get(jobWorker[j]).id()));
        }
        double bound = Math.min(makespan, LowerBounds.compute(problem, jobs).best());
        return new Plan(placement, assignment, makespan, bound, Plan.gap(makespan, bound), solver);
    }

    static int replicas(boolean[][] placed) {
        int n = 0;
        for (boolean[] row : placed) {
            for (boolean b : row) {
                n += b ? 1 : 0;
            }
        }
        return n;
    }
}
