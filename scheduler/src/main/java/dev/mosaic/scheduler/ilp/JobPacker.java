package dev.mosaic.scheduler.ilp;

import java.util.Arrays;

/**
 * Turns a placement (and optionally the MIP's work shares) into a whole-job assignment. Both
 * packers place jobs largest first and never put a job on a worker where its latency floor
 * would exceed {@code floorCap}, unless no replica of its expert allows it (then the fastest).
 */
final class JobPacker {

    private JobPacker() {}

    /** Jobs ordered by decreasing cost (ties by index, so packing is deterministic). */
    static int[] byDecreasingCost(Instance in) {
        long[] keys = new long[in.nj];
        int shift = 64 - Long.numberOfLeadingZeros(Math.max(1, in.nj - 1));
        for (int j = 0; j < in.nj; j++) {
            // Non-negative doubles order like their bit patterns; the low bits carry the index.
            long bits = Double.doubleToRawLongBits(in.cost[j]);
            keys[j] = ((bits >>> shift) << shift) | j;
        }
        Arrays.sort(keys);
        int[] order = new int[in.nj];
        long mask = (1L << shift) - 1;
        for (int i = 0; i < in.nj; i++) {
            order[in.nj - 1 - i] = (int) (keys[i] & mask);
        }
        return order;
    }

    /** Replica workers of each expert. */
    static int[][] replicas(Instance in, boolean[][] placed) {
        int[][] r = new int[in.ne][];
        for (int e = 0; e < in.ne; e++) {
            int k = 0;
            int[] tmp = new int[in.nw];
            for (int w = 0; w < in.nw; w++) {
                if (placed[w][e]) {
                    tmp[k++] = w;
                }
            }
            r[e] = Arrays.copyOf(tmp, k);
        }
        return r;
    }

    /**
     * Follows the MIP's shares: each job goes to the replica of its expert with the most share
     * left (speed-1 seconds), i.e. the replica furthest behind its target.
     */
    static Schedule followShares(Instance in, boolean[][] placed, double[][] shares, int[] order, double floorCap) {
        Schedule s = new Schedule(in, placed);
        int[][] reps = replicas(in, placed);
        double[][] left = new double[in.nw][];
        for (int w = 0; w < in.nw; w++) {
            left[w] = shares[w].clone();
        }
        for (int j : order) {
            int e = in.jobExpert[j];
            int best = pick(in, reps[e], j, floorCap, (w) -> -left[w][e]);
            left[best][e] -= in.cost[j];
            s.assign(j, best);
        }
        return s;
    }

    /** Longest-processing-time first on a fixed placement: each job to the replica it finishes earliest on. */
    static Schedule lpt(Instance in, boolean[][] placed, int[] order, double floorCap) {
        Schedule s = new Schedule(in, placed);
        int[][] reps = replicas(in, placed);
        for (int j : order) {
            int best = pick(in, reps[in.jobExpert[j]], j, floorCap, (w) -> s.load[w] + in.cost[j] / in.speed[w]);
            s.assign(j, best);
        }
        return s;
    }

    private interface Score {
        double of(int w);
    }

    private static int pick(Instance in, int[] reps, int j, double floorCap, Score score) {
        if (reps.length == 0) {
            throw new IllegalStateException("expert " + in.problem.experts().get(in.jobExpert[j]).id() + " has no replica");
        }
        int best = -1;
        double bestScore = Double.POSITIVE_INFINITY;
        int fastest = reps[0];
        for (int w : reps) {
            if (in.speed[w] > in.speed[fastest]) {
                fastest = w;
            }
            if (in.floor[j] / in.speed[w] > floorCap) {
                continue;
            }
            double sc = score.of(w);
            if (sc < bestScore) {
                bestScore = sc;
                best = w;
            }
        }
        return best >= 0 ? best : fastest;
    }
}
