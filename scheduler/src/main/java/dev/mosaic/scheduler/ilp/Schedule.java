package dev.mosaic.scheduler.ilp;

import dev.mosaic.scheduler.plan.IndexedPlan;
import dev.mosaic.scheduler.plan.Plan;
import dev.mosaic.scheduler.plan.SolverInfo;

/**
 * A mutable per-job schedule with incrementally maintained worker loads and per-worker job lists
 * (O(1) add/remove), the working state of packing and local search. Indexed like
 * {@link IndexedPlan} ({@code placed[worker][expert]}, {@code jobWorker[job]}).
 */
final class Schedule {
    final Instance in;
    final boolean[][] placed;
    final int[] jobWorker;
    final double[] load;
    /** Jobs on each worker; {@code posInWorker[j]} is j's slot in its worker's list. */
    final int[][] jobsOn;
    final int[] count;
    final int[] posInWorker;

    /** A schedule with no job assigned yet on {@code placed} plus every pinned replica. */
    Schedule(Instance in, boolean[][] placed) {
        this.in = in;
        this.placed = new boolean[in.nw][];
        for (int w = 0; w < in.nw; w++) {
            this.placed[w] = placed[w].clone();
            for (int e = 0; e < in.ne; e++) {
                this.placed[w][e] |= in.pinned[w][e];
            }
        }
        jobWorker = new int[in.nj];
        java.util.Arrays.fill(jobWorker, -1);
        load = new double[in.nw];
        jobsOn = new int[in.nw][16];
        count = new int[in.nw];
        posInWorker = new int[in.nj];
        for (int w = 0; w < in.nw; w++) {
            for (int e = 0; e < in.ne; e++) {
                if (this.placed[w][e]) {
                    load[w] += in.loadSeconds[w][e] / in.speed[w];
                }
            }
        }
    }

    /** The schedule running each job on {@code jobWorker[j]}, with exactly the replicas those jobs need and the pinned ones. */
    static Schedule fromJobs(Instance in, int[] jobWorker) {
        boolean[][] placed = new boolean[in.nw][in.ne];
        for (int j = 0; j < in.nj; j++) {
            placed[jobWorker[j]][in.jobExpert[j]] = true;
        }
        Schedule s = new Schedule(in, placed);
        for (int j = 0; j < in.nj; j++) {
            s.assign(j, jobWorker[j]);
        }
        return s;
    }

    void assign(int j, int w) {
        jobWorker[j] = w;
        load[w] += in.cost[j] / in.speed[w];
        if (count[w] == jobsOn[w].length) {
            jobsOn[w] = java.util.Arrays.copyOf(jobsOn[w], count[w] * 2);
        }
        posInWorker[j] = count[w];
        jobsOn[w][count[w]++] = j;
    }

    void unassign(int j) {
        int w = jobWorker[j];
        load[w] -= in.cost[j] / in.speed[w];
        int p = posInWorker[j];
        int last = jobsOn[w][--count[w]];
        jobsOn[w][p] = last;
        posInWorker[last] = p;
        jobWorker[j] = -1;
    }

    void move(int j, int w) {
        unassign(j);
        assign(j, w);
    }

    /** Removes replicas that run no job (never a pinned one); each removal lowers its worker's load by the load time. */
    void dropIdleReplicas() {
        boolean[][] used = new boolean[in.nw][in.ne];
        for (int j = 0; j < in.nj; j++) {
            used[jobWorker[j]][in.jobExpert[j]] = true;
        }
        for (int w = 0; w < in.nw; w++) {
            for (int e = 0; e < in.ne; e++) {
                if (placed[w][e] && !used[w][e] && !in.pinned[w][e]) {
                    placed[w][e] = false;
                    load[w] -= in.loadSeconds[w][e] / in.speed[w];
                }
            }
        }
    }

    /** Largest job latency floor under the current assignment. */
    double maxFloor() {
        double m = 0;
        for (int j = 0; j < in.nj; j++) {
            m = Math.max(m, in.floor[j] / in.speed[jobWorker[j]]);
        }
        return m;
    }

    double maxLoad() {
        double m = 0;
        for (double l : load) {
            m = Math.max(m, l);
        }
        return m;
    }

    /** The makespan ({@link IndexedPlan#makespan}); loads are recomputed from scratch, shedding incremental drift. */
    double makespan() {
        return IndexedPlan.makespan(in.speed, in.loadSeconds, in.jobs, placed, jobWorker, load);
    }

    void recomputeLoads() {
        makespan();
    }

    /** Placement and assignment in the public plan format. */
    Plan toPlan(double makespan, double lowerBound, SolverInfo solver) {
        return new IndexedPlan(placed, jobWorker).toPlan(in.problem, in.jobs, makespan, lowerBound, solver);
    }
}
