package dev.mosaic.scheduler.baseline;

import dev.mosaic.scheduler.plan.PlanningException;
import dev.mosaic.scheduler.problem.JobTable;
import dev.mosaic.scheduler.problem.Problem;
import java.util.Arrays;

/**
 * Assigns jobs to replicas for a fixed placement by longest-processing-time-first list
 * scheduling on related machines: jobs of single-replica experts have no choice and go first;
 * the others, largest first, each go to the replica host where they would finish earliest
 * (respecting the job's latency floor on that worker's speed). Replicas that receive no job are
 * dropped from the placement afterwards, since they would only add load time, except pinned ones
 * ({@code placement.pinned}).
 *
 * <p>Stateless and thread-safe (the arrays passed in belong to the caller and are written only where documented).
 */
public final class LptAssigner {

    private LptAssigner() {}

    /**
     * Returns {@code jobWorker} (worker index per job) for the placement {@code placed[worker][expert]},
     * clearing entries of {@code placed} for replicas left without work (when the expert keeps another).
     */
    public static int[] assign(Problem problem, JobTable jobs, boolean[][] placed) {
        return assign(problem, jobs, placed, null);
    }

    /**
     * As {@link #assign(Problem, JobTable, boolean[][])}, but when {@code shares[worker][expert]}
     * (work at speed 1 each replica should get, e.g. from a fluid model) is given, a replicated
     * expert's jobs, largest first, go to the replica with the most of its share left. Either
     * way the result is then improved by moving single jobs off the most loaded worker.
     */
    public static int[] assign(Problem problem, JobTable jobs, boolean[][] placed, double[][] shares) {
        int nw = problem.workers().size();
        int ne = problem.experts().size();
        double[] speed = new double[nw];
        double[] time = new double[nw];
        int[][] hosts = new int[ne][];
        int[] hostCount = new int[ne];
        double[][] loadSeconds = problem.loadSecondsTable();
        for (int w = 0; w < nw; w++) {
            speed[w] = problem.workers().get(w).speed();
            for (int e = 0; e < ne; e++) {
                if (placed[w][e]) {
                    hostCount[e]++;
                    time[w] += loadSeconds[w][e] / speed[w];
                }
            }
        }
        for (int e = 0; e < ne; e++) {
            hosts[e] = new int[hostCount[e]];
            int k = 0;
            for (int w = 0; w < nw; w++) {
                if (placed[w][e]) {
                    hosts[e][k++] = w;
                }
            }
        }
        int n = jobs.size();
        int[] jobWorker = new int[n];
        int flexible = 0;
        for (int j = 0; j < n; j++) {
            int e = jobs.expert()[j];
            if (hosts[e].length == 0) {
                throw new PlanningException("expert " + problem.experts().get(e).id() + " has jobs but no replica");
            }
            if (hosts[e].length == 1) {
                int w = hosts[e][0];
                jobWorker[j] = w;
                time[w] += jobs.cost()[j] / speed[w];
            } else {
                flexible++;
            }
        }
        // Largest first. Sorting primitive keys (cost as float bits, which order like the costs for
        // non-negative values, then the job index) avoids boxing 10^5 indices; float precision is
        // plenty for an ordering heuristic.
        double[] cost = jobs.cost();
        long[] keys = new long[flexible];
        for (int j = 0, k = 0; j < n; j++) {
            if (hosts[jobs.expert()[j]].length > 1) {
                keys[k++] = ((long) Float.floatToIntBits((float) cost[j]) << 32) | j;
            }
        }
        Arrays.sort(keys);
        int[] order = new int[flexible];
        for (int k = 0; k < flexible; k++) {
            order[k] = (int) keys[flexible - 1 - k]; // low 32 bits: the job index
        }
        double[][] left = null;
        if (shares != null) {
            left = new double[nw][];
            for (int w = 0; w < nw; w++) {
                left[w] = shares[w].clone();
            }
        }
        for (int j : order) {
            int e = jobs.expert()[j];
            int best = -1;
            double bestKey = Double.POSITIVE_INFINITY;
            for (int w : hosts[e]) {
                double key = left != null ? -left[w][e] : Math.max(time[w] + cost[j] / speed[w], jobs.floor()[j] / speed[w]);
                if (key < bestKey) {
                    bestKey = key;
                    best = w;
                }
            }
            jobWorker[j] = best;
            time[best] += cost[j] / speed[best];
            if (left != null) {
                left[best][e] -= cost[j];
            }
        }
        improve(jobs, hosts, speed, time, jobWorker);
        dropIdleReplicas(placed, jobs, jobWorker, hosts, problem.pinned());
        return jobWorker;
    }

