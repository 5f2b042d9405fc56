package dev.mosaic.scheduler.plan;

import dev.mosaic.scheduler.problem.JobTable;
import dev.mosaic.scheduler.problem.Problem;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The planners' one indexed form of a schedule, and the one makespan function they share.
 * Indices follow the problem's lists: {@code placed[worker][expert]} says which experts have a
 * replica on which worker, {@code jobWorker[job]} which worker runs each job of the problem's
 * {@link JobTable}; work shares, where a planner uses them, are {@code double[worker][expert]}
 * (speed-1 seconds) likewise. {@link PlanEvaluator} stays the independent checker of the public
 * {@link Plan}; this class is what planners compute with.
 *
 * <p>Not thread-safe: the arrays are the caller's and are not copied.
 *
 * @param placed replica matrix {@code [worker][expert]}
 * @param jobWorker worker index per job
 */
public record IndexedPlan(boolean[][] placed, int[] jobWorker) {

    /**
     * The makespan of a schedule under the problem's cost model: a worker's load is the load time
     * of its replicas plus the cost of its jobs, all divided by its speed; the makespan is the
     * larger of the largest load and the largest job latency floor ({@code floor / speed} of the
     * job's worker). The same formula {@link PlanEvaluator} applies to a {@link Plan}.
     *
     * @param speed worker speeds
     * @param loadSeconds per-expert load time at speed 1
     * @param jobs the problem's jobs (expert, cost, floor per job)
     * @param workerLoad filled with each worker's load when non-null (length = workers)
     */
    public static double makespan(double[] speed, double[] loadSeconds, JobTable jobs, boolean[][] placed,
                                  int[] jobWorker, double[] workerLoad) {
        double[][] table = new double[speed.length][];
        java.util.Arrays.fill(table, loadSeconds);
        return makespan(speed, table, jobs, placed, jobWorker, workerLoad);
    }

    /**
     * As {@link #makespan(double[], double[], JobTable, boolean[][], int[], double[])} with load
     * times per (worker, expert) at speed 1 ({@link Problem#loadSecondsTable()}: 0 where a replica
     * is already loaded).
     */
    public static double makespan(double[] speed, double[][] loadSeconds, JobTable jobs, boolean[][] placed,
                                  int[] jobWorker, double[] workerLoad) {
        int nw = speed.length;
        double[] load = workerLoad != null ? workerLoad : new double[nw];
        java.util.Arrays.fill(load, 0);
        for (int w = 0; w < nw; w++) {
            for (int e = 0; e < placed[w].length; e++) {
                if (placed[w][e]) {
                    load[w] += loadSeconds[w][e] / speed[w];
                }
            }
        }
        double[] cost = jobs.cost();
        double[] floor = jobs.floor();
        double maxFloor = 0;
        for (int j = 0; j < jobWorker.length; j++) {
            int w = jobWorker[j];
            load[w] += cost[j] / speed[w];
            maxFloor = Math.max(maxFloor, floor[j] / speed[w]);
        }
        double makespan = maxFloor;
        for (double l : load) {
            makespan = Math.max(makespan, l);
        }
        return makespan;
    }

    /** {@link #makespan(double[], double[], JobTable, boolean[][], int[], double[])} reading speeds and load times from the problem. */
    public static double makespan(Problem problem, JobTable jobs, boolean[][] placed, int[] jobWorker) {
        return makespan(speeds(problem), problem.loadSecondsTable(), jobs, placed, jobWorker, null);
    }

    /** This schedule's makespan on {@code problem}. */
    public double makespan(Problem problem, JobTable jobs) {
        return makespan(problem, jobs, placed, jobWorker);
    }

    /** Worker speeds in problem order. */
    public static double[] speeds(Problem problem) {
        double[] s = new double[problem.workers().size()];
        for (int w = 0; w < s.length; w++) {
            s[w] = problem.workers().get(w).speed();
        }
        return s;
    }

    /** Expert load times (speed 1) in problem order, ignoring {@code placement.loaded} (see {@link Problem#loadSecondsTable()}). */
    public static double[] loadSeconds(Problem problem) {
        double[] s = new double[problem.experts().size()];
        for (int e = 0; e < s.length; e++) {
            s[e] = problem.experts().get(e).loadSeconds();
        }
        return s;
    }

    /** Number of replicas placed. */
    public int replicas() {
        int n = 0;
        for (boolean[] row : placed) {
            for (boolean b : row) {
                n += b ? 1 : 0;
            }
        }
        return n;
    }

    /**
     * The public plan: placement in worker then expert order, assignments in job order.
     *
     * @param lowerBound a proven lower bound; capped at {@code makespan} (a bound above a plan we
     *                   hold would only be numerical noise)
     */
    public Plan toPlan(Problem problem, JobTable jobs, double makespan, double lowerBound, SolverInfo solver) {
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
        double bound = Math.min(makespan, lowerBound);
        return new Plan(placement, assignment, makespan, bound, Plan.gap(makespan, bound), solver);
    }
}
