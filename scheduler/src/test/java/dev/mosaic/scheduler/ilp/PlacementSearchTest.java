package dev.mosaic.scheduler.ilp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.bindings.highs.Highs;
import dev.mosaic.bindings.highs.HighsModelStatus;
import dev.mosaic.bindings.highs.HighsVarType;
import dev.mosaic.bindings.highs.MipModel;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.problem.ProblemValidator;
import dev.mosaic.scheduler.testing.Instances;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PlacementSearchTest {

    /** A random placement holding every expert with jobs at least once, within memory. */
    private static boolean[][] randomPlacement(Instance in, Random rnd) {
        boolean[][] placed = new boolean[in.nw][in.ne];
        double[] used = new double[in.nw];
        for (int e = 0; e < in.ne; e++) {
            for (int tries = 0; tries < 100; tries++) {
                int w = rnd.nextInt(in.nw);
                if (!placed[w][e] && used[w] + in.expertMemory[e] <= in.memory[w] && (tries > 0 || rnd.nextBoolean() || e % 2 == 0)) {
                    placed[w][e] = true;
                    used[w] += in.expertMemory[e];
                    if (rnd.nextInt(3) > 0) {
                        break;
                    }
                }
            }
        }
        return placed;
    }

    /** min T s.t. shares on placed pairs carry every expert's work and fit each worker: an LP for HiGHS. */
    private static double lpMakespan(Instance in, boolean[][] placed) {
        MipModel.Builder b = MipModel.builder(MipModel.Sense.MINIMIZE);
        int t = b.addColumn(1, 0, Double.POSITIVE_INFINITY, HighsVarType.CONTINUOUS);
        int[][] x = new int[in.nw][in.ne];
        for (int w = 0; w < in.nw; w++) {
            for (int e = 0; e < in.ne; e++) {
                x[w][e] = placed[w][e] ? b.addColumn(0, 0, Double.POSITIVE_INFINITY, HighsVarType.CONTINUOUS) : -1;
            }
        }
        for (int e = 0; e < in.ne; e++) {
            int[] idx = new int[in.nw];
            double[] val = new double[in.nw];
            int k = 0;
            for (int w = 0; w < in.nw; w++) {
                if (x[w][e] >= 0) {
                    idx[k] = x[w][e];
                    val[k++] = 1;
                }
            }
            b.addRow(in.work[e], in.work[e], idx, val, k);
        }
        for (int w = 0; w < in.nw; w++) {
            int[] idx = new int[in.ne + 1];
            double[] val = new double[in.ne + 1];
            int k = 0;
            double load = 0;
            for (int e = 0; e < in.ne; e++) {
                if (x[w][e] >= 0) {
                    idx[k] = x[w][e];
                    val[k++] = 1;
                    load += in.loadSeconds[w][e];
                }
            }
            idx[k] = t;
            val[k++] = -in.speed[w];
            b.addRow(Double.NEGATIVE_INFINITY, -load, idx, val, k);
        }
        try (Highs highs = new Highs()) {
            highs.passModel(b.build());
            assertEquals(HighsModelStatus.OPTIMAL, highs.run().modelStatus());
            return highs.objectiveValue();
        }
    }

    @Test
    void divisibleMakespanMatchesLinearProgram() {
        Random rnd = new Random(31);
        int checked = 0;
        for (int trial = 0; trial < 40; trial++) {
            Problem p = ProblemValidator.validate(Instances.random(rnd.nextLong(), 2 + rnd.nextInt(4), 2 + rnd.nextInt(6), 20 + rnd.nextInt(60)));
            Instance in = new Instance(p);
            boolean[][] placed = randomPlacement(in, rnd);
            PlacementSearch ps = new PlacementSearch(in);
            double t = ps.makespan(placed);
            boolean complete = true;
            for (int e = 0; e < in.ne; e++) {
                boolean held = false;
                for (int w = 0; w < in.nw; w++) {
                    held |= placed[w][e];
                }
                complete &= held || in.jobCount[e] == 0;
            }
            if (!complete) {
                assertEquals(Double.POSITIVE_INFINITY, t);
                continue;
            }
            double lp = lpMakespan(in, placed);
            assertEquals(lp, t, 1e-6 * lp, "trial " + trial);
            // The shares realise it: every expert's work is carried, every worker fits in t.
            double[][] s = ps.shares(placed, t);
            for (int e = 0; e < in.ne; e++) {
                double sum = 0;
                for (int w = 0; w < in.nw; w++) {
                    assertTrue(placed[w][e] || s[w][e] == 0);
                    sum += s[w][e];
                }
                assertEquals(in.work[e], sum, 1e-7 * Math.max(1, in.work[e]));
            }
            for (int w = 0; w < in.nw; w++) {
                double load = 0;
                for (int e = 0; e < in.ne; e++) {
                    load += s[w][e] + (placed[w][e] ? in.loadSeconds[w][e] : 0);
                }
                assertTrue(load <= in.speed[w] * t * (1 + 1e-7), "worker " + w + " over t");
            }
            checked++;
        }
        assertTrue(checked >= 10, "only " + checked + " complete placements");
    }

    @Test
    void improveKeepsPlacementsValidAndNeverWorse() {
        Random rnd = new Random(8);
        for (int trial = 0; trial < 20; trial++) {
            Problem p = ProblemValidator.validate(Instances.random(rnd.nextLong(), 2 + rnd.nextInt(5), 2 + rnd.nextInt(7), 50 + rnd.nextInt(100)));
            Instance in = new Instance(p);
            // One replica per expert, round-robin where it fits: complete and usually far from optimal.
            boolean[][] start = new boolean[in.nw][in.ne];
            double[] used = new double[in.nw];
            for (int e = 0; e < in.ne; e++) {
                for (int k = 0; k < in.nw; k++) {
                    int w = (e + k) % in.nw;
                    if (used[w] + in.expertMemory[e] <= in.memory[w]) {
                        start[w][e] = true;
                        used[w] += in.expertMemory[e];
                        break;
                    }
                }
            }
            PlacementSearch ps = new PlacementSearch(in);
            double before = ps.makespan(start);
            PlacementSearch.Result r = ps.improve(start, 0, System.nanoTime() + 2_000_000_000L);
            assertTrue(r.makespan() <= before * (1 + 1e-9), r.makespan() + " > " + before);
            assertEquals(lpMakespan(in, r.placed()), r.makespan(), 1e-6 * r.makespan());
            for (int w = 0; w < in.nw; w++) {
                double mem = 0;
                for (int e = 0; e < in.ne; e++) {
                    mem += r.placed()[w][e] ? in.expertMemory[e] : 0;
                }
                assertTrue(mem <= in.memory[w] * (1 + 1e-9), "memory of worker " + w);
            }
            for (int e = 0; e < in.ne; e++) {
                if (in.jobCount[e] > 0) {
                    boolean held = false;
                    for (int w = 0; w < in.nw; w++) {
                        held |= r.placed()[w][e];
                    }
                    assertTrue(held, "expert " + e + " lost its last replica");
                }
            }
        }
    }
}