    /**
     * Repeatedly moves the one job off the most loaded worker that lowers that worker's finish
     * most without making its new worker finish later than the old maximum.
     */
    private static void improve(JobTable jobs, int[][] hosts, double[] speed, double[] time, int[] jobWorker) {
        int nw = time.length;
        double[] cost = jobs.cost();
        // movable jobs per worker, as swap-remove lists
        int[][] list = new int[nw][];
        int[] size = new int[nw];
        int[] pos = new int[jobs.size()];
        for (int j = 0; j < jobs.size(); j++) {
            if (hosts[jobs.expert()[j]].length > 1) {
                size[jobWorker[j]]++;
            }
        }
        for (int w = 0; w < nw; w++) {
            list[w] = new int[size[w]];
            size[w] = 0;
        }
        for (int j = 0; j < jobs.size(); j++) {
            if (hosts[jobs.expert()[j]].length > 1) {
                int w = jobWorker[j];
                pos[j] = size[w];
                list[w][size[w]++] = j;
            }
        }
        for (int round = 0; round < 100_000; round++) {
            int b = 0;
            for (int w = 1; w < nw; w++) {
                if (time[w] > time[b]) {
                    b = w;
                }
            }
            int bestJob = -1;
            int bestTo = -1;
            double bestPeak = time[b] * (1 - 1e-12);
            for (int i = 0; i < size[b]; i++) {
                int j = list[b][i];
                for (int w : hosts[jobs.expert()[j]]) {
                    if (w == b) {
                        continue;
                    }
                    double peak = Math.max(time[w] + cost[j] / speed[w], Math.max(time[b] - cost[j] / speed[b], jobs.floor()[j] / speed[w]));
                    if (peak < bestPeak) {
                        bestPeak = peak;
                        bestJob = j;
                        bestTo = w;
                    }
                }
            }
            if (bestJob < 0) {
                return;
            }
            // swap-remove from b, append to the target (grow its array when full)
            int last = list[b][--size[b]];
            list[b][pos[bestJob]] = last;
            pos[last] = pos[bestJob];
            if (size[bestTo] == list[bestTo].length) {
                list[bestTo] = java.util.Arrays.copyOf(list[bestTo], Math.max(8, 2 * size[bestTo]));
            }
            pos[bestJob] = size[bestTo];
            list[bestTo][size[bestTo]++] = bestJob;
            time[b] -= cost[bestJob] / speed[b];
            time[bestTo] += cost[bestJob] / speed[bestTo];
            jobWorker[bestJob] = bestTo;
        }
    }

    private static void dropIdleReplicas(boolean[][] placed, JobTable jobs, int[] jobWorker, int[][] hosts, boolean[][] pinned) {
        boolean[][] used = new boolean[placed.length][placed.length == 0 ? 0 : placed[0].length];
        for (int j = 0; j < jobs.size(); j++) {
            used[jobWorker[j]][jobs.expert()[j]] = true;
        }
        for (int e = 0; e < hosts.length; e++) {
            int usedHosts = 0;
            for (int w : hosts[e]) {
                usedHosts += used[w][e] ? 1 : 0;
            }
            for (int i = 0; i < hosts[e].length; i++) {
                int w = hosts[e][i];
                // an expert without jobs keeps only its first replica: the caller decided to place it
                boolean keep = pinned[w][e] || (usedHosts == 0 ? i == 0 : used[w][e]);
                if (!keep) {
                    placed[w][e] = false;
                }
            }
        }
    }
}
