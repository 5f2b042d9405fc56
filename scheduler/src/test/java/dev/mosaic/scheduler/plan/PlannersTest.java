package dev.mosaic.scheduler.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PlannersTest {

    @Test
    void baselinesAreRegisteredFirst() {
        assertEquals("round-robin", Planners.methods().get(0));
        assertEquals("greedy", Planners.methods().get(1));
        for (String m : Planners.methods()) {
            assertEquals(m, Planners.create(m, PlannerOptions.defaults()).name());
        }
    }

    @Test
    void unknownMethodListsTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Planners.create("magic", PlannerOptions.defaults()));
        assertTrue(e.getMessage().startsWith("unknown planning method 'magic'; known: round-robin, greedy"), e.getMessage());
    }

    @Test
    void optionsAreChecked() {
        assertEquals("time limit: must be > 0 seconds, got 0.0",
                assertThrows(IllegalArgumentException.class, () -> new PlannerOptions(0, 0.01, 1)).getMessage());
        assertEquals("gap: must be in [0, 1), got 1.0", assertThrows(IllegalArgumentException.class, () -> new PlannerOptions(1, 1, 1)).getMessage());
        assertEquals("threads: must be >= 1, got 0", assertThrows(IllegalArgumentException.class, () -> new PlannerOptions(1, 0, 0)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new PlannerOptions(Double.NaN, 0, 1));
    }
}
