package dev.mosaic.scheduler.baseline;

import dev.mosaic.scheduler.problem.JobTable;
import dev.mosaic.scheduler.problem.Problem;
import java.util.Arrays;

/**
 * Placement by packing divisible expert work into workers for a target makespan T: each worker
 * can do {@code T * speed} of work, and every replica first pays its load time. Experts go
 * heaviest first; an expert's remaining work goes whole to the worker that fits it most tightly
 * (best fit), or, when no worker can take all of it, fills the worker with the most spare time
 * and continues elsewhere (a new replica). A binary search finds the smallest T that packs. This
 * leaves light experts to fill the gaps heavy ones leave, instead of occupying whole workers.
 */
final class SplitPacker {

    private final Problem problem;
    private final int nw;
    private final int ne;
    private final double[] speed;
    private final double[] work;
    private final boolean[] hasJobs;
    private final Integer[] order;

    SplitPacker(Problem problem, JobTable jobs) {
        this.problem = problem;
        nw = problem.workers().size();
        ne = problem.experts().size();
        speed = new double[nw];
        for (int w = 0; w < nw; w++) {
            speed[w] = problem.workers().get(w).speed();
        }
        work = new double[ne];
        hasJobs = new boolean[ne];
        for (int j = 0; j < jobs.size(); j++) {
            work[jobs.expert()[j]] += jobs.cost()[j];
            hasJobs[jobs.expert()[j]] = true;
        }
        order = new Integer[ne];
        for (int e = 0; e < ne; e++) {
            order[e] = e;
        }
        Arrays.sort(order, (a, b) -> Double.compare(work[b] + load(b), work[a] + load(a)));
    }

    private double load(int e) {
        return problem.experts().get(e).loadSeconds();
    }

    private double mem(int e) {
        return problem.experts().get(e).memoryGiB();
    }

    /** The placement for the smallest packable target in [lo, hi], or null if even hi does not pack. */
    boolean[][] smallest(double lo, double hi) {
        boolean[][] best = pack(hi);
        if (best == null) {
            return null;
        }
        for (int i = 0; i < 40 && hi - lo > 1e-6 * hi; i++) {
            double mid = 0.5 * (lo + hi);
            boolean[][] p = pack(mid);
            if (p != null) {
                best = p;
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return best;
    }

    /** The placement packing every expert's work into target {@code target}, or null if it does not fit. */
    boolean[][] pack(double target) {
        boolean[][] placed = new boolean[nw][ne];
        double[] spare = new double[nw];
        double[] free = new double[nw];
        for (int w = 0; w < nw; w++) {
            spare[w] = target * speed[w];
            free[w] = problem.workers().get(w).memoryGiB();
        }
        for (int e : order) {
            if (!hasJobs[e]) {
                continue;
            }
            double rest = work[e];
            double l = load(e);
            boolean first = true;
            while (first || rest > 1e-9 * (1 + work[e])) {
                first = false;
                int fit = -1;
                int roomiest = -1;
                for (int w = 0; w < nw; w++) {
                    if (placed[w][e] || mem(e) > free[w] + 1e-9 || spare[w] <= l) {
                        continue;
                    }
                    if (spare[w] - l >= rest && (fit < 0 || spare[w] < spare[fit])) {
                        fit = w;
                    }
                    if (roomiest < 0 || spare[w] > spare[roomiest]) {
                        roomiest = w;
                    }
                }
                int w = fit >= 0 ? fit : roomiest;
                if (w < 0) {
                    return null;
                }
                double take = Math.min(rest, spare[w] - l);
                placed[w][e] = true;
                free[w] -= mem(e);
                spare[w] -= take + l;
                rest -= take;
            }
        }
        return placed;
    }
}
