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
 * and skew, which is exactly what MOSAIC improves on. Placement constraints: pinned replicas are
 * placed first; an expert already loaded on a worker with room keeps that replica (next to its
 * pins, if any) and it serves the expert's jobs; otherwise a pinned replica does, and only an
 * expert with neither is placed round-robin; forbidden workers are skipped. Stateless and thread-safe.
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
        schedule = new IndexedPlan(schedule.placed(), jobWorkers(problem, jobs, schedule.placed()));
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
        boolean[][] pinned = problem.pinned();
        boolean[][] loaded = problem.loaded();
        boolean[] done = new boolean[ne];
        // Pinned replicas first (the validator checked that they fit); they can serve their expert's jobs.
        for (int w = 0; w < nw; w++) {
            for (int e = 0; e < ne; e++) {
                if (pinned[w][e]) {
                    placed[w][e] = true;
                    free[w] -= problem.experts().get(e).memoryGiB();
                    done[e] |= loaded[w][e];
                }
            }
        }
        for (int e = 0; e < ne; e++) {
            Expert ex = problem.experts().get(e);
            // A worker that already holds the expert costs no load time: it goes first, next to any pins.
            for (int w = 0; w < nw && !done[e]; w++) {
                if (placed[w][e]) {
                    continue;
                }
                if (loaded[w][e] && allowed[w][e] && ex.memoryGiB() <= free[w] + 1e-9) {
                    placed[w][e] = true;
                    free[w] -= ex.memoryGiB();
                    done[e] = true;
                }
            }
            for (int w = 0; w < nw && !done[e]; w++) {
                done[e] = pinned[w][e];
            }
            for (int k = 0; k < nw && !done[e]; k++) {
                int w = (e + k) % nw;
                if (allowed[w][e] && ex.memoryGiB() <= free[w] + 1e-9) {
                    placed[w][e] = true;
                    free[w] -= ex.memoryGiB();
                    done[e] = true;
                }
            }
            if (!done[e]) {
                throw new PlanningException("round-robin: no worker has room left for expert " + ex.id() + " (needs " + ex.memoryGiB() + " GiB)");
            }
        }
        return placed;
    }

    /**
     * Every job on one replica of its expert: the only one in a one-replica-per-expert placement,
     * else (pinned replicas next to it) the first with the smallest load time.
     */
    static int[] jobWorkers(Problem problem, JobTable jobs, boolean[][] placed) {
        int ne = placed.length == 0 ? 0 : placed[0].length;
        double[][] loadSeconds = problem.loadSecondsTable();
        int[] host = new int[ne];
        java.util.Arrays.fill(host, -1);
        for (int w = 0; w < placed.length; w++) {
            for (int e = 0; e < ne; e++) {
                if (placed[w][e] && (host[e] < 0 || loadSeconds[w][e] / problem.workers().get(w).speed()
                        < loadSeconds[host[e]][e] / problem.workers().get(host[e]).speed())) {
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
