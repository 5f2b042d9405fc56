package dev.mosaic.scheduler.ilp;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.scheduler.plan.Plan;
import dev.mosaic.scheduler.plan.PlanEvaluator;
import dev.mosaic.scheduler.problem.Problem;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class PlacementIlpPropertyTest {

    @Property(tries = 30)
    void planIsValidBoundedAndNoWorseThanWarmStart(@ForAll long seed, @ForAll @IntRange(min = 1, max = 5) int nw,
                                                   @ForAll @IntRange(min = 1, max = 7) int ne,
                                                   @ForAll @IntRange(min = 1, max = 120) int np,
                                                   @ForAll boolean mixedSpeeds) {
        Problem p = TestInstances.placeable(new Random(seed), nw, ne, np, 1 + (int) Math.floorMod(seed, 3), mixedSpeeds);
        Plan warm = new TestInstances.OneReplicaPlanner().plan(p);
        Plan plan = new PlacementIlp(new IlpOptions(2.0, 0.005, 1), new TestInstances.OneReplicaPlanner()).plan(p);
        PlanEvaluator.Evaluation ev = PlanEvaluator.evaluate(p, plan).requireValid();
        double ms = ev.makespanSeconds();
        assertTrue(Math.abs(ms - plan.makespanSeconds()) <= 1e-9 * ms, "reported makespan differs from evaluated");
        assertTrue(ms <= warm.makespanSeconds() * (1 + 1e-12), "ILP " + ms + " worse than warm start " + warm.makespanSeconds());
        // The bound must hold against every valid plan we can produce, not just ours.
        Object dual = plan.solver().get("mipDualBoundSeconds");
        double raw = dual instanceof Double d ? Math.max(d, new Instance(p).simpleLowerBound()) : new Instance(p).simpleLowerBound();
        assertTrue(raw <= ms * (1 + 1e-6), "bound " + raw + " above the plan's makespan " + ms + " " + plan.solver());
        assertTrue(raw <= warm.makespanSeconds() * (1 + 1e-6));
        assertTrue(plan.lowerBoundSeconds() <= ms && plan.gap() >= 0 && plan.gap() < 1);
    }
}
