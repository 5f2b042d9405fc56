package dev.mosaic.scheduler.plan;

import dev.mosaic.scheduler.Planners;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.scheduler.gen.InstanceGenerator;
import dev.mosaic.scheduler.gen.InstanceSpec;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.problem.ProblemIo;
import dev.mosaic.scheduler.problem.ProblemValidator;
import dev.mosaic.scheduler.testing.Instances;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;

/** Properties of every registered baseline on random instances. */
class PlannerPropertiesTest {

    @Property(tries = 150)
    void baselinePlansAreValidAndAboveTheBound(@ForAll long seed, @ForAll @IntRange(min = 1, max = 6) int workers,
                                               @ForAll @IntRange(min = 1, max = 8) int experts, @ForAll @IntRange(min = 0, max = 60) int prompts) {
        Problem p = ProblemValidator.validate(Instances.random(seed, workers, experts, prompts));
        double bound = LowerBounds.of(p);
        double rr = checked(p, Planners.create("round-robin", PlanningOptions.defaults()), bound);
        double greedy = checked(p, Planners.create("greedy", PlanningOptions.defaults()), bound);
        assertTrue(greedy <= rr * (1 + 1e-12), "greedy " + greedy + " > round-robin " + rr);
    }

    @Property(tries = 25)
    void generatedInstancesPlanAndRoundTrip(@ForAll long seed, @ForAll @IntRange(min = 1, max = 8) int workers,
                                            @ForAll @IntRange(min = 3, max = 12) int experts, @ForAll @IntRange(min = 0, max = 300) int prompts,
                                            @ForAll @DoubleRange(min = 0.5, max = 8) double skew) {
        InstanceSpec spec = InstanceSpec.preset("paper-like").withWorkers(workers).withExperts(experts).withPrompts(prompts)
                .withSkew(skew).withSeed(seed);
        Problem p = InstanceGenerator.generate(spec);
        if (!ProblemValidator.check(p).isEmpty()) {
            return; // too many experts for too few workers: the validator explains why, nothing to plan
        }
        assertEquals(p, ProblemIo.parse(ProblemIo.toJson(p), "generated"));
        double bound = LowerBounds.of(p);
        double greedy;
        try {
            greedy = checked(p, Planners.create("greedy", PlanningOptions.defaults()), bound);
        } catch (PlanningException e) {
            // memory so tight that the replicas may not pack at all (bin packing); both planners must say so
            assertTrue(e.getMessage().contains("found no way to fit one replica of every expert"), e.getMessage());
            assertTrue(e.getMessage().contains("round-robin: no worker has room left"), e.getMessage());
            return;
        }
        try {
            double rr = checked(p, Planners.create("round-robin", PlanningOptions.defaults()), bound);
            assertTrue(greedy <= rr * (1 + 1e-12));
        } catch (PlanningException e) {
            assertTrue(e.getMessage().startsWith("round-robin: no worker has room left"), e.getMessage());
        }
    }

    private static double checked(Problem p, Planner planner, double bound) {
        Plan plan = planner.plan(p);
        PlanEvaluator.Evaluation ev = PlanEvaluator.evaluate(p, plan).requireValid();
        assertEquals(ev.makespanSeconds(), plan.makespanSeconds(), 1e-9 * Math.max(1, ev.makespanSeconds()));
        assertTrue(plan.makespanSeconds() >= bound * (1 - 1e-12), planner.name() + ": makespan below the lower bound");
        assertTrue(plan.lowerBoundSeconds() <= plan.makespanSeconds() && plan.gap() >= 0 && plan.gap() <= 1);
        return plan.makespanSeconds();
    }
}
