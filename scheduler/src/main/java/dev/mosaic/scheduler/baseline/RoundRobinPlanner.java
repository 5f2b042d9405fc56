package dev.mosaic.scheduler.baseline;

import dev.mosaic.scheduler.plan.IndexedPlan;
import dev.mosaic.scheduler.plan.LowerBounds;
import dev.mosaic.scheduler.plan.Plan;
import dev.mosaic.scheduler.plan.Planner;
import dev.mosaic.scheduler.plan.PlanningException;
import dev.mosaic.scheduler.plan.SolverInfo;
import dev.mosaic.scheduler.problem.Expert;
import dev.mosaic.scheduler.problem.JobTable;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.problem.ProblemValidator;
import java.util.Map;

/**
 * The paper's baseline: expert i gets one replica on worker {@code i mod W}, or on the next worker
 * (cyclically) with room for it, and every job runs on its expert's only replica. It ignores load
 * and skew, which is exactly what MOSAIC improves on. Stateless and thread-safe.
 */
public final class RoundRobinPlanner implements Planner {

    /** Command-line name. */
    public static final String NAME = "round-robin";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Plan plan(Problem problem) {
        ProblemValidator.validate(problem);
        long start = System.nanoTime();
        JobTable jobs = problem.jobs();
        IndexedPlan schedule = new IndexedPlan(placement(problem), null);
        schedule = new IndexedPlan(schedule.placed(), jobWorkers(jobs, schedule.placed()));
        double makespan = schedule.makespan(problem, jobs);
        SolverInfo solver = SolverInfo.heuristic(NAME, (System.nanoTime() - start) / 1e9, Map.of("replicas", schedule.replicas()));
        return schedule.toPlan(problem, jobs, makespan, LowerBounds.compute(problem, jobs).best(), solver);
    }

    /** The round-robin placement matrix {@code [worker][expert]}; throws if some expert finds no room. */
    static boolean[][] placement(Problem problem) {
        int nw = problem.workers().size();
        int ne = problem.experts().size();
        boolean[][] placed = new boolean[nw][ne];
        double[] free = new double[nw];
        for (int w = 0; w < nw; w++) {
            free[w] = problem.workers().get(w).memoryGiB();
        }
        boolean[][] allowed = problem.allowed();
        for (int e = 0; e < ne; e++) {
            Expert ex = problem.experts().get(e);
            boolean done = false;
            for (int k = 0; k < nw && !done; k++) {
                int w = (e + k) % nw;
                if (allowed[w][e] && ex.memoryGiB() <= free[w] + 1e-9) {
                    placed[w][e] = true;
                    free[w] -= ex.memoryGiB();
                    done = true;
                }
            }
            if (!done) {
                throw new PlanningException("round-robin: no worker has room left for expert " + ex.id() + " (needs " + ex.memoryGiB() + " GiB)");
            }
        }
        return placed;
    }

    /** Every job on its expert's only replica in a one-replica-per-expert placement. */
    static int[] jobWorkers(JobTable jobs, boolean[][] placed) {
        int ne = placed.length == 0 ? 0 : placed[0].length;
        int[] host = new int[ne];
        for (int w = 0; w < placed.length; w++) {
            for (int e = 0; e < ne; e++) {
                if (placed[w][e]) {
                    host[e] = w;
                }
            }
        }
        int[] jobWorker = new int[jobs.size()];
        for (int j = 0; j < jobs.size(); j++) {
            jobWorker[j] = host[jobs.expert()[j]];
        }
        return jobWorker;
    }
}
