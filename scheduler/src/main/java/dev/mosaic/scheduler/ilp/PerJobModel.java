package dev.mosaic.scheduler.ilp;

import dev.mosaic.bindings.highs.HighsVarType;
import dev.mosaic.bindings.highs.MipModel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The exact per-job MIP, used instead of {@link AggregatedModel} when the instance is small
 * enough ({@code jobs x workers} binaries) for HiGHS to prove optimality quickly.
 *
 * <pre>
 * minimise T
 *   y[w][e] in {0,1} replica, z[j][w] in {0,1} job j runs on w
 *   memory:  sum_e mem_e y[w][e] <= mem_w
 *   assign:  sum_w z[j][w] = 1
 *   replica: z[j][w] - y[w][e_j] <= 0
 *   load:    sum_j cost_j z[j][w] + sum_e load[w][e] y[w][e] - speed_w T <= 0
 *   pinned:  y[w][e] = 1 for every pinned pair (a column even for an expert without jobs)
 *   floor:   T - (floor_j / speed_w) z[j][w] >= 0
 *   LB <= T <= U
 * </pre>
 * This is the problem itself (makespan = max(load, floor)), restricted to plans no worse than
 * the warm start (T <= U), so its optimum is the true optimum and its dual bound a true bound.
 * {@code load[w][e]} is the load time at speed 1, 0 where the replica is already loaded; forbidden
 * pairs have no columns.
 */
final class PerJobModel implements Formulation {
    final Instance in;
    final double upper;
    final int[][] yCol;
    /** Column of z[j][w] or -1 when w can never run j. */
    final int[][] zCol;
    final int tCol;
    final MipModel model;

    PerJobModel(Instance in, double upper, double lower) {
        this.in = in;
        this.upper = upper;
        double lo = Math.min(lower, upper);
        MipModel.Builder b = MipModel.builder(MipModel.Sense.MINIMIZE);
        tCol = b.addColumn(1.0, lo, upper * (1 + 1e-9) + 1e-9, HighsVarType.CONTINUOUS);
        double u = upper * (1 + 1e-9) + 1e-9;
        yCol = new int[in.nw][in.ne];
        for (int w = 0; w < in.nw; w++) {
            for (int e = 0; e < in.ne; e++) {
                boolean pinned = in.pinned[w][e];
                boolean usable = pinned || (in.jobCount[e] > 0 && in.allowed[w][e] && in.expertMemory[e] <= in.memory[w]
                        && in.loadSeconds[w][e] / in.speed[w] <= u);
                yCol[w][e] = usable ? b.addColumn(0.0, pinned ? 1 : 0, 1, HighsVarType.INTEGER) : -1;
            }
        }
        zCol = new int[in.nj][in.nw];
        for (int j = 0; j < in.nj; j++) {
            int e = in.jobExpert[j];
            for (int w = 0; w < in.nw; w++) {
                double s = in.speed[w];
                boolean usable = yCol[w][e] >= 0 && in.allowed[w][e] && (in.loadSeconds[w][e] + in.cost[j]) / s <= u && in.floor[j] / s <= u;
                zCol[j][w] = usable ? b.addColumn(0.0, 0, 1, HighsVarType.INTEGER) : -1;
            }
        }
        int[] idx = new int[Math.max(in.ne, in.nw) + in.nj + in.ne + 1];
        double[] val = new double[idx.length];
        for (int w = 0; w < in.nw; w++) {
            int k = 0;
            for (int e = 0; e < in.ne; e++) {
                if (yCol[w][e] >= 0) {
                    idx[k] = yCol[w][e];
                    val[k++] = in.expertMemory[e];
                }
            }
            if (k > 0) {
                b.addRow(Double.NEGATIVE_INFINITY, in.memory[w] * (1 + 1e-9), idx, val, k);
            }
        }
        for (int j = 0; j < in.nj; j++) {
            int k = 0;
            for (int w = 0; w < in.nw; w++) {
                if (zCol[j][w] >= 0) {
                    idx[k] = zCol[j][w];
                    val[k++] = 1.0;
                    b.addRow(Double.NEGATIVE_INFINITY, 0, new int[] {zCol[j][w], yCol[w][in.jobExpert[j]]}, new double[] {1, -1});
                    double f = in.floor[j] / in.speed[w];
                    if (f > lo) {
                        b.addRow(0, Double.POSITIVE_INFINITY, new int[] {tCol, zCol[j][w]}, new double[] {1, -f});
                    }
                }
            }
            b.addRow(1, 1, idx, val, k);
        }
        for (int w = 0; w < in.nw; w++) {
            int k = 0;
            for (int j = 0; j < in.nj; j++) {
                if (zCol[j][w] >= 0) {
                    idx[k] = zCol[j][w];
                    val[k++] = in.cost[j];
                }
            }
            for (int e = 0; e < in.ne; e++) {
                if (yCol[w][e] >= 0) {
                    idx[k] = yCol[w][e];
                    val[k++] = in.loadSeconds[w][e];
                }
            }
            idx[k] = tCol;
            val[k++] = -in.speed[w];
            b.addRow(Double.NEGATIVE_INFINITY, 0, idx, val, k);
        }
        model = b.build();
    }

    @Override
    public String name() {
        return "per-job";
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
        return m;
    }

    /** The solution's own assignment, improved by local search. */
    @Override
    public List<Schedule> realise(double[] solution, int[] order, double cap, double goal, long deadlineNanos) {
        Schedule s = Schedule.fromJobs(in, jobWorkers(solution));
        LocalSearch.improve(s, cap, goal, deadlineNanos);
        return List.of(s);
    }

    /** MIP start from a valid plan's job-to-worker array (replicas without jobs dropped, pinned ones kept). */
    @Override
    public double[] warmStart(int[] jobWorker) {
        double[] x = new double[model.numCols()];
        x[tCol] = upper;
        for (int w = 0; w < in.nw; w++) {
            for (int e = 0; e < in.ne; e++) {
                if (in.pinned[w][e]) {
                    x[yCol[w][e]] = 1;
                }
            }
        }
        for (int j = 0; j < in.nj; j++) {
            int w = jobWorker[j];
            if (zCol[j][w] < 0) {
                throw new IllegalStateException("warm start puts job " + j + " on worker " + w + ", which the model excludes");
            }
            x[zCol[j][w]] = 1;
            x[yCol[w][in.jobExpert[j]]] = 1;
        }
        return x;
    }

    /** Job-to-worker array of a solution. */
    int[] jobWorkers(double[] sol) {
        int[] jw = new int[in.nj];
        for (int j = 0; j < in.nj; j++) {
            int best = -1;
            for (int w = 0; w < in.nw; w++) {
                if (zCol[j][w] >= 0 && (best < 0 || sol[zCol[j][w]] > sol[zCol[j][best]])) {
                    best = w;
                }
            }
            jw[j] = best;
        }
        return jw;
    }
}
