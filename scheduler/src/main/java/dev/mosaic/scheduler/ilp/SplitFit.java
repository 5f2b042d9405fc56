package dev.mosaic.scheduler.ilp;

import java.util.Arrays;

/**
 * A fast constructive placement for a target makespan {@code T}: experts in decreasing order of
 * work are poured into workers as divisible work, each piece going to the worker that can take
 * the whole remainder with the least time to spare (best fit) or, if none can, to the worker with
 * the most time left, as long as its memory holds another replica. A binary search finds the
 * smallest target for which this succeeds. The result (placement and shares) is packed into jobs
 * like a MIP solution; it gives HiGHS a strong first incumbent on large instances, where the
 * greedy baseline can be far from optimal.
 */
final class SplitFit {

    /** A placement and the work shares (speed-1 seconds) it was built with. */
    record Result(boolean[][] placed, double[][] shares, double target) {}

    private SplitFit() {}

    /** Smallest target in {@code [lower, upper]} (to ~0.1%) for which a placement is built, or null. */
    static Result search(Instance in, double lower, double upper) {
        Result best = build(in, upper);
        if (best == null) {
            return null;
        }
        double lo = lower;
        double hi = upper;
        for (int it = 0; it < 40 && hi - lo > 1e-3 * lo; it++) {
            double mid = 0.5 * (lo + hi);
            Result r = build(in, mid);
            if (r != null) {
                best = r;
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return best;
    }

    static Result build(Instance in, double target) {
        int nw = in.nw;
        int ne = in.ne;
        double[] residual = new double[nw];
        double[] memLeft = in.memory.clone();
        for (int w = 0; w < nw; w++) {
            residual[w] = in.speed[w] * target;
        }
        boolean[][] placed = new boolean[nw][ne];
        double[][] shares = new double[nw][ne];
        Integer[] order = new Integer[ne];
        for (int e = 0; e < ne; e++) {
            order[e] = e;
        }
        Arrays.sort(order, (a, b) -> Double.compare(in.work[b] + in.baseLoad[b], in.work[a] + in.baseLoad[a]));
        // Pinned replicas are there from the start; each takes what it can of its expert's work below.
        for (int w = 0; w < nw; w++) {
            for (int e = 0; e < ne; e++) {
                if (in.pinned[w][e]) {
                    placed[w][e] = true;
                    residual[w] -= in.loadSeconds[w][e];
                    memLeft[w] -= in.expertMemory[e];
                }
            }
        }
        for (int e : order) {
            if (in.jobCount[e] == 0) {
                continue;
            }
            double rem = in.work[e];
            boolean first = true;
            for (int w = 0; w < nw; w++) {
                if (in.pinned[w][e] && residual[w] > 0 && in.maxFloor[e] / in.speed[w] <= target) {
                    double amount = Math.min(rem, residual[w]);
                    shares[w][e] = amount;
                    residual[w] -= amount;
                    rem -= amount;
                    first = false;
                }
            }
            while (first || rem > 1e-12 * Math.max(1, in.work[e])) {
                first = false;
                int fit = -1;
                int most = -1;
                for (int w = 0; w < nw; w++) {
                    if (placed[w][e] || !in.allowed[w][e] || memLeft[w] < in.expertMemory[e]) {
                        continue;
                    }
                    double room = residual[w] - in.loadSeconds[w][e];
                    // The largest job and the largest floor must fit on the worker that gets them.
                    if (room <= 0 || in.maxFloor[e] / in.speed[w] > target) {
                        continue;
                    }
                    if (room >= rem && (fit < 0 || residual[w] < residual[fit])) {
                        fit = w;
                    }
                    if (most < 0 || residual[w] > residual[most]) {
                        most = w;
                    }
                }
                int w = fit >= 0 ? fit : most;
                if (w < 0) {
                    return null;
                }
                double amount = Math.min(rem, residual[w] - in.loadSeconds[w][e]);
                placed[w][e] = true;
                shares[w][e] = amount;
                residual[w] -= in.loadSeconds[w][e] + amount;
                memLeft[w] -= in.expertMemory[e];
                rem -= amount;
            }
        }
        return new Result(placed, shares, target);
    }
}
