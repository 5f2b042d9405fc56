package dev.mosaic.scheduler.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.scheduler.baseline.GreedyPlanner;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.testing.Instances;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlanIoTest {

    @TempDir
    Path dir;

    @Test
    void roundTrip() throws IOException {
        Problem p = Instances.random(3, 3, 4, 20);
        Plan plan = new GreedyPlanner().plan(p);
        Path f = dir.resolve("plan.json");
        PlanIo.write(plan, f);
        Plan back = PlanIo.read(f);
        assertEquals(plan.placement(), back.placement());
        assertEquals(plan.assignment(), back.assignment());
        assertEquals(plan.makespanSeconds(), back.makespanSeconds());
        assertEquals(plan.lowerBoundSeconds(), back.lowerBoundSeconds());
        assertEquals(plan.gap(), back.gap());
        assertEquals("greedy", back.solver().get("method"));
        assertEquals(PlanEvaluator.evaluate(p, plan).makespanSeconds(), PlanEvaluator.evaluate(p, back).requireValid().makespanSeconds());
        String json = Files.readString(f);
        assertTrue(json.indexOf("\"placement\"") < json.indexOf("\"assignment\"") && json.indexOf("\"assignment\"") < json.indexOf("\"makespanSeconds\""));
    }

    @Test
    void badFilesAreNamed() throws IOException {
        Path f = dir.resolve("bad.json");
        Files.writeString(f, "{\"placement\": {}, ");
        assertTrue(assertThrows(PlanFormatException.class, () -> PlanIo.read(f)).getMessage().startsWith(f + ": invalid JSON at line 1"));
        Files.writeString(f, "{\"placement\": {}, \"assignment\": []}");
        assertEquals(f + ": makespanSeconds: missing", assertThrows(PlanFormatException.class, () -> PlanIo.read(f)).getMessage());
        Path none = dir.resolve("none.json");
        assertEquals(none + ": file not found", assertThrows(PlanFormatException.class, () -> PlanIo.read(none)).getMessage());
    }
}
