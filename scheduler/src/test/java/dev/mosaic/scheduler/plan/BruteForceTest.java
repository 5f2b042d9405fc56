package dev.mosaic.scheduler.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.scheduler.baseline.GreedyPlanner;
import dev.mosaic.scheduler.baseline.RoundRobinPlanner;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.testing.BruteForcePlanner;
import dev.mosaic.scheduler.testing.Instances;
import org.junit.jupiter.api.Test;

/** Lower bounds, the evaluator and the baselines against exhaustive enumeration on tiny instances. */
class BruteForceTest {

    @Test
    void handInstanceOptimum() {
        Problem p = Instances.small();
        Plan opt = new BruteForcePlanner().plan(p);
        // best: replicate "reason" (q0 alone on one worker: 20 + 12.03), everything else on the other (38.83)
        assertEquals(38.83, opt.makespanSeconds(), 1e-9);
        assertEquals(opt.makespanSeconds(), new GreedyPlanner().plan(p).makespanSeconds(), 1e-9);
    }

    @Test
    void boundsEvaluatorAndBaselinesAgainstTheOptimum() {
        int tightBound = 0;
        for (long seed = 1; seed <= 120; seed++) {
            int workers = 2 + (int) (seed % 2);            // 2-3 workers
            int experts = 2 + (int) ((seed / 2) % 2);      // 2-3 experts
            int prompts = 1 + (int) (seed % 5);            // 1-5 prompts
            Problem p = Instances.random(seed, workers, experts, prompts);
            if (Math.pow(workers, p.jobs().size()) > 200_000) {
                continue;
            }
            Plan opt = new BruteForcePlanner().plan(p);
            PlanEvaluator.Evaluation ev = PlanEvaluator.evaluate(p, opt).requireValid();
            assertEquals(opt.makespanSeconds(), ev.makespanSeconds(), 1e-9 * opt.makespanSeconds(), "evaluator agrees with enumeration, seed " + seed);

            LowerBounds.Bounds b = LowerBounds.compute(p, p.jobs());
            double tol = 1e-9 * opt.makespanSeconds();
            assertTrue(b.job() <= opt.makespanSeconds() + tol, "job bound, seed " + seed);
            assertTrue(b.capacity() <= opt.makespanSeconds() + tol, "capacity bound, seed " + seed);
            assertTrue(b.replica() <= opt.makespanSeconds() + tol, "replica bound, seed " + seed);
            assertTrue(b.replicaCapacity() <= opt.makespanSeconds() + tol, "replica-capacity bound, seed " + seed);
            if (b.best() >= opt.makespanSeconds() * 0.9) {
                tightBound++;
            }

            Plan greedy = new GreedyPlanner().plan(p);
            Plan rr = new RoundRobinPlanner().plan(p);
            assertTrue(greedy.makespanSeconds() >= opt.makespanSeconds() - tol, "greedy cannot beat the optimum, seed " + seed);
            assertTrue(rr.makespanSeconds() >= greedy.makespanSeconds() - tol, "greedy <= round-robin, seed " + seed);
        }
        assertTrue(tightBound > 30, "the bound should be within 10% of the optimum on a fair share of instances: " + tightBound);
    }
}
