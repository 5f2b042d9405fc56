package dev.mosaic.scheduler.ilp;

import dev.mosaic.scheduler.problem.Expert;
import dev.mosaic.scheduler.problem.JobTable;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.problem.Worker;
import java.util.List;

/**
 * A problem flattened into arrays for the planner's inner loops, plus per-expert aggregates:
 * total work, largest job cost and largest latency floor (all on a worker of speed 1).
 */
final class Instance {
    final Problem problem;
    final int nw;
    final int ne;
    final double[] speed;
    final double[] memory;
    final double[] expertMemory;
    /** [worker][expert]: load time at speed 1 ({@link Problem#loadSeconds(int, int)}: 0 where already loaded). */
    final double[][] loadSeconds;
    /** Per expert, its load time where it is not loaded yet (for orderings). */
    final double[] baseLoad;
    final JobTable jobs;
    final int nj;
    final int[] jobExpert;
    final double[] cost;
    final double[] floor;
    final double[] work;
    final double[] maxCost;
    final double[] maxFloor;
    final int[] jobCount;
    /** [worker][expert]: the placement constraints allow a replica there. */
    final boolean[][] allowed;
    /** [worker][expert]: the plan must hold a replica there. */
    final boolean[][] pinned;

    Instance(Problem problem) {
        this.problem = problem;
        List<Worker> ws = problem.workers();
        List<Expert> es = problem.experts();
        nw = ws.size();
        ne = es.size();
        speed = new double[nw];
        memory = new double[nw];
        for (int w = 0; w < nw; w++) {
            speed[w] = ws.get(w).speed();
            memory[w] = ws.get(w).memoryGiB();
        }
        expertMemory = new double[ne];
        baseLoad = new double[ne];
        for (int e = 0; e < ne; e++) {
            expertMemory[e] = es.get(e).memoryGiB();
            baseLoad[e] = es.get(e).loadSeconds();
        }
        loadSeconds = problem.loadSecondsTable();
        allowed = problem.allowed();
        pinned = problem.pinned();
        jobs = problem.jobs();
        nj = jobs.size();
        jobExpert = jobs.expert();
        cost = jobs.cost();
        floor = jobs.floor();
        work = new double[ne];
        maxCost = new double[ne];
        maxFloor = new double[ne];
        jobCount = new int[ne];
        for (int j = 0; j < nj; j++) {
            int e = jobExpert[j];
            work[e] += cost[j];
            maxCost[e] = Math.max(maxCost[e], cost[j]);
            maxFloor[e] = Math.max(maxFloor[e], floor[j]);
            jobCount[e]++;
        }
    }

    double maxSpeed() {
        double s = 0;
        for (double v : speed) {
            s = Math.max(s, v);
        }
        return s;
    }

    /**
     * Bounds every plan obeys: (a) total work plus one load per used expert, spread over the total
     * speed; (b) the longest latency floor on the fastest worker; (c) per expert, its largest job
     * plus its load time on the worker where that is quickest (the worker running that job holds
     * a replica). Load times are each expert's smallest over workers; pins are ignored (a relaxation).
     */
    double simpleLowerBound() {
        double totalSpeed = 0;
        for (double s : speed) {
            totalSpeed += s;
        }
        double smax = maxSpeed();
        double total = 0;
        double lb = 0;
        for (int e = 0; e < ne; e++) {
            if (jobCount[e] == 0) {
                continue;
            }
            double minLoad = Double.POSITIVE_INFINITY;
            double quickest = Double.POSITIVE_INFINITY;
            for (int w = 0; w < nw; w++) {
                minLoad = Math.min(minLoad, loadSeconds[w][e]);
                quickest = Math.min(quickest, (maxCost[e] + loadSeconds[w][e]) / speed[w]);
            }
            total += work[e] + minLoad;
            lb = Math.max(lb, maxFloor[e] / smax);
            lb = Math.max(lb, quickest);
        }
        return Math.max(lb, total / totalSpeed);
    }
}
