package dev.mosaic.scheduler.ilp;

import dev.mosaic.scheduler.problem.JobTable;
import dev.mosaic.scheduler.problem.Problem;

/**
 * Exact optimum of a tiny instance by enumeration: every assignment of jobs to workers, each
 * with the cheapest placement it needs (exactly the experts its jobs use). Independent of the
 * planner's models; only for a handful of jobs.
 */
final class BruteForce {

    private BruteForce() {}

    static double optimum(Problem p) {
        JobTable jt = p.jobs();
        int nw = p.workers().size();
        int nj = jt.size();
        int ne = p.experts().size();
        int[] assign = new int[nj];
        double best = Double.POSITIVE_INFINITY;
        long total = (long) Math.pow(nw, nj);
        if (total > 5_000_000) {
            throw new IllegalArgumentException("too large for brute force: " + nw + "^" + nj);
        }
        for (long code = 0; code < total; code++) {
            long c = code;
            for (int j = 0; j < nj; j++) {
                assign[j] = (int) (c % nw);
                c /= nw;
            }
            boolean[][] used = new boolean[nw][ne];
            double[] load = new double[nw];
            double ms = 0;
            for (int j = 0; j < nj; j++) {
                int w = assign[j];
                double s = p.workers().get(w).speed();
                used[w][jt.expert()[j]] = true;
                load[w] += jt.cost()[j] / s;
                ms = Math.max(ms, jt.floor()[j] / s);
            }
            boolean fits = true;
            for (int w = 0; w < nw && fits; w++) {
                double mem = 0;
                for (int e = 0; e < ne; e++) {
                    if (used[w][e]) {
                        mem += p.experts().get(e).memoryGiB();
                        load[w] += p.experts().get(e).loadSeconds() / p.workers().get(w).speed();
                    }
                }
                fits = mem <= p.workers().get(w).memoryGiB() * (1 + 1e-9);
                ms = Math.max(ms, load[w]);
            }
            if (fits) {
                best = Math.min(best, ms);
            }
        }
        return best;
    }
}
