package dev.mosaic.scheduler.baseline;

import dev.mosaic.scheduler.plan.Plan;
import dev.mosaic.scheduler.plan.Planner;
import dev.mosaic.scheduler.plan.PlanningException;
import dev.mosaic.scheduler.problem.JobTable;
import dev.mosaic.scheduler.problem.Problem;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Replication-aware heuristic, in three steps:
 * <ol>
 *   <li><b>pin</b>: one replica of every expert that has jobs, experts by decreasing work, each on
 *       the worker with room where it would finish earliest (falling back to a largest-memory-first
 *       order when that order cannot pack the replicas);</li>
 *   <li><b>replicate</b>: treating each expert's work as divisible (pinned experts' work stays on
 *       their worker, replicated experts' work is water-filled over their replicas), repeatedly add
 *       the replica of an expert on the bottleneck worker that lowers this fluid makespan most, then
 *       drop replicas whose load time costs more than they save;</li>
 *   <li><b>assign</b>: place the individual jobs with {@link LptAssigner}.</li>
 * </ol>
 * The round-robin plan is evaluated too and the better of the two returned, so greedy is never
 * worse than round-robin. Experts without jobs are not placed (they would only add load time).
 */
public final class GreedyPlanner implements Planner {

    /** Command-line name. */
    public static final String NAME = "greedy";

    private static final double REL_EPS = 1e-9;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Plan plan(Problem problem) {
        long start = System.nanoTime();
        JobTable jobs = problem.jobs();
        Map<String, Object> solver = new LinkedHashMap<>();
        solver.put("method", NAME);
        solver.put("status", "heuristic");

        boolean[][] placed = null;
        int[] jobWorker = null;
        double makespan = Double.POSITIVE_INFINITY;
        String failure = null;
        try {
            placed = new Fluid(problem, jobs).placement();
            jobWorker = LptAssigner.assign(problem, jobs, placed);
            makespan = Schedules.makespan(problem, jobs, placed, jobWorker);
        } catch (PlanningException e) {
            failure = e.getMessage();
        }
        solver.put("greedyMakespanSeconds", Double.isFinite(makespan) ? makespan : null);

        boolean[][] rrPlaced = null;
        int[] rrJobWorker = null;
        double rrMakespan = Double.POSITIVE_INFINITY;
        try {
            rrPlaced = RoundRobinPlanner.placement(problem);
            rrJobWorker = new int[jobs.size()];
            int[] host = new int[problem.experts().size()];
            for (int w = 0; w < rrPlaced.length; w++) {
                for (int e = 0; e < rrPlaced[w].length; e++) {
                    if (rrPlaced[w][e]) {
                        host[e] = w;
                    }
                }
            }
            for (int j = 0; j < jobs.size(); j++) {
                rrJobWorker[j] = host[jobs.expert()[j]];
            }
            rrMakespan = Schedules.makespan(problem, jobs, rrPlaced, rrJobWorker);
        } catch (PlanningException e) {
            if (failure != null) {
                throw new PlanningException("greedy: " + failure + "; " + e.getMessage());
            }
        }
        solver.put("roundRobinMakespanSeconds", Double.isFinite(rrMakespan) ? rrMakespan : null);
        if (rrMakespan <= makespan) {
            placed = rrPlaced;
            jobWorker = rrJobWorker;
            makespan = rrMakespan;
            solver.put("chosen", RoundRobinPlanner.NAME);
        } else {
            solver.put("chosen", NAME);
        }
        if (failure != null) {
            solver.put("note", failure);
        }
        solver.put("replicas", Schedules.replicas(placed));
        solver.put("solveSeconds", (System.nanoTime() - start) / 1e9);
        return Schedules.toPlan(problem, jobs, placed, jobWorker, makespan, solver);
    }

    /** The fluid (divisible-work) model used to choose replicas. */
    static final class Fluid {
        private final Problem problem;
        private final int nw;
        private final int ne;
        private final double[] speed;
        private final double[] memory;
        private final double[] work;
        private final double[] maxFloor;
        private final boolean[] hasJobs;
        private final Integer[] byWork;

