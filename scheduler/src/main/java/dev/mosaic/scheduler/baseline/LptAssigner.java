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
 * dropped from the placement afterwards, since they would only add load time.
 */
public final class LptAssigner {

    private LptAssigner() {}

    /**
     * Returns {@code jobWorker} (worker index per job) for the placement {@code placed[worker][expert]},
     * clearing entries of {@code placed} for replicas left without work (when the expert keeps another).
     */
    public static int[] assign(Problem problem, JobTable jobs, boolean[][] placed) {
        int nw = problem.workers().size();
        int ne = problem.experts().size();
        double[] speed = new double[nw];
        double[] time = new double[nw];
        int[][] hosts = new int[ne][];
        int[] hostCount = new int[ne];
        for (int w = 0; w < nw; w++) {
            speed[w] = problem.workers().get(w).speed();
            for (int e = 0; e < ne; e++) {
                if (placed[w][e]) {
                    hostCount[e]++;
                    time[w] += problem.experts().get(e).loadSeconds() / speed[w];
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
        Integer[] order = new Integer[flexible];
        for (int j = 0, k = 0; j < n; j++) {
            if (hosts[jobs.expert()[j]].length > 1) {
                order[k++] = j;
            }
        }
        double[] cost = jobs.cost();
        Arrays.sort(order, (a, b) -> Double.compare(cost[b], cost[a]));
        for (int j : order) {
            int[] h = hosts[jobs.expert()[j]];
            int best = -1;
            double bestFinish = Double.POSITIVE_INFINITY;
            for (int w : h) {
                double finish = Math.max(time[w] + cost[j] / speed[w], jobs.floor()[j] / speed[w]);
                if (finish < bestFinish) {
                    bestFinish = finish;
                    best = w;
                }
            }
            jobWorker[j] = best;
            time[best] += cost[j] / speed[best];
        }
        dropIdleReplicas(placed, jobs, jobWorker, hosts);
        return jobWorker;
    }

    private static void dropIdleReplicas(boolean[][] placed, JobTable jobs, int[] jobWorker, int[][] hosts) {
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
                boolean keep = usedHosts == 0 ? i == 0 : used[w][e];
                if (!keep) {
                    placed[w][e] = false;
                }
            }
        }
    }
}
