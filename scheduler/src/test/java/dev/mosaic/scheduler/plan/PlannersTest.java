package dev.mosaic.scheduler.plan;

import dev.mosaic.scheduler.Planners;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.problem.ProblemValidationException;
import dev.mosaic.scheduler.problem.ProblemValidator;
import dev.mosaic.scheduler.problem.Worker;
import dev.mosaic.scheduler.testing.Instances;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlannersTest {

    @Test
    void baselinesAreRegisteredFirst() {
        assertEquals("round-robin", Planners.methods().get(0));
        assertEquals("greedy", Planners.methods().get(1));
        for (String m : Planners.methods()) {
            assertEquals(m, Planners.create(m, PlanningOptions.defaults()).name());
        }
    }

    @Test
    void unknownMethodListsTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Planners.create("magic", PlanningOptions.defaults()));
        assertTrue(e.getMessage().startsWith("unknown planning method 'magic'; known: round-robin, greedy"), e.getMessage());
    }

    @Test
    void optionsAreChecked() {
        assertEquals("time limit: must be > 0 seconds, got 0.0",
                assertThrows(IllegalArgumentException.class, () -> new PlanningOptions(0, 0.01, 1)).getMessage());
        assertEquals("gap: must be in [0, 1), got 1.0", assertThrows(IllegalArgumentException.class, () -> new PlanningOptions(1, 1, 1)).getMessage());
        assertEquals("threads: must be >= 1, got 0", assertThrows(IllegalArgumentException.class, () -> new PlanningOptions(1, 0, 0)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new PlanningOptions(Double.NaN, 0, 1));
    }

    @Test
    void optionsDefaultsAndWithers() {
        PlanningOptions d = PlanningOptions.defaults();
        assertEquals(10.0, d.timeLimitSeconds());
        assertEquals(0.01, d.relativeGap());
        assertEquals(new PlanningOptions(2.5, 0.02, 3), d.withTimeLimitSeconds(2.5).withRelativeGap(0.02).withThreads(3));
        assertEquals("time limit: must be finite, got Infinity",
                assertThrows(IllegalArgumentException.class, () -> d.withTimeLimitSeconds(Double.POSITIVE_INFINITY)).getMessage());
    }

    /** Every planner validates first and throws exactly what the validator throws, listing every problem. */
    @Test
    void plannersThrowTheValidatorsException() {
        Problem good = Instances.random(5, 2, 3, 10);
        List<Worker> workers = new ArrayList<>(good.workers());
        workers.set(1, new Worker(workers.get(1).id(), Double.NaN, -1));
        Problem bad = new Problem(workers, good.experts(), good.prompts());
        ProblemValidationException expected = assertThrows(ProblemValidationException.class, () -> ProblemValidator.validate(bad));
        for (String m : Planners.methods()) {
            ProblemValidationException e = assertThrows(ProblemValidationException.class,
                    () -> Planners.create(m, PlanningOptions.defaults().withTimeLimitSeconds(1)).plan(bad), m);
            assertEquals(expected.problems(), e.problems(), m);
            assertEquals(expected.getMessage(), e.getMessage(), m);
        }
    }
}