        Fluid(Problem problem, JobTable jobs) {
            this.problem = problem;
            nw = problem.workers().size();
            ne = problem.experts().size();
            speed = new double[nw];
            memory = new double[nw];
            for (int w = 0; w < nw; w++) {
                speed[w] = problem.workers().get(w).speed();
                memory[w] = problem.workers().get(w).memoryGiB();
            }
            work = new double[ne];
            maxFloor = new double[ne];
            hasJobs = new boolean[ne];
            for (int j = 0; j < jobs.size(); j++) {
                int e = jobs.expert()[j];
                work[e] += jobs.cost()[j];
                maxFloor[e] = Math.max(maxFloor[e], jobs.floor()[j]);
                hasJobs[e] = true;
            }
            byWork = new Integer[ne];
            for (int e = 0; e < ne; e++) {
                byWork[e] = e;
            }
            Arrays.sort(byWork, (a, b) -> Double.compare(work[b] + load(b), work[a] + load(a)));
        }

        private double load(int e) {
            return problem.experts().get(e).loadSeconds();
        }

        private double mem(int e) {
            return problem.experts().get(e).memoryGiB();
        }

        boolean[][] placement() {
            boolean[][] placed = pin(byWork);
            if (placed == null) {
                Integer[] byMemory = byWork.clone();
                Arrays.sort(byMemory, (a, b) -> Double.compare(mem(b), mem(a)));
                placed = pin(byMemory);
            }
            if (placed == null) {
                throw new PlanningException("greedy: could not fit one replica of every expert into worker memory");
            }
            double[] free = new double[nw];
            for (int w = 0; w < nw; w++) {
                free[w] = memory[w];
                for (int e = 0; e < ne; e++) {
                    free[w] -= placed[w][e] ? mem(e) : 0;
                }
            }
            replicate(placed, free);
            prune(placed, free);
            return placed;
        }

        /** One replica per expert with jobs, in the given order, earliest finish among workers with room. */
        private boolean[][] pin(Integer[] order) {
            boolean[][] placed = new boolean[nw][ne];
            double[] free = memory.clone();
            double[] busy = new double[nw];
            for (int e : order) {
                if (!hasJobs[e]) {
                    continue;
                }
                int best = -1;
                double bestFinish = Double.POSITIVE_INFINITY;
                for (int w = 0; w < nw; w++) {
                    if (mem(e) <= free[w] + 1e-9) {
                        double finish = (busy[w] + work[e] + load(e)) / speed[w];
                        if (finish < bestFinish - 1e-12 || (finish <= bestFinish + 1e-12 && best >= 0 && free[w] > free[best])) {
                            bestFinish = finish;
                            best = w;
                        }
                    }
                }
                if (best < 0) {
                    return null;
                }
                placed[best][e] = true;
                free[best] -= mem(e);
                busy[best] += work[e] + load(e);
            }
            return placed;
        }

        /** Adds replicas of bottleneck experts while the fluid makespan improves. */
        private void replicate(boolean[][] placed, double[] free) {
            double[] time = new double[nw];
            double[] current = evaluate(placed, time);
            while (true) {
                int bottleneck = 0;
                for (int w = 1; w < nw; w++) {
                    if (time[w] > time[bottleneck]) {
                        bottleneck = w;
                    }
                }
                int bestE = -1;
                int bestW = -1;
                double[] best = current;
                for (int e = 0; e < ne; e++) {
                    if (!placed[bottleneck][e] || work[e] <= 0) {
                        continue;
                    }
                    for (int w = 0; w < nw; w++) {
                        if (placed[w][e] || mem(e) > free[w] + 1e-9) {
                            continue;
                        }
                        placed[w][e] = true;
                        double[] v = evaluate(placed, null);
                        placed[w][e] = false;
                        if (better(v, best)) {
                            best = v;
                            bestE = e;
                            bestW = w;
                        }
                    }
                }
                if (bestE < 0) {
                    return;
                }
                placed[bestW][bestE] = true;
                free[bestW] -= mem(bestE);
                current = evaluate(placed, time);
            }
        }

