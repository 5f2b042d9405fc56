package dev.mosaic.scheduler.plan;

import dev.mosaic.scheduler.problem.Expert;
import dev.mosaic.scheduler.problem.JobTable;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.problem.Worker;

/**
 * Simple, provably valid lower bounds on the optimal makespan of a problem. Planners report the
 * best of them so every plan carries a gap. Notation: {@code W_e} is expert e's total job work at
 * speed 1, {@code l_e} its load time, a worker w is <em>eligible</em> for e when
 * {@code memoryGiB_w >= memoryGiB_e} (only those can hold a replica), {@code L_w} is w's load in
 * seconds and {@code M >= L_w} for every w.
 *
 * <ul>
 *   <li><b>job</b>: a job of e runs on an eligible worker w, which then holds a replica, so
 *       {@code M >= L_w >= (l_e + cost_j)/s_w} and {@code M >= floor_j/s_w}; both are at least their
 *       value on the fastest eligible worker.</li>
 *   <li><b>capacity</b>: for a memory threshold t, every expert with {@code memoryGiB_e >= t} that has
 *       jobs has at least one replica (an expert without jobs need not be placed at all), on a worker with {@code memoryGiB_w >= t}. Those workers do all of that
 *       work and loads: {@code sum_e (W_e + l_e) <= sum_w L_w s_w <= M sum_w s_w}. With t the smallest
 *       expert memory this is the classic total-work bound; larger t capture big experts that only
 *       big workers can serve.</li>
 *   <li><b>replica</b>: if e has k replicas, its hosts do {@code W_e + k l_e} of work and their
 *       speeds sum to at most {@code S_k}, the k fastest eligible speeds, so
 *       {@code M >= (W_e + k l_e)/S_k}; minimising over k gives a bound whatever k a plan chose.</li>
 * </ul>
 */
public final class LowerBounds {

    /** The individual bounds, in seconds; {@link #best()} is their maximum. */
    public record Bounds(double job, double capacity, double replica) {
        public double best() {
            return Math.max(job, Math.max(capacity, replica));
        }
    }

    private LowerBounds() {}

    /** The best lower bound on the optimal makespan of a validated problem. */
    public static double of(Problem problem) {
        return compute(problem, problem.jobs()).best();
    }

    /** All bounds, reusing an existing job table of the problem. */
    public static Bounds compute(Problem problem, JobTable jobs) {
        int ne = problem.experts().size();
        double[][] eligibleSpeeds = new double[ne][];
        for (int e = 0; e < ne; e++) {
            double mem = problem.experts().get(e).memoryGiB();
            eligibleSpeeds[e] = problem.workers().stream().filter(w -> w.memoryGiB() >= mem).mapToDouble(Worker::speed)
                    .map(s -> -s).sorted().map(s -> -s).toArray();
            if (eligibleSpeeds[e].length == 0) {
                throw new IllegalArgumentException("expert " + problem.experts().get(e).id() + " fits on no worker (validate the problem first)");
            }
        }
        double[] work = new double[ne];
        boolean[] hasJobs = new boolean[ne];
        double job = 0;
        for (int j = 0; j < jobs.size(); j++) {
            int e = jobs.expert()[j];
            work[e] += jobs.cost()[j];
            hasJobs[e] = true;
            double fastest = eligibleSpeeds[e][0];
            job = Math.max(job, Math.max(jobs.floor()[j], jobs.cost()[j] + problem.experts().get(e).loadSeconds()) / fastest);
        }

        double capacity = 0;
        for (Expert threshold : problem.experts()) {
            double t = threshold.memoryGiB();
            double demand = 0;
            for (int e = 0; e < ne; e++) {
                Expert ex = problem.experts().get(e);
                if (ex.memoryGiB() >= t && hasJobs[e]) {
                    demand += work[e] + ex.loadSeconds();
                }
            }
            double speed = 0;
            for (Worker w : problem.workers()) {
                if (w.memoryGiB() >= t) {
                    speed += w.speed();
                }
            }
            if (speed > 0) {
                capacity = Math.max(capacity, demand / speed);
            }
        }

        double replica = 0;
        for (int e = 0; e < ne; e++) {
            if (!hasJobs[e]) {
                continue;
            }
            double load = problem.experts().get(e).loadSeconds();
            double best = Double.POSITIVE_INFINITY;
            double speedSum = 0;
            for (int k = 1; k <= eligibleSpeeds[e].length; k++) {
                speedSum += eligibleSpeeds[e][k - 1];
                best = Math.min(best, (work[e] + k * load) / speedSum);
            }
            replica = Math.max(replica, best);
        }
        return new Bounds(job, capacity, replica);
    }
}
