package dev.mosaic.scheduler.ilp;

import dev.mosaic.scheduler.plan.PlanningOptions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.scheduler.baseline.GreedyPlanner;
import dev.mosaic.scheduler.plan.Plan;
import dev.mosaic.scheduler.plan.PlanEvaluator;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.testing.BruteForcePlanner;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PlacementIlpTest {

    private static PlacementIlp ilp(double timeLimit) {
        return new PlacementIlp(new PlanningOptions(timeLimit, 1e-4, 1));
    }

    @Test
    void tinyInstancesMatchBruteForceOptimum() {
        Random rnd = new Random(2026);
        for (int trial = 0; trial < 25; trial++) {
            int nw = 2 + rnd.nextInt(2);
            int ne = 2 + rnd.nextInt(2);
            Problem p = TestInstances.placeable(rnd, nw, ne, 3 + rnd.nextInt(2), 2, trial % 2 == 0);
            if (Math.pow(nw, p.jobs().size()) > 2_000_000) {
                continue;
            }
            double opt = new BruteForcePlanner().plan(p).makespanSeconds();
            Plan plan = ilp(5).plan(p);
            PlanEvaluator.Evaluation ev = PlanEvaluator.evaluate(p, plan).requireValid();
            assertEquals(ev.makespanSeconds(), plan.makespanSeconds(), 1e-9);
            String ctx = "trial " + trial + " " + plan.solver();
            assertTrue(plan.makespanSeconds() <= opt * (1 + 1e-4) + 1e-9, "ILP " + plan.makespanSeconds() + " > optimum " + opt + "; " + ctx);
            assertTrue(plan.makespanSeconds() >= opt - 1e-9, "ILP beats the optimum?! " + ctx);
            assertTrue(plan.lowerBoundSeconds() <= opt * (1 + 1e-7), "bound " + plan.lowerBoundSeconds() + " > optimum " + opt + "; " + ctx);
        }
    }

    @Test
    void aggregatedBoundNeverExceedsBruteForceOptimum() {
        // Instances just above the per-job limit would be too big to enumerate, so force the
        // aggregated model on tiny ones by checking its dual bound directly.
        Random rnd = new Random(77);
        for (int trial = 0; trial < 25; trial++) {
            Problem p = TestInstances.placeable(rnd, 2 + rnd.nextInt(2), 2 + rnd.nextInt(2), 3 + rnd.nextInt(2), 2, trial % 2 == 1);
            if (Math.pow(p.workers().size(), p.jobs().size()) > 2_000_000) {
                continue;
            }
            double opt = new BruteForcePlanner().plan(p).makespanSeconds();
            Instance in = new Instance(p);
            Plan warm = new TestInstances.OneReplicaPlanner().plan(p);
            double upper = PlanEvaluator.evaluate(p, warm).requireValid().makespanSeconds();
            AggregatedModel am = new AggregatedModel(in, upper, in.simpleLowerBound());
            assertTrue(in.simpleLowerBound() <= opt * (1 + 1e-9), "simple bound above optimum");
            try (var highs = new dev.mosaic.bindings.highs.Highs()) {
                highs.passModel(am.model);
                int[] relabelled = new int[in.nj];
                double[] start = am.warmStart(PlanEvaluator.evaluate(p, warm).jobWorker(), relabelled);
                assertTrue(am.model.maxViolation(start) < 1e-6, "warm start violates the model by " + am.model.maxViolation(start));
                highs.setSolution(start);
                var r = highs.run();
                assertEquals(dev.mosaic.bindings.highs.HighsModelStatus.OPTIMAL, r.modelStatus());
                double relaxed = highs.objectiveValue();
                assertTrue(relaxed <= opt * (1 + 1e-6) + 1e-9, "aggregated optimum " + relaxed + " > true optimum " + opt + " (trial " + trial + ")");
            }
        }
    }

    private static Problem bigMemory(Problem p) {
        java.util.List<dev.mosaic.scheduler.problem.Worker> ws = new java.util.ArrayList<>();
        for (var w : p.workers()) {
            ws.add(new dev.mosaic.scheduler.problem.Worker(w.id(), 80, w.speed()));
        }
        return new Problem(ws, p.experts(), p.prompts());
    }

    @Test
    void largeInstancePlansValidWithinTimeLimit() {
        Problem p = bigMemory(TestInstances.random(new Random(5), 8, 16, 5000, 3, true));
        double limit = 3.0;
        long t0 = System.nanoTime();
        Plan plan = ilp(limit).plan(p);
        double seconds = (System.nanoTime() - t0) / 1e9;
        PlanEvaluator.Evaluation ev = PlanEvaluator.evaluate(p, plan).requireValid();
        assertEquals(ev.makespanSeconds(), plan.makespanSeconds(), 1e-9);
        assertEquals("aggregated", plan.solver().get("formulation"));
        Plan warm = new GreedyPlanner().plan(p);
        assertTrue(plan.makespanSeconds() <= warm.makespanSeconds());
        assertTrue(plan.lowerBoundSeconds() > 0 && plan.lowerBoundSeconds() <= plan.makespanSeconds());
        // Generous slack: the warm start and evaluation run outside HiGHS's share of the budget.
        assertTrue(seconds < limit + 3.0, "took " + seconds + " s with a " + limit + " s limit");
    }

    @Test
    void noIncumbentFallsBackToBestHeuristicPlan() {
        Problem p = bigMemory(TestInstances.random(new Random(9), 16, 32, 2000, 3, false));
        Plan warm = new TestInstances.OneReplicaPlanner().plan(p);
        Plan plan = new PlacementIlp(new PlanningOptions(1e-3, 0.005, 1), new TestInstances.OneReplicaPlanner(), false).plan(p);
        // HiGHS got no start and almost no time: it ends without a solution and the plan is the
        // best heuristic one (the warm start, possibly improved by the pre-MIP heuristics).
        assertEquals("TIME_LIMIT", plan.solver().get("modelStatus"), plan.solver().toString());
        assertEquals(plan.solver().get("mipStart"), plan.solver().get("fallback"), plan.solver().toString());
        assertEquals(plan.solver().get("mipStart"), plan.solver().get("chosen"));
        assertTrue(String.valueOf(plan.solver().fallbackReason()).contains("without a feasible solution"), plan.solver().toString());
        assertEquals(dev.mosaic.scheduler.plan.SolverInfo.Status.FALLBACK, plan.solver().status());
        assertTrue(plan.solver().isFallback());
        assertEquals((double) plan.solver().get("mipStartMakespanSeconds"), plan.makespanSeconds(), 1e-9 * plan.makespanSeconds());
        assertTrue(plan.makespanSeconds() <= warm.makespanSeconds());
        PlanEvaluator.evaluate(p, plan).requireValid();
    }

    @Test
    void registeredAsIlpWithTheCommandLineOptions() {
        assertTrue(dev.mosaic.scheduler.Planners.methods().contains("ilp"));
        var planner = dev.mosaic.scheduler.Planners.create("ilp", new dev.mosaic.scheduler.plan.PlanningOptions(3.5, 0.02, 2));
        assertEquals("ilp", planner.name());
        assertEquals(new PlanningOptions(3.5, 0.02, 2), ((PlacementIlp) planner).options());
    }
}
