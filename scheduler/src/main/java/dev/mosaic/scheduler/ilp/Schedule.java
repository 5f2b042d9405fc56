package dev.mosaic.scheduler.ilp;

import dev.mosaic.scheduler.plan.Assignment;
import dev.mosaic.scheduler.plan.Plan;
import dev.mosaic.scheduler.problem.JobTable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A mutable per-job schedule with incrementally maintained worker loads and per-worker job lists
 * (O(1) add/remove), the working state of packing and local search.
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

    Schedule(Instance in, boolean[][] placed) {
        this.in = in;
        this.placed = new boolean[in.nw][];
        for (int w = 0; w < in.nw; w++) {
            this.placed[w] = placed[w].clone();
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
                    load[w] += in.loadSeconds[e] / in.speed[w];
                }
            }
        }
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

    /** Removes replicas that run no job; each removal lowers its worker's load by the load time. */
    void dropIdleReplicas() {
        boolean[][] used = new boolean[in.nw][in.ne];
        for (int j = 0; j < in.nj; j++) {
            used[jobWorker[j]][in.jobExpert[j]] = true;
        }
        for (int w = 0; w < in.nw; w++) {
            for (int e = 0; e < in.ne; e++) {
                if (placed[w][e] && !used[w][e]) {
                    placed[w][e] = false;
                    load[w] -= in.loadSeconds[e] / in.speed[w];
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

    /** The makespan as the evaluator defines it (loads recomputed from scratch to shed drift). */
    double makespan() {
        recomputeLoads();
        return Math.max(maxLoad(), maxFloor());
    }

    void recomputeLoads() {
        java.util.Arrays.fill(load, 0);
        for (int w = 0; w < in.nw; w++) {
            for (int e = 0; e < in.ne; e++) {
                if (placed[w][e]) {
                    load[w] += in.loadSeconds[e] / in.speed[w];
                }
            }
        }
        for (int j = 0; j < in.nj; j++) {
            load[jobWorker[j]] += in.cost[j] / in.speed[jobWorker[j]];
        }
    }

    /** Placement and assignment in the public plan format (makespan and bound filled in by the caller). */
    Plan toPlan(double makespan, double lowerBound, Map<String, Object> solver) {
        Map<String, List<String>> placement = new LinkedHashMap<>();
        for (int w = 0; w < in.nw; w++) {
            List<String> experts = new ArrayList<>();
            for (int e = 0; e < in.ne; e++) {
                if (placed[w][e]) {
                    experts.add(in.problem.experts().get(e).id());
                }
            }
            placement.put(in.problem.workers().get(w).id(), experts);
        }
        JobTable jt = in.jobs;
        List<Assignment> assignment = new ArrayList<>(in.nj);
        for (int j = 0; j < in.nj; j++) {
            assignment.add(new Assignment(in.problem.prompts().get(jt.prompt()[j]).id(),
                    in.problem.experts().get(jt.expert()[j]).id(), in.problem.workers().get(jobWorker[j]).id()));
        }
        return new Plan(placement, assignment, makespan, lowerBound, Plan.gap(makespan, lowerBound), solver);
    }
}
