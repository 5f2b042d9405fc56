package dev.mosaic.bindings.highs;

import dev.mosaic.bindings.highs.internal.highs_c_api_h;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.bindings.highs.MipModel.Sense;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HighsTest {

    @Test
    void probesHighsIntWidthAndVersion() {
        int bytes = Highs.highsIntBytes();
        assertTrue(bytes == 4 || bytes == 8, "sizeof(HighsInt) = " + bytes);
        MemorySegment h = highs_c_api_h.Highs_create();
        try {
            assertEquals(bytes, highs_c_api_h.Highs_getSizeofHighsInt(h));
        } finally {
            highs_c_api_h.Highs_destroy(h);
        }
        assertTrue(Highs.version().startsWith("1."), Highs.version());
        assertTrue(Highs.versionString().contains(Highs.version()), Highs.versionString() + " vs " + Highs.version());
        assertFalse(Highs.githash().isEmpty());
    }

    @Test
    void refusesUnsupportedHighsIntWidth() {
        HighsException e = assertThrows(HighsException.class, () -> Highs.checkHighsIntWidth(2));
        assertTrue(e.getMessage().contains("sizeof(HighsInt) = 2"), e.getMessage());
        Highs.checkHighsIntWidth(4);
        Highs.checkHighsIntWidth(8);
    }

    @Test
    void solvesSmallLpToItsKnownOptimum() {
        // max x + y  s.t.  x + 2y <= 4,  3x + y <= 6,  x, y >= 0  -> vertex (8/5, 6/5), objective 14/5
        MipModel.Builder b = MipModel.builder(Sense.MAXIMIZE);
        int x = b.addColumn(1, 0, Double.POSITIVE_INFINITY, HighsVarType.CONTINUOUS);
        int y = b.addColumn(1, 0, Double.POSITIVE_INFINITY, HighsVarType.CONTINUOUS);
        b.addRow(Double.NEGATIVE_INFINITY, 4, new int[] {x, y}, new double[] {1, 2});
        b.addRow(Double.NEGATIVE_INFINITY, 6, new int[] {x, y}, new double[] {3, 1});
        MipModel m = b.build();
        try (Highs highs = new Highs()) {
            highs.passModel(m);
            Highs.RunResult r = highs.run();
            assertEquals(HighsStatus.OK, r.status());
            assertEquals(HighsModelStatus.OPTIMAL, r.modelStatus());
            assertTrue(r.hasFeasibleSolution());
            assertArrayEquals(new double[] {1.6, 1.2}, highs.solution(), 1e-9);
            assertEquals(2.8, highs.objectiveValue(), 1e-9);
        }
    }

    @Test
    void solvesRandomKnapsackToTheEnumeratedOptimum() {
        Random rnd = new Random(42);
        for (int trial = 0; trial < 5; trial++) {
            int n = 14;
            double[] value = new double[n];
            double[] weight = new double[n];
            double wsum = 0;
            for (int i = 0; i < n; i++) {
                value[i] = 1 + rnd.nextInt(50);
                weight[i] = 1 + rnd.nextInt(30);
                wsum += weight[i];
            }
            double cap = Math.floor(wsum * 0.4);
            double best = 0;
            for (int mask = 0; mask < (1 << n); mask++) {
                double v = 0;
                double w = 0;
                for (int i = 0; i < n; i++) {
                    if ((mask >> i & 1) != 0) {
                        v += value[i];
                        w += weight[i];
                    }
                }
                if (w <= cap) {
                    best = Math.max(best, v);
                }
            }
            MipModel.Builder b = MipModel.builder(Sense.MAXIMIZE);
            int[] cols = new int[n];
            for (int i = 0; i < n; i++) {
                cols[i] = b.addColumn(value[i], 0, 1, HighsVarType.INTEGER);
            }
            b.addRow(Double.NEGATIVE_INFINITY, cap, cols, weight);
            MipModel m = b.build();
            try (Highs highs = new Highs()) {
                highs.passModel(m);
                Highs.RunResult r = highs.run();
                assertEquals(HighsModelStatus.OPTIMAL, r.modelStatus());
                double[] sol = highs.solution();
                assertTrue(m.maxViolation(sol) < 1e-6, "violation " + m.maxViolation(sol));
                assertEquals(best, m.objective(sol), 1e-6);
                assertEquals(best, highs.objectiveValue(), 1e-6);
                assertTrue(highs.doubleInfo("mip_gap") <= 1e-4);
                assertEquals(best, highs.doubleInfo("mip_dual_bound"), 1e-6 * best);
                assertTrue(highs.int64Info("mip_node_count") >= 0);
                assertTrue(highs.runTimeSeconds() >= 0);
            }
        }
    }

    /** A multi-dimensional knapsack that HiGHS cannot finish in a few milliseconds. */
    private static MipModel hardKnapsack(long seed, int n, int dims) {
        Random rnd = new Random(seed);
        MipModel.Builder b = MipModel.builder(Sense.MAXIMIZE);
        int[] cols = new int[n];
        for (int i = 0; i < n; i++) {
            cols[i] = b.addColumn(100 + rnd.nextInt(900), 0, 1, HighsVarType.INTEGER);
        }
        for (int d = 0; d < dims; d++) {
            double[] w = new double[n];
            double sum = 0;
            for (int i = 0; i < n; i++) {
                w[i] = 100 + rnd.nextInt(900);
                sum += w[i];
            }
            b.addRow(Double.NEGATIVE_INFINITY, Math.floor(sum / 2), cols, w);
        }
        return b.build();
    }

    @Test
    void timeLimitGivesWarningAndSolutionOnlyWithIncumbent() {
        try (Highs highs = new Highs()) {
            MipModel m = hardKnapsack(7, 400, 30);
            highs.passModel(m);
            highs.setTimeLimit(0.05);
            Highs.RunResult r = highs.run();
            assertEquals(HighsStatus.WARNING, r.status());
            assertEquals(HighsModelStatus.TIME_LIMIT, r.modelStatus());
            assertTrue(r.modelStatus().isLimit());
            assertEquals(r.hasFeasibleSolution(), highs.hasFeasibleSolution());
            if (r.hasFeasibleSolution()) {
                assertTrue(highs.doubleInfo("mip_gap") > 0);
                double[] sol = highs.solution();
                assertEquals(m.numCols(), sol.length);
                assertTrue(m.maxViolation(sol) < 1e-6);
            } else {
                assertThrows(IllegalStateException.class, highs::solution);
            }
        }
    }

    @Test
    void noIncumbentMeansNoSolution() {
        try (Highs highs = new Highs()) {
            // Before any run HiGHS has no solution at all.
            highs.passModel(hardKnapsack(3, 30, 3));
            assertFalse(highs.hasFeasibleSolution());
            IllegalStateException e = assertThrows(IllegalStateException.class, highs::solution);
            assertTrue(e.getMessage().contains("no feasible solution"), e.getMessage());
        }
    }

    @Test
    void errorStatusBecomesExceptionNamingCallAndStatus() {
        try (Highs highs = new Highs()) {
            HighsException e = assertThrows(HighsException.class, () -> highs.setOption("no_such_option", 3));
            assertTrue(e.getMessage().contains("Highs_setIntOptionValue(\"no_such_option\", 3)"), e.getMessage());
            assertTrue(e.getMessage().contains("ERROR"), e.getMessage());
            HighsException e2 = assertThrows(HighsException.class, () -> highs.setOption("mip_rel_gap", -1.0));
            assertTrue(e2.getMessage().contains("mip_rel_gap"), e2.getMessage());
            HighsException e3 = assertThrows(HighsException.class, () -> highs.intInfo("no_such_info"));
            assertTrue(e3.getMessage().contains("no_such_info"), e3.getMessage());
        }
    }

    @Test
    void closeTwiceIsSafeAndUseAfterCloseThrows() {
        Highs highs = new Highs();
        highs.close();
        highs.close();
        assertThrows(IllegalStateException.class, highs::run);
        assertThrows(IllegalStateException.class, () -> highs.setOption("threads", 1));
    }

    /** Subset sum: sum w_i x_i = target over binaries; rounding and LP alone rarely hit it exactly. */
    private static MipModel subsetSum(Random rnd, int n, double[] start) {
        MipModel.Builder b = MipModel.builder(Sense.MINIMIZE);
        int[] cols = new int[n];
        double[] w = new double[n];
        double target = 0;
        for (int i = 0; i < n; i++) {
            cols[i] = b.addColumn(1 + rnd.nextInt(5), 0, 1, HighsVarType.INTEGER);
            w[i] = 100_003 + rnd.nextInt(900_000);
            start[i] = rnd.nextBoolean() ? 1 : 0;
            target += w[i] * start[i];
        }
        b.addRow(target, target, cols, w);
        return b.build();
    }

    private static Highs.RunResult runWithoutSearch(Highs highs) {
        // No presolve, no heuristics, no branching: the only incumbent can be the MIP start.
        highs.setOption("mip_max_nodes", 0);
        highs.setOption("mip_heuristic_effort", 0.0);
        highs.setOption("presolve", "off");
        return highs.run();
    }

    @Test
    void mipStartIsAcceptedAsIncumbent() {
        double[] start = new double[40];
        MipModel m = subsetSum(new Random(13), 40, start);
        assertTrue(m.maxViolation(start) < 1e-9);
        try (Highs without = new Highs(); Highs with = new Highs()) {
            without.passModel(m);
            assertFalse(runWithoutSearch(without).hasFeasibleSolution(), "the model is too easy for this test");
            with.passModel(m);
            with.setSolution(start);
            Highs.RunResult r = runWithoutSearch(with);
            assertTrue(r.hasFeasibleSolution(), "status " + r.modelStatus());
            double[] sol = with.solution();
            assertTrue(m.maxViolation(sol) < 1e-6);
            assertEquals(m.objective(start), m.objective(sol), 1e-9);
            assertThrows(IllegalArgumentException.class, () -> with.setSolution(new double[3]));
        }
    }

    @Test
    void threadsRequestAfterPoolIsFixedIsReported() {
        try (Highs a = new Highs(); Highs b = new Highs()) {
            a.passModel(hardKnapsack(5, 20, 2));
            Highs.RunResult ra = a.run();
            int pool = Highs.poolThreads();
            assertEquals(pool, ra.threads());
            b.passModel(hardKnapsack(5, 20, 2));
            b.setThreads(pool + 1);
            Highs.RunResult rb = b.run();
            assertEquals(pool, rb.threads());
            assertTrue(rb.threadNote().contains("requested " + (pool + 1)), rb.threadNote());
            assertEquals(ra.modelStatus(), rb.modelStatus());
        }
    }

    @Test
    void modelValidationNamesTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new MipModel(Sense.MINIMIZE, 0,
                new double[] {1}, new double[] {0}, new double[] {1}, new HighsVarType[] {HighsVarType.CONTINUOUS},
                new double[] {0}, new double[] {1}, new int[] {0, 1}, new int[] {5}, new double[] {1}));
        assertTrue(e.getMessage().startsWith("index[0]"), e.getMessage());
        MipModel.Builder b = MipModel.builder(Sense.MINIMIZE);
        b.addColumn(1, 2, 1, HighsVarType.CONTINUOUS);
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, b::build);
        assertTrue(e2.getMessage().startsWith("colLower/colUpper[0]"), e2.getMessage());
    }
}