        /** Removes replicas (never an expert's last) whose removal does not worsen the fluid makespan. */
        private void prune(boolean[][] placed, double[] free) {
            double[] current = evaluate(placed, null);
            boolean changed = true;
            while (changed) {
                changed = false;
                for (int e = 0; e < ne; e++) {
                    int count = 0;
                    for (int w = 0; w < nw; w++) {
                        count += placed[w][e] ? 1 : 0;
                    }
                    for (int w = 0; w < nw && count > 1; w++) {
                        if (!placed[w][e]) {
                            continue;
                        }
                        placed[w][e] = false;
                        double[] v = evaluate(placed, null);
                        if (v[0] <= current[0] * (1 + REL_EPS) && better(v, current)) {
                            current = v;
                            free[w] += mem(e);
                            count--;
                            changed = true;
                        } else {
                            placed[w][e] = true;
                        }
                    }
                }
            }
        }

        /** Lexicographic: lower makespan, then (on a tie) a lower sum of squared worker times. */
        private static boolean better(double[] a, double[] b) {
            if (a[0] < b[0] * (1 - REL_EPS)) {
                return true;
            }
            return a[0] <= b[0] * (1 + REL_EPS) && a[1] < b[1] * (1 - REL_EPS);
        }

        /**
         * Fluid makespan of a placement: {makespan, sum of squared worker times}. Fills
         * {@code timeOut} with per-worker times when given.
         */
        double[] evaluate(boolean[][] placed, double[] timeOut) {
            double[] time = timeOut != null ? timeOut : new double[nw];
            Arrays.fill(time, 0);
            int[] hosts = new int[nw];
            double floor = 0;
            for (int w = 0; w < nw; w++) {
                for (int e = 0; e < ne; e++) {
                    if (placed[w][e]) {
                        time[w] += load(e) / speed[w];
                    }
                }
            }
            // Pinned experts first: their work has nowhere else to go.
            for (int e = 0; e < ne; e++) {
                int count = 0;
                int host = -1;
                double fastest = 0;
                for (int w = 0; w < nw; w++) {
                    if (placed[w][e]) {
                        count++;
                        host = w;
                        fastest = Math.max(fastest, speed[w]);
                    }
                }
                if (count > 0) {
                    floor = Math.max(floor, maxFloor[e] / fastest);
                }
                if (count == 1) {
                    time[host] += work[e] / speed[host];
                }
            }
            for (int e : byWork) {
                int k = 0;
                for (int w = 0; w < nw; w++) {
                    if (placed[w][e]) {
                        hosts[k++] = w;
                    }
                }
                if (k > 1) {
                    waterFill(time, hosts, k, work[e]);
                }
            }
            double makespan = floor;
            double squares = 0;
            for (int w = 0; w < nw; w++) {
                makespan = Math.max(makespan, time[w]);
                squares += time[w] * time[w];
            }
            return new double[] {makespan, squares};
        }

        /** Pours {@code amount} of work over the hosts, raising the least-loaded first to a common level. */
        private void waterFill(double[] time, int[] hosts, int k, double amount) {
            // insertion sort of the k hosts by current time
            for (int i = 1; i < k; i++) {
                int h = hosts[i];
                int j = i - 1;
                while (j >= 0 && time[hosts[j]] > time[h]) {
                    hosts[j + 1] = hosts[j];
                    j--;
                }
                hosts[j + 1] = h;
            }
            double sumSpeed = 0;
            double sumTimeSpeed = 0;
            for (int i = 0; i < k; i++) {
                sumSpeed += speed[hosts[i]];
                sumTimeSpeed += time[hosts[i]] * speed[hosts[i]];
                double level = (amount + sumTimeSpeed) / sumSpeed;
                if (i == k - 1 || level <= time[hosts[i + 1]]) {
                    for (int m = 0; m <= i; m++) {
                        time[hosts[m]] = level;
                    }
                    return;
                }
            }
        }
    }

}
