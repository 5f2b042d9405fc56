package dev.mosaic.scheduler.ilp;

import java.util.Arrays;

/**
 * Improves a schedule against the true objective: repeatedly takes the most loaded worker and
 * applies the best improving move of one of its jobs to another replica of the same expert, or
 * failing that the best improving swap with a job on another worker. Placement is kept, except
 * that replicas left without jobs are dropped at the end. A job is never moved where its latency
 * floor would exceed {@code floorCap}, so floors cannot raise the makespan.
 */
final class LocalSearch {

    private LocalSearch() {}

    /** Statistics of one run. */
    record Stats(int moves, int swaps, boolean converged) {}

    static Stats improve(Schedule s, double floorCap, long deadlineNanos) {
        return improve(s, floorCap, 0, deadlineNanos);
    }

    /** As above, stopping early once the largest load is at most {@code goal}. */
    static Stats improve(Schedule s, double floorCap, double goal, long deadlineNanos) {
        Instance in = s.in;
        int[][] reps = JobPacker.replicas(in, s.placed);
        int moves = 0;
        int swaps = 0;
        boolean converged = false;
        int maxIterations = 50 * in.nj + 1000;
        for (int it = 0; it < maxIterations; it++) {
            if ((it & 63) == 0 && System.nanoTime() > deadlineNanos) {
                break;
            }
            int c = 0;
            for (int w = 1; w < in.nw; w++) {
                if (s.load[w] > s.load[c]) {
                    c = w;
                }
            }
            double lc = s.load[c];
            if (lc <= goal) {
                converged = true;
                break;
            }
            double eps = 1e-9 * Math.max(1e-9, lc);
            if (bestMove(s, reps, c, floorCap, eps)) {
                moves++;
                continue;
            }
            if (bestSwap(s, c, floorCap, eps)) {
                swaps++;
                continue;
            }
            converged = true;
            break;
        }
        s.dropIdleReplicas();
        s.recomputeLoads();
        return new Stats(moves, swaps, converged);
    }

    private static boolean bestMove(Schedule s, int[][] reps, int c, double floorCap, double eps) {
        Instance in = s.in;
        double lc = s.load[c];
        double best = lc - eps;
        int bestJob = -1;
        int bestW = -1;
        for (int i = 0; i < s.count[c]; i++) {
            int j = s.jobsOn[c][i];
            int e = in.jobExpert[j];
            double newC = lc - in.cost[j] / in.speed[c];
            for (int w : reps[e]) {
                if (w == c || in.floor[j] / in.speed[w] > floorCap) {
                    continue;
                }
                double v = Math.max(newC, s.load[w] + in.cost[j] / in.speed[w]);
                if (v < best) {
                    best = v;
                    bestJob = j;
                    bestW = w;
                }
            }
        }
        if (bestJob < 0) {
            return false;
        }
        s.move(bestJob, bestW);
        return true;
    }

    /** Tries workers from least to most loaded; applies the best improving swap with the first that has one. */
    private static boolean bestSwap(Schedule s, int c, double floorCap, double eps) {
        Instance in = s.in;
        if (in.nj >= (1 << 24)) {
            return false;
        }
        Integer[] others = new Integer[in.nw];
        for (int w = 0; w < in.nw; w++) {
            others[w] = w;
        }
        Arrays.sort(others, (a, b) -> Double.compare(s.load[a], s.load[b]));
        double lc = s.load[c];
        for (int w : others) {
            if (w == c) {
                continue;
            }
            double lw = s.load[w];
            // Candidates k on w whose expert c holds and whose floor fits on c, sorted by cost.
            long[] keys = new long[s.count[w]];
            int n = 0;
            for (int i = 0; i < s.count[w]; i++) {
                int k = s.jobsOn[w][i];
                if (s.placed[c][in.jobExpert[k]] && in.floor[k] / in.speed[c] <= floorCap) {
                    keys[n++] = (Double.doubleToRawLongBits(in.cost[k]) >>> 24 << 24) | k;
                }
            }
            if (n == 0) {
                continue;
            }
            Arrays.sort(keys, 0, n);
            double inv = 1 / in.speed[c] + 1 / in.speed[w];
            double best = lc - eps;
            int bestJ = -1;
            int bestK = -1;
            for (int i = 0; i < s.count[c]; i++) {
                int j = s.jobsOn[c][i];
                if (!s.placed[w][in.jobExpert[j]] || in.floor[j] / in.speed[w] > floorCap) {
                    continue;
                }
                double ideal = in.cost[j] - (lc - lw) / inv;
                long probe = Double.doubleToRawLongBits(Math.max(0, ideal)) >>> 24 << 24;
                int pos = Arrays.binarySearch(keys, 0, n, probe);
                if (pos < 0) {
                    pos = -pos - 1;
                }
                for (int q = Math.max(0, pos - 1); q <= Math.min(n - 1, pos + 1); q++) {
                    int k = (int) (keys[q] & ((1L << 24) - 1));
                    double d = in.cost[j] - in.cost[k];
                    if (d <= 0) {
                        continue;
                    }
                    double v = Math.max(lc - d / in.speed[c], lw + d / in.speed[w]);
                    if (v < best) {
                        best = v;
                        bestJ = j;
                        bestK = k;
                    }
                }
            }
            if (bestJ >= 0) {
                s.move(bestJ, w);
                s.move(bestK, c);
                return true;
            }
        }
        return false;
    }
}
