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
        assertEquals(plan.solver(), back.solver());
        assertEquals(SolverInfo.Status.HEURISTIC, back.solver().status());
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

    @Test
    void solverInfoIsAFlatJsonObjectAndRoundTrips() {
        SolverInfo info = new SolverInfo("ilp", SolverInfo.Status.LIMIT_REACHED, 12.5, 0.004, 4, 2, 1.25, null, null,
                java.util.Map.of("modelStatus", "TIME_LIMIT"));
        Plan plan = new Plan(java.util.Map.of("w", java.util.List.of()), java.util.List.of(), 13, 12.5, Plan.gap(13, 12.5), info);
        String json = PlanIo.toJson(plan);
        assertTrue(json.contains("\"status\" : \"limit-reached\""), json);
        assertTrue(json.contains("\"threadsRequested\" : 4"), json);
        assertTrue(json.contains("\"threadsUsed\" : 2"), json);
        assertTrue(json.contains("\"boundSeconds\" : 12.5"), json);
        assertTrue(json.contains("\"modelStatus\" : \"TIME_LIMIT\""), json);
        assertTrue(!json.contains("fallback"), json);
        SolverInfo back = PlanIo.parse(json.getBytes(java.nio.charset.StandardCharsets.UTF_8), "test").solver();
        assertEquals(info, back);
        assertEquals("TIME_LIMIT", back.details().get("modelStatus"));
    }

    @Test
    void plansWithoutOrWithOldSolverBlocksStillRead() {
        String old = "{\"placement\": {}, \"assignment\": [], \"makespanSeconds\": 1, \"lowerBoundSeconds\": 1, \"gap\": 0,"
                + " \"solver\": {\"method\": \"ilp\", \"threads\": 2, \"mipDualBoundSeconds\": 1.0}}";
        SolverInfo s = PlanIo.parse(old.getBytes(java.nio.charset.StandardCharsets.UTF_8), "old").solver();
        assertEquals("ilp", s.method());
        assertEquals(SolverInfo.Status.UNKNOWN, s.status());
        assertEquals(2, s.details().get("threads"));
        String none = "{\"placement\": {}, \"assignment\": [], \"makespanSeconds\": 1, \"lowerBoundSeconds\": 1, \"gap\": 0}";
        assertEquals(SolverInfo.Status.UNKNOWN, PlanIo.parse(none.getBytes(java.nio.charset.StandardCharsets.UTF_8), "none").solver().status());
    }
}
