package dev.mosaic.scheduler.ilp;

import dev.mosaic.scheduler.plan.PlanningOptions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.scheduler.baseline.GreedyPlanner;
import dev.mosaic.scheduler.baseline.RoundRobinPlanner;
import dev.mosaic.scheduler.gen.InstanceGenerator;
import dev.mosaic.scheduler.gen.InstanceSpec;
import dev.mosaic.scheduler.plan.LowerBounds;
import dev.mosaic.scheduler.plan.Plan;
import dev.mosaic.scheduler.plan.PlanEvaluator;
import dev.mosaic.scheduler.plan.PlanningException;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.problem.ProblemValidator;
import dev.mosaic.scheduler.testing.Instances;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** ILP planner properties on random instances: valid, bounded, ILP <= greedy <= round-robin. */
class PlacementIlpPropertyTest {

    private static final PlanningOptions OPTIONS = new PlanningOptions(2.0, 0.005, 1);

    @Property(tries = 25)
    void randomInstances(@ForAll long seed, @ForAll @IntRange(min = 1, max = 5) int nw,
                         @ForAll @IntRange(min = 1, max = 7) int ne, @ForAll @IntRange(min = 0, max = 80) int np) {
        check(ProblemValidator.validate(Instances.random(seed, nw, ne, np)));
    }

    @Property(tries = 10)
    void generatedInstances(@ForAll long seed, @ForAll @IntRange(min = 2, max = 6) int nw,
                            @ForAll @IntRange(min = 3, max = 10) int ne, @ForAll @IntRange(min = 1, max = 300) int np) {
        Problem p = InstanceGenerator.generate(InstanceSpec.preset("paper-like").withWorkers(nw).withExperts(ne)
                .withPrompts(np).withSeed(seed));
        if (!ProblemValidator.check(p).isEmpty()) {
            return; // more expert memory than the workers have: nothing to plan
        }
        check(p);
    }

    private static void check(Problem p) {
        Plan greedy = new GreedyPlanner().plan(p);
        Plan ilp = new PlacementIlp(OPTIONS).plan(p);
        PlanEvaluator.Evaluation ev = PlanEvaluator.evaluate(p, ilp).requireValid();
        double ms = ev.makespanSeconds();
        assertEquals(ms, ilp.makespanSeconds(), 1e-9 * Math.max(1, ms));
        assertTrue(ms <= greedy.makespanSeconds() * (1 + 1e-12), "ILP " + ms + " > greedy " + greedy.makespanSeconds());
        Double rr = null;
        try {
            rr = new RoundRobinPlanner().plan(p).makespanSeconds();
            assertTrue(greedy.makespanSeconds() <= rr * (1 + 1e-12), "greedy > round-robin");
        } catch (PlanningException e) {
            // round-robin cannot place these experts; the other two still must hold
        }
        // The bound (before any clamping) must not exceed any valid plan's makespan.
        double dual = ilp.solver().boundSeconds();
        double bound = Math.max(LowerBounds.of(p), Double.isFinite(dual) ? dual : 0);
        double slack = 1 + 1e-6;
        assertTrue(bound <= ms * slack, "bound " + bound + " > ILP makespan " + ms + " " + ilp.solver());
        assertTrue(bound <= greedy.makespanSeconds() * slack);
        if (rr != null) {
            assertTrue(bound <= rr * slack);
        }
        assertTrue(ilp.lowerBoundSeconds() <= ms && ilp.lowerBoundSeconds() >= LowerBounds.of(p) * (1 - 1e-12));
        assertTrue(ilp.gap() >= 0 && ilp.gap() < 1);
    }
}
