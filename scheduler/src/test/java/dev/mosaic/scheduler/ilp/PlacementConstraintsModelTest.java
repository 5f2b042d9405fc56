package dev.mosaic.scheduler.ilp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.bindings.highs.Highs;
import dev.mosaic.bindings.highs.HighsModelStatus;
import dev.mosaic.scheduler.baseline.GreedyPlanner;
import dev.mosaic.scheduler.plan.LowerBounds;
import dev.mosaic.scheduler.plan.Plan;
import dev.mosaic.scheduler.plan.PlanEvaluator;
import dev.mosaic.scheduler.plan.PlanningOptions;
import dev.mosaic.scheduler.problem.Expert;
import dev.mosaic.scheduler.problem.PlacementRules;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.problem.ProblemValidator;
import dev.mosaic.scheduler.problem.Prompt;
import dev.mosaic.scheduler.problem.Worker;
import dev.mosaic.scheduler.testing.BruteForcePlanner;
import dev.mosaic.scheduler.testing.Instances;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The aggregated model under placement constraints (forbidden, pinned, loaded): its optimum stays
 * a lower bound on the brute-force optimum, also with identical workers whose constraints differ
 * (they must not be treated as interchangeable by the symmetry rows).
 */
class PlacementConstraintsModelTest {

    /** The aggregated model's optimum for {@code p}, started from the greedy plan. */
    private static double aggregatedOptimum(Problem p) {
        Instance in = new Instance(p);
        Plan warm = new GreedyPlanner().plan(p);
        PlanEvaluator.Evaluation ev = PlanEvaluator.evaluate(p, warm).requireValid();
        AggregatedModel am = new AggregatedModel(in, ev.makespanSeconds(), in.simpleLowerBound());
        try (Highs highs = new Highs()) {
            highs.passModel(am.model);
            double[] start = am.warmStart(ev.jobWorker(), new int[in.nj]);
            assertTrue(am.model.maxViolation(start) < 1e-6, "warm start violates the model by " + am.model.maxViolation(start));
            highs.setSolution(start);
            var r = highs.run();
            assertEquals(HighsModelStatus.OPTIMAL, r.modelStatus());
            return highs.objectiveValue();
        }
    }

    private static Problem identicalWorkers(Problem p) {
        List<Worker> ws = new ArrayList<>();
        for (Worker w : p.workers()) {
            ws.add(new Worker(w.id(), p.workers().get(0).memoryGiB(), p.workers().get(0).speed()));
        }
        return new Problem(ws, p.experts(), p.prompts());
    }

    @Test
    void aggregatedBoundsStayBelowTheBruteForceOptimumUnderConstraints() {
        Random rnd = new Random(99);
        int checked = 0;
        for (long seed = 1; seed <= 60; seed++) {
            int workers = 2 + (int) (seed % 2);
            Problem base = Instances.random(seed, workers, 2 + (int) ((seed / 2) % 2), 1 + (int) (seed % 4));
            if (seed % 3 != 0) {
                base = identicalWorkers(base);
            }
            if (Math.pow(workers, base.jobs().size()) > 100_000) {
                continue;
            }
            Problem p = Instances.withRandomPlacement(base, rnd, 0.2, 0.2, 0.3);
            if (!ProblemValidator.check(p).isEmpty()) {
                continue;
            }
            double opt;
            try {
                opt = new BruteForcePlanner().plan(p).makespanSeconds();
            } catch (IllegalArgumentException e) {
                continue;
            }
            try {
                new GreedyPlanner().plan(p);
            } catch (dev.mosaic.scheduler.plan.PlanningException e) {
                continue; // no warm start to build the model with
            }
            checked++;
            Instance in = new Instance(p);
            assertTrue(in.simpleLowerBound() <= opt * (1 + 1e-9), "simple bound above the optimum, seed " + seed);
            assertTrue(LowerBounds.compute(p, in.jobs).best() <= opt * (1 + 1e-9), "LowerBounds above the optimum, seed " + seed);
            double relaxed = aggregatedOptimum(p);
            assertTrue(relaxed <= opt * (1 + 1e-6) + 1e-9, "aggregated optimum " + relaxed + " > true optimum " + opt + ", seed " + seed);
        }
        assertTrue(checked >= 20, "too few instances checked: " + checked);
    }

    @Test
    void identicalWorkersWithDifferentConstraintsAreNotInterchangeable() {
        // Two equal workers; the heavy expert h may only run on w1, the light one l anywhere.
        // Optimum: h on w1 (1 + 10 s), l on w0 (1 + 1 s) = 11 s. Symmetry rows that force
        // load(w0) >= load(w1) would push the model's optimum above that.
        Expert h = new Expert("h", 10, 1, 0, 0.01, 0.01);
        Expert l = new Expert("l", 10, 1, 0, 0.01, 0.01);
        Problem p = new Problem(List.of(new Worker("w0", 40, 1), new Worker("w1", 40, 1)), List.of(h, l),
                List.of(new Prompt("p0", 0, Map.of("h", 1000.0)), new Prompt("p1", 0, Map.of("l", 100.0))))
                .withPlacement(new PlacementRules(List.of(new PlacementRules.Pair("w0", "h"))));
        assertEquals(11, new BruteForcePlanner().plan(p).makespanSeconds(), 1e-9);
        assertEquals(1, new AggregatedModel(new Instance(p), 11, 0).identicalGroups().get(0).size());
        assertTrue(aggregatedOptimum(p) <= 11 + 1e-6, "aggregated optimum " + aggregatedOptimum(p));
    }

    @Test
    void theFullPortfolioHonoursPinsOnAnAggregatedSizeInstance() {
        Problem base = Instances.random(7, 4, 6, 60);
        Random rnd = new Random(7);
        Problem p = null;
        for (int i = 0; i < 50 && p == null; i++) {
            Problem q = Instances.withRandomPlacement(base, rnd, 0.1, 0.15, 0.3);
            if (!q.placement().pinned().isEmpty() && !q.placement().loaded().isEmpty() && ProblemValidator.check(q).isEmpty()) {
                p = q;
            }
        }
        assertTrue(p != null, "no valid constrained instance drawn");
        Plan plan = new PlacementIlp(new PlanningOptions(3, 1e-4, 1)).plan(p);
        assertEquals("aggregated", plan.solver().get("formulation"));
        PlanEvaluator.Evaluation ev = PlanEvaluator.evaluate(p, plan).requireValid();
        assertEquals(ev.makespanSeconds(), plan.makespanSeconds(), 1e-9 * ev.makespanSeconds());
        for (PlacementRules.Pair f : p.placement().pinned()) {
            assertTrue(plan.placement().get(f.worker()).contains(f.expert()), "pinned " + f);
        }
        assertTrue(plan.makespanSeconds() <= new GreedyPlanner().plan(p).makespanSeconds() * (1 + 1e-12));
        assertTrue(plan.lowerBoundSeconds() <= plan.makespanSeconds());
    }
}
