package dev.mosaic.scheduler.ilp;

import dev.mosaic.bindings.highs.HighsVarType;
import dev.mosaic.bindings.highs.MipModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The aggregated placement MIP: its size depends on workers x experts, never on the number of
 * prompts.
 *
 * <pre>
 * minimise T
 *   y[w][e] in {0,1}   expert e has a replica on worker w
 *   x[w][e] >= 0       seconds of expert e's work (speed-1 seconds) done on worker w
 *   memory:   sum_e mem_e y[w][e]                       <= mem_w
 *   work:     sum_w x[w][e]                              = work_e
 *   link:     x[w][e] - cap[w][e] y[w][e]               <= 0,  cap = min(work_e, speed_w U - load[w][e])
 *   load:     sum_e (x[w][e] + load[w][e] y[w][e]) - speed_w T <= 0
 *   pinned:   y[w][e] = 1 for every pinned pair (a column even for an expert without jobs)
 *   replicas: sum_w y[w][e]                             >= ceil(work_e / max_w cap[w][e])
 *   floor:    T + (F_e / s) sum_{w: speed_w > s} y[w][e] >= F_e / s   for each speed level s
 *   symmetry: load(w) >= load(w') for consecutive identical workers w, w'
 *   LB <= T <= U
 * </pre>
 * {@code load[w][e]} is the load time at speed 1, 0 where the replica is already loaded; pairs
 * that {@code placement.forbidden} excludes have no columns. Identical workers have equal memory,
 * speed, and rows of forbidden, pinned and loaded pairs.
 * where {@code U} is the makespan of a known valid plan (the best heuristic incumbent), {@code LB}
 * a proven lower bound and {@code F_e} expert e's largest job latency floor.
 *
 * <p><b>Why the optimum of this model is a lower bound on the true optimum.</b> Take any valid
 * per-job plan with makespan {@code Z <= U}. Set y to its placement (dropping replicas that run
 * no job and are not pinned, which only lowers loads), x[w][e] to the summed work of e's jobs on w and T = Z. Memory
 * holds because the plan is valid; the work rows hold by construction; x[w][e] <= work_e, and
 * x[w][e] + load_e <= speed_w * Z <= speed_w * U because worker w's load includes both, so the
 * link rows hold; the load rows are the plan's worker loads; each expert's replicas together do
 * work_e with at most max cap each, hence the replica count; the job with floor F_e runs on some
 * replica, and if no replica sits on a worker faster than s it runs at speed <= s, so Z >= F_e/s
 * (the floor row), else the row is slack; permuting identical workers changes nothing, so some
 * optimal plan satisfies the symmetry rows. Every plan with Z <= U therefore maps to a feasible
 * point of the model with the same objective, and a plan with Z > U is beaten by that incumbent,
 * so min T (and any MIP dual bound on it) is <= the true optimum. The model relaxes exactly two
 * things: jobs are divisible (shares instead of whole jobs) and a replica's largest floor only
 * counts on the fastest replica.
 */
final class AggregatedModel implements Formulation {
    final Instance in;
    final double upper;
    final double lower;
    /** Column of y[w][e] or -1 when the pair can never be used. */
    final int[][] yCol;
    /** Column of x[w][e] or -1. */
    final int[][] xCol;
    final int tCol;
    final MipModel model;
    /** Number of symmetry-breaking rows (consecutive identical workers). */
    final int numSymmetryRows;

    AggregatedModel(Instance in, double upper, double lower) {
        this.in = in;
        this.upper = upper;
        this.lower = Math.min(lower, upper);
        int nw = in.nw;
        int ne = in.ne;
        yCol = new int[nw][ne];
        xCol = new int[nw][ne];
        MipModel.Builder b = MipModel.builder(MipModel.Sense.MINIMIZE);
        // T first: the objective.
        tCol = b.addColumn(1.0, this.lower, upper * (1 + 1e-9) + 1e-9, HighsVarType.CONTINUOUS);
        double[][] cap = new double[nw][ne];
        for (int w = 0; w < nw; w++) {
            for (int e = 0; e < ne; e++) {
                yCol[w][e] = -1;
                xCol[w][e] = -1;
                boolean pinned = in.pinned[w][e];
                if (!pinned && (in.jobCount[e] == 0 || in.expertMemory[e] > in.memory[w] || !in.allowed[w][e])) {
                    continue;
                }
                double room = in.speed[w] * upper * (1 + 1e-9) - in.loadSeconds[w][e];
                if (room < 0 && !pinned) {
                    continue; // loading e on w alone already exceeds the incumbent's makespan
                }
                cap[w][e] = Math.max(0, Math.min(in.work[e], room));
                yCol[w][e] = b.addColumn(0.0, pinned ? 1 : 0, 1, HighsVarType.INTEGER);
                xCol[w][e] = b.addColumn(0.0, 0, cap[w][e], HighsVarType.CONTINUOUS);
            }
        }
        int[] idx = new int[2 * nw * ne + 2];
        double[] val = new double[idx.length];
        // memory
        for (int w = 0; w < nw; w++) {
            int k = 0;
            for (int e = 0; e < ne; e++) {
                if (yCol[w][e] >= 0) {
                    idx[k] = yCol[w][e];
                    val[k++] = in.expertMemory[e];
                }
            }
            if (k > 0) {
                b.addRow(Double.NEGATIVE_INFINITY, in.memory[w] * (1 + 1e-9), idx, val, k);
            }
        }
        // work, replica count and floor rows per expert
        double[] speedLevels = Arrays.stream(in.speed).distinct().sorted().toArray();
        for (int e = 0; e < ne; e++) {
            if (in.jobCount[e] == 0) {
                continue;
            }
            int k = 0;
            double maxCap = 0;
            for (int w = 0; w < nw; w++) {
                if (xCol[w][e] >= 0) {
                    idx[k] = xCol[w][e];
                    val[k++] = 1.0;
                    maxCap = Math.max(maxCap, cap[w][e]);
                }
            }
            // k > 0: the incumbent is a valid plan with makespan U, so some worker can take e
            b.addRow(in.work[e], in.work[e], idx, val, k);
            int minReplicas = maxCap > 0 ? Math.max(1, (int) Math.ceil(in.work[e] / maxCap * (1 - 1e-7))) : 1;
            k = 0;
            for (int w = 0; w < nw; w++) {
                if (yCol[w][e] >= 0) {
                    idx[k] = yCol[w][e];
                    val[k++] = 1.0;
                }
            }
            b.addRow(minReplicas, Double.POSITIVE_INFINITY, idx, val, k);
            for (double s : speedLevels) {
                double need = in.maxFloor[e] / s;
                if (need <= this.lower) {
                    continue; // implied by T's lower bound
                }
                k = 0;
                idx[k] = tCol;
                val[k++] = 1.0;
                for (int w = 0; w < nw; w++) {
                    if (in.speed[w] > s && yCol[w][e] >= 0) {
                        idx[k] = yCol[w][e];
                        val[k++] = need;
                    }
                }
                b.addRow(need, Double.POSITIVE_INFINITY, idx, val, k);
            }
        }
        // link
        for (int w = 0; w < nw; w++) {
            for (int e = 0; e < ne; e++) {
                if (xCol[w][e] >= 0) {
                    b.addRow(Double.NEGATIVE_INFINITY, 0, new int[] {xCol[w][e], yCol[w][e]}, new double[] {1.0, -cap[w][e]});
                }
            }
        }
        // load
        for (int w = 0; w < nw; w++) {
            int k = loadTerms(w, 1.0, idx, val, 0);
            idx[k] = tCol;
            val[k++] = -in.speed[w];
            b.addRow(Double.NEGATIVE_INFINITY, 0, idx, val, k);
        }
        // symmetry between consecutive identical workers
        int sym = 0;
        for (List<Integer> group : identicalGroups()) {
            for (int i = 0; i + 1 < group.size(); i++) {
                int k = loadTerms(group.get(i), 1.0, idx, val, 0);
                k = loadTerms(group.get(i + 1), -1.0, idx, val, k);
                b.addRow(0, Double.POSITIVE_INFINITY, idx, val, k);
                sym++;
            }
        }
        numSymmetryRows = sym;
        model = b.build();
    }

    private int loadTerms(int w, double sign, int[] idx, double[] val, int k) {
        for (int e = 0; e < in.ne; e++) {
            if (xCol[w][e] >= 0) {
                idx[k] = xCol[w][e];
                val[k++] = sign;
                idx[k] = yCol[w][e];
                val[k++] = sign * in.loadSeconds[w][e];
            }
        }
        return k;
    }

    /** Workers grouped by identical (memory, speed, placement constraints, load times), each group in index order. */
    List<List<Integer>> identicalGroups() {
        List<List<Integer>> groups = new ArrayList<>();
        boolean[] done = new boolean[in.nw];
        for (int w = 0; w < in.nw; w++) {
            if (done[w]) {
                continue;
            }
            List<Integer> g = new ArrayList<>();
            for (int v = w; v < in.nw; v++) {
                if (!done[v] && in.memory[v] == in.memory[w] && in.speed[v] == in.speed[w]
                        && java.util.Arrays.equals(in.allowed[v], in.allowed[w]) && java.util.Arrays.equals(in.pinned[v], in.pinned[w])
                        && java.util.Arrays.equals(in.loadSeconds[v], in.loadSeconds[w])) {
                    g.add(v);
                    done[v] = true;
                }
            }
            groups.add(g);
        }
        return groups;
    }

    /**
     * MIP start from a valid plan given as job-to-worker array: replicas that run no job are
     * dropped (pinned ones kept); identical workers are relabelled by decreasing load (to satisfy the symmetry rows).
     * Returns the relabelled job-to-worker array in {@code relabelled} and the column values.
     */
    double[] warmStart(int[] jobWorker, int[] relabelled) {
        return warmStartInto(jobWorker, relabelled);
    }

    @Override
    public String name() {
        return "aggregated";
    }

    @Override
    public MipModel model() {
        return model;
    }

    @Override
    public Map<String, Object> facts() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("columns", model.numCols());
        m.put("rows", model.numRows());
        m.put("symmetryRows", numSymmetryRows);
        return m;
    }

    @Override
    public double[] warmStart(int[] jobWorker) {
        return warmStartInto(jobWorker, new int[in.nj]);
    }

    /**
     * Packs the solution's placement into whole jobs two ways (following its work shares, and
     * LPT), each improved by local search.
     */
    @Override
    public List<Schedule> realise(double[] solution, int[] order, double cap, double goal, long deadlineNanos) {
        boolean[][] placed = placement(solution);
        Schedule a = JobPacker.followShares(in, placed, shares(solution), order, cap);
        LocalSearch.improve(a, cap, goal, deadlineNanos);
        Schedule b = JobPacker.lpt(in, placed, order, cap);
        LocalSearch.improve(b, cap, goal, deadlineNanos);
        return List.of(a, b);
    }

    private double[] warmStartInto(int[] jobWorker, int[] relabelled) {
        int nw = in.nw;
        int ne = in.ne;
        double[][] share = new double[nw][ne];
        boolean[][] used = new boolean[nw][ne];
        for (int j = 0; j < in.nj; j++) {
            share[jobWorker[j]][in.jobExpert[j]] += in.cost[j];
            used[jobWorker[j]][in.jobExpert[j]] = true;
        }
        for (int w = 0; w < nw; w++) {
            for (int e = 0; e < ne; e++) {
                used[w][e] |= in.pinned[w][e];
            }
        }
        double[] agg = new double[nw];
        for (int w = 0; w < nw; w++) {
            for (int e = 0; e < ne; e++) {
                if (used[w][e]) {
                    agg[w] += share[w][e] + in.loadSeconds[w][e];
                }
            }
        }
        int[] slotOf = new int[nw]; // plan worker -> model worker
        for (int w = 0; w < nw; w++) {
            slotOf[w] = w;
        }
        for (List<Integer> g : identicalGroups()) {
            List<Integer> sorted = new ArrayList<>(g);
            sorted.sort((a, c) -> Double.compare(agg[c], agg[a]));
            for (int i = 0; i < g.size(); i++) {
                slotOf[sorted.get(i)] = g.get(i);
            }
        }
        double[] x = new double[model.numCols()];
        x[tCol] = upper;
        for (int w = 0; w < nw; w++) {
            int slot = slotOf[w];
            for (int e = 0; e < ne; e++) {
                if (used[w][e]) {
                    if (yCol[slot][e] < 0) {
                        throw new IllegalStateException("warm start uses worker " + w + " for expert " + e
                                + ", which the model excludes (it cannot beat the warm start's own makespan)");
                    }
                    x[yCol[slot][e]] = 1.0;
                    x[xCol[slot][e]] = share[w][e];
                }
            }
        }
        for (int j = 0; j < in.nj; j++) {
            relabelled[j] = slotOf[jobWorker[j]];
        }
        return x;
    }

    /** Replica matrix of a solution. */
    boolean[][] placement(double[] sol) {
        boolean[][] p = new boolean[in.nw][in.ne];
        for (int w = 0; w < in.nw; w++) {
            for (int e = 0; e < in.ne; e++) {
                p[w][e] = yCol[w][e] >= 0 && sol[yCol[w][e]] > 0.5;
            }
        }
        return p;
    }

    /** Work shares of a solution (zero where there is no replica). */
    double[][] shares(double[] sol) {
        double[][] s = new double[in.nw][in.ne];
        for (int w = 0; w < in.nw; w++) {
            for (int e = 0; e < in.ne; e++) {
                if (yCol[w][e] >= 0 && sol[yCol[w][e]] > 0.5) {
                    s[w][e] = Math.max(0, sol[xCol[w][e]]);
                }
            }
        }
        return s;
    }
}
