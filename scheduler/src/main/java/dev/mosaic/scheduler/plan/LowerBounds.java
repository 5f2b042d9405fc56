package dev.mosaic.scheduler.plan;

import dev.mosaic.scheduler.problem.JobTable;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.problem.Worker;

/**
 * Simple, provably valid lower bounds on the optimal makespan of a problem. Planners report the
 * best of them so every plan carries a gap. Notation: {@code W_e} is expert e's total job work at
 * speed 1, {@code l_e} its load time (the smallest over workers, 0 if a replica is already loaded
 * somewhere; placement pins and bans are ignored, which only relaxes the problem), a worker w is <em>eligible</em> for e when
 * {@code memoryGiB_w >= memoryGiB_e} (only those can hold a replica), {@code L_w} is w's load in
 * seconds and {@code M >= L_w} for every w. Only experts with jobs count: an expert without jobs
 * need not be placed at all.
 *
 * <ul>
 *   <li><b>job</b>: a job of e runs on an eligible worker w, which then holds a replica, so
 *       {@code M >= L_w >= (l_e + cost_j)/s_w} and {@code M >= floor_j/s_w}; both are at least their
 *       value on the fastest eligible worker.</li>
 *   <li><b>capacity</b>: for a memory threshold t, every expert with {@code memoryGiB_e >= t} has at
 *       least one replica, on a worker with {@code memoryGiB_w >= t}. Those workers do all of that
 *       work and loads: {@code sum_e (W_e + l_e) <= sum_w L_w s_w <= M sum_w s_w}. With t the smallest
 *       expert memory this is the classic total-work bound; larger t capture big experts that only
 *       big workers can serve.</li>
 *   <li><b>replica</b>: if e has k replicas, its hosts do {@code W_e + k l_e} of work and their
 *       speeds sum to at most {@code S_k}, the k fastest eligible speeds, so
 *       {@code M >= (W_e + k l_e)/S_k}; minimising over k gives a bound whatever k a plan chose.</li>
 *   <li><b>replica-capacity</b>: the two combined. A plan with makespan M gives e at least
 *       {@code k_e(M)} replicas, the least k with {@code W_e + k l_e <= M S_k} (replica argument), so the
 *       capacity inequality holds with {@code W_e + k_e(M) l_e}, and the replicas' memory
 *       {@code sum_e k_e(M) memoryGiB_e} must fit in the eligible workers' memory. Larger M never
 *       needs more replicas, so the M that pass form an interval; its lower end, found by
 *       bisection, is a bound. It charges the extra load time that splitting heavy experts costs.</li>
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
public final class LowerBounds {

    /** The individual bounds, in seconds; {@link #best()} is their maximum. Immutable; thread-safe. */
    public record Bounds(double job, double capacity, double replica, double replicaCapacity) {
        public double best() {
            return Math.max(Math.max(job, capacity), Math.max(replica, replicaCapacity));
        }
    }

    private LowerBounds() {}

    /** The best lower bound on the optimal makespan of a validated problem. */
    public static double of(Problem problem) {
        return compute(problem, problem.jobs()).best();
    }

    /** All bounds, reusing an existing job table of the problem. */
    public static Bounds compute(Problem problem, JobTable jobs) {
        return new Calculation(problem, jobs).bounds();
    }

    private static final class Calculation {
        private final Problem problem;
        private final int ne;
        private final double[][] eligibleSpeeds;
        private final double[] work;
        private final boolean[] hasJobs;
        private final double[] load;
        private final double[] memory;
        private double job;

        Calculation(Problem problem, JobTable jobs) {
            this.problem = problem;
            ne = problem.experts().size();
            eligibleSpeeds = new double[ne][];
            load = new double[ne];
            memory = new double[ne];
            double[][] loadTable = problem.loadSecondsTable();
            for (int e = 0; e < ne; e++) {
                double mem = problem.experts().get(e).memoryGiB();
                memory[e] = mem;
                // A replica already loaded somewhere costs nothing there: the smallest load time over workers keeps every bound valid.
                load[e] = problem.experts().get(e).loadSeconds();
                for (double[] row : loadTable) {
                    load[e] = Math.min(load[e], row[e]);
                }
                eligibleSpeeds[e] = problem.workers().stream().filter(w -> w.memoryGiB() >= mem).mapToDouble(Worker::speed)
                        .map(s -> -s).sorted().map(s -> -s).toArray();
                if (eligibleSpeeds[e].length == 0) {
                    throw new IllegalArgumentException("expert " + problem.experts().get(e).id() + " fits on no worker (validate the problem first)");
                }
            }
            work = new double[ne];
            hasJobs = new boolean[ne];
            for (int j = 0; j < jobs.size(); j++) {
                int e = jobs.expert()[j];
                work[e] += jobs.cost()[j];
                hasJobs[e] = true;
                double fastest = eligibleSpeeds[e][0];
                job = Math.max(job, Math.max(jobs.floor()[j], jobs.cost()[j] + load[e]) / fastest);
            }
        }

        Bounds bounds() {
            double capacity = 0;
            for (int t = 0; t < ne; t++) {
                double demand = 0;
                for (int e = 0; e < ne; e++) {
                    if (hasJobs[e] && memory[e] >= memory[t]) {
                        demand += work[e] + load[e];
                    }
                }
                double speed = eligibleSpeed(memory[t]);
                if (speed > 0) {
                    capacity = Math.max(capacity, demand / speed);
                }
            }
            double replica = 0;
            for (int e = 0; e < ne; e++) {
                if (!hasJobs[e]) {
                    continue;
                }
                double best = Double.POSITIVE_INFINITY;
                double speedSum = 0;
                for (int k = 1; k <= eligibleSpeeds[e].length; k++) {
                    speedSum += eligibleSpeeds[e][k - 1];
                    best = Math.min(best, (work[e] + k * load[e]) / speedSum);
                }
                replica = Math.max(replica, best);
            }
            return new Bounds(job, capacity, replica, replicaCapacity(Math.max(job, Math.max(capacity, replica))));
        }

        /** Lower end of the makespans passing the replica-capacity test; 0 when none in range passes. */
        private double replicaCapacity(double lo) {
            if (passes(lo)) {
                return lo;
            }
            double hi = Math.max(1.0, 2 * lo);
            for (int i = 0; i < 200 && !passes(hi); i++) {
                hi *= 2;
                if (Double.isInfinite(hi)) {
                    return 0; // never passes: the memory does not hold the replicas (the validator reports such problems)
                }
            }
            for (int i = 0; i < 100 && hi - lo > 1e-12 * hi; i++) {
                double mid = 0.5 * (lo + hi);
                if (passes(mid)) {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            return lo;
        }

        private boolean passes(double makespan) {
            int[] k = new int[ne];
            for (int e = 0; e < ne; e++) {
                if (!hasJobs[e]) {
                    continue;
                }
                double speedSum = 0;
                for (int r = 1; r <= eligibleSpeeds[e].length && k[e] == 0; r++) {
                    speedSum += eligibleSpeeds[e][r - 1];
                    if (work[e] + r * load[e] <= makespan * speedSum) {
                        k[e] = r;
                    }
                }
                if (k[e] == 0) {
                    return false;
                }
            }
            for (int t = 0; t < ne; t++) {
                double demand = 0;
                double replicaMemory = 0;
                for (int e = 0; e < ne; e++) {
                    if (hasJobs[e] && memory[e] >= memory[t]) {
                        demand += work[e] + k[e] * load[e];
                        replicaMemory += k[e] * memory[e];
                    }
                }
                if (demand > makespan * eligibleSpeed(memory[t]) || replicaMemory > eligibleMemory(memory[t]) * (1 + 1e-9)) {
                    return false;
                }
            }
            return true;
        }

        private double eligibleSpeed(double threshold) {
            double s = 0;
            for (Worker w : problem.workers()) {
                s += w.memoryGiB() >= threshold ? w.speed() : 0;
            }
            return s;
        }

        private double eligibleMemory(double threshold) {
            double m = 0;
            for (Worker w : problem.workers()) {
                m += w.memoryGiB() >= threshold ? w.memoryGiB() : 0;
            }
            return m;
        }
    }
}
