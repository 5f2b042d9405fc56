package dev.mosaic.scheduler.baseline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.scheduler.gen.InstanceGenerator;
import dev.mosaic.scheduler.gen.InstanceSpec;
import dev.mosaic.scheduler.plan.LowerBounds;
import dev.mosaic.scheduler.plan.Plan;
import dev.mosaic.scheduler.plan.PlanEvaluator;
import dev.mosaic.scheduler.plan.PlanningException;
import dev.mosaic.scheduler.problem.Expert;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.problem.Prompt;
import dev.mosaic.scheduler.problem.Worker;
import dev.mosaic.scheduler.testing.Instances;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BaselinePlannersTest {

    private static void checkPlan(Problem problem, Plan plan) {
        PlanEvaluator.Evaluation ev = PlanEvaluator.evaluate(problem, plan).requireValid();
        assertEquals(ev.makespanSeconds(), plan.makespanSeconds(), 1e-9 * ev.makespanSeconds(), "reported makespan is the evaluated one");
        double bound = LowerBounds.of(problem);
        assertEquals(bound, plan.lowerBoundSeconds(), 1e-9 * bound);
        assertTrue(plan.makespanSeconds() >= bound * (1 - 1e-12));
        assertEquals(Plan.gap(plan.makespanSeconds(), bound), plan.gap(), 1e-12);
        assertTrue(plan.solver().containsKey("solveSeconds"));
    }

    @Test
    void greedyHonoursItsTimeLimitOnTwoThousandWorkers() {
        // issue 12: 2,000 workers took 18-81 s whatever the time limit
        Problem p = InstanceGenerator.generate(InstanceSpec.preset("paper-like").withWorkers(2000));
        long t0 = System.nanoTime();
        Plan plan = new GreedyPlanner(0.5).plan(p);
        double seconds = (System.nanoTime() - t0) / 1e9;
        checkPlan(p, plan);
        assertTrue(seconds < 5, "greedy with a 0.5 s limit took " + seconds + " s");
        assertEquals(true, plan.solver().get("timeLimitReached"), plan.solver().toString());
    }

    @Test
    void roundRobinPutsExpertIOnWorkerIModW() {
        Problem p = Instances.small();
        Plan plan = new RoundRobinPlanner().plan(p);
        assertEquals(Map.of("gpu0", List.of("reason"), "gpu1", List.of("chat")), plan.placement());
        // gpu0: load 20 + (300*1e-4 + 3000*0.004) + (200*1e-4 + 2000*0.004) = 40.05 > largest floor 15.03
        assertEquals(40.05, plan.makespanSeconds(), 1e-9);
        checkPlan(p, plan);
        assertEquals("round-robin", plan.solver().get("method"));
    }

    @Test
    void roundRobinMovesOnWhenAWorkerIsFull() {
        Problem p = new Problem(List.of(new Worker("a", 10, 1), new Worker("b", 30, 1)),
                List.of(new Expert("x", 8, 1, 0, 1, 1), new Expert("y", 8, 1, 0, 1, 1), new Expert("z", 8, 1, 0, 1, 1)),
                List.of(new Prompt("p", 1, Map.of("x", 1.0, "y", 1.0, "z", 1.0))));
        Plan plan = new RoundRobinPlanner().plan(p);
        // x -> a; y -> b; z would go to a (z = 2 mod 2) but a is full, so b
        assertEquals(Map.of("a", List.of("x"), "b", List.of("y", "z")), plan.placement());
        checkPlan(p, plan);
    }

    @Test
    void roundRobinFailsClearlyWhenNothingFits() {
        Problem p = new Problem(List.of(new Worker("a", 10, 1), new Worker("b", 10, 1)),
                List.of(new Expert("x", 6, 1, 0, 1, 1), new Expert("y", 6, 1, 0, 1, 1), new Expert("z", 6, 1, 0, 1, 1)), List.of());
        PlanningException e = assertThrows(PlanningException.class, () -> new RoundRobinPlanner().plan(p));
        assertEquals("round-robin: no worker has room left for expert z (needs 6.0 GiB)", e.getMessage());
    }

    @Test
    void greedyReplicatesTheHotExpert() {
        Problem p = Instances.small();
        Plan plan = new GreedyPlanner().plan(p);
        checkPlan(p, plan);
        // the reasoning expert has 20 s of the 21 s of work: a second replica (20 s to load) takes one of its jobs
        assertEquals(2, plan.placement().values().stream().filter(es -> es.contains("reason")).count(), plan.placement().toString());
        // one worker: 20 + 12.03 (q0); the other: 20 + 10 + 8.02 (q1) + 0.81 (q2) = 38.83
        assertEquals(38.83, plan.makespanSeconds(), 1e-9);
    }

    @Test
    void greedyBeatsRoundRobinOnThePaperLikePreset() {
        Problem p = InstanceGenerator.generate(InstanceSpec.preset("paper-like"));
        Plan rr = new RoundRobinPlanner().plan(p);
        Plan greedy = new GreedyPlanner().plan(p);
        checkPlan(p, rr);
        checkPlan(p, greedy);
        assertTrue(rr.makespanSeconds() / greedy.makespanSeconds() > 1.5, "speedup " + rr.makespanSeconds() / greedy.makespanSeconds());
        assertTrue(greedy.gap() < 0.03, "gap " + greedy.gap());
    }

    @Test
    void greedyIsCloseToTheBoundOnALargerPreset() {
        // 8 workers, 16 experts: the pinned instruct experts must make room for reasoning replicas
        Problem p = InstanceGenerator.generate(InstanceSpec.preset("medium").withPrompts(3000));
        Plan greedy = new GreedyPlanner().plan(p);
        checkPlan(p, greedy);
        assertTrue(greedy.gap() < 0.03, "gap " + greedy.gap());
        assertTrue(new RoundRobinPlanner().plan(p).makespanSeconds() / greedy.makespanSeconds() > 1.5);
    }

    @Test
    void greedyPacksTightMemoryWhereRoundRobinCannot() {
        // 3 x 80 GiB workers for 11 experts of ~236 GiB (found by the property test): only a careful packing fits
        Problem p = InstanceGenerator.generate(InstanceSpec.preset("paper-like").withWorkers(3).withExperts(11).withPrompts(15)
                .withSkew(0.53).withSeed(8));
        assertThrows(PlanningException.class, () -> new RoundRobinPlanner().plan(p));
        Plan greedy = new GreedyPlanner().plan(p);
        checkPlan(p, greedy);
    }

    @Test
    void greedyHandlesRandomInstances() {
        for (long seed = 1; seed <= 30; seed++) {
            Problem p = Instances.random(seed, 1 + (int) (seed % 4), 1 + (int) (seed % 6), (int) (seed * 3));
            Plan g = new GreedyPlanner().plan(p);
            Plan rr = new RoundRobinPlanner().plan(p);
            checkPlan(p, g);
            checkPlan(p, rr);
            assertTrue(g.makespanSeconds() <= rr.makespanSeconds() * (1 + 1e-12), "seed " + seed);
        }
    }
}
