package dev.mosaic.cli;

import static dev.mosaic.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.scheduler.plan.Plan;
import dev.mosaic.scheduler.plan.PlanEvaluator;
import dev.mosaic.scheduler.plan.PlanIo;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.problem.ProblemIo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** gen, plan and compare through {@link Mosaic#commandLine()}, as a user would run them. */
class PlanningCommandsTest {

    @TempDir
    Path dir;

    @Test
    void genThenPlanWritesAValidPlan() throws IOException {
        Path problem = dir.resolve("p.json");
        CliRun gen = run("gen", "--preset", "paper-like", "--seed", "3", "--prompts", "200", "--out", problem.toString());
        assertEquals(0, gen.exit(), gen.err());
        assertTrue(gen.out().contains("4 workers x 80.0 GiB, 6 experts (2 reasoning), 200 prompts, 600 jobs, seed 3"), gen.out());
        Problem p = ProblemIo.read(problem);

        Path plan = dir.resolve("out/plan.json");
        CliRun r = run("plan", "--problem", problem.toString(), "--out", plan.toString(), "--method", "greedy");
        assertEquals(0, r.exit(), r.err());
        Plan written = PlanIo.read(plan);
        PlanEvaluator.Evaluation ev = PlanEvaluator.evaluate(p, written).requireValid();
        assertEquals(ev.makespanSeconds(), written.makespanSeconds(), 1e-9 * ev.makespanSeconds());
        for (String column : new String[] {"worker", "replicas", "makespan", "lower bound", "gap", "vs round-robin", "solve time", "gpu3"}) {
            assertTrue(r.out().contains(column), column + " missing in\n" + r.out());
        }
        assertTrue(r.out().contains(String.format(java.util.Locale.ROOT, "%.1f s", ev.makespanSeconds())), r.out());
    }

    @Test
    void roundRobinMethodAndSpeedupOfOne() throws IOException {
        Path problem = dir.resolve("p.json");
        assertEquals(0, run("gen", "--preset", "tiny", "--out", problem.toString()).exit());
        CliRun r = run("plan", "--problem", problem.toString(), "--out", dir.resolve("rr.json").toString(), "--method", "round-robin");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("1.00x"), r.out());
        assertEquals("round-robin", PlanIo.read(dir.resolve("rr.json")).solver().get("method"));
    }

    @Test
    void badJsonExitsTwoAndNamesTheFile() throws IOException {
        Path problem = dir.resolve("broken.json");
        Files.writeString(problem, "{\"workers\": [\n}");
        Path out = dir.resolve("plan.json");
        CliRun r = run("plan", "--problem", problem.toString(), "--out", out.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().startsWith("mosaic: " + problem + ": invalid JSON at line 2"), r.err());
        assertFalse(Files.exists(out), "no output for bad input");
    }

    @Test
    void invalidProblemAndMissingFileExitTwo() throws IOException {
        Path problem = dir.resolve("p.json");
        Files.writeString(problem, """
                {"workers": [{"id": "g", "memoryGiB": 12.0, "speed": 1}],
                 "experts": [{"id": "X", "memoryGiB": 15.2, "loadSeconds": 1, "prefillSecondsPerToken": 0,
                              "decodeSecondsPerToken": 0, "decodeLatencySecondsPerToken": 0}],
                 "prompts": []}
                """);
        CliRun r = run("plan", "--problem", problem.toString(), "--out", dir.resolve("x.json").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("infeasible: expert X needs 15.2 GiB, largest worker has 12.0 GiB"), r.err());
        CliRun missing = run("compare", "--problem", dir.resolve("none.json").toString());
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains(dir.resolve("none.json") + ": file not found"), missing.err());
    }

    @Test
    void badOptionsExitTwo() {
        Path problem = dir.resolve("p.json");
        assertEquals(0, run("gen", "--preset", "tiny", "--out", problem.toString()).exit());
        CliRun method = run("plan", "--problem", problem.toString(), "--out", dir.resolve("x.json").toString(), "--method", "magic");
        assertEquals(2, method.exit());
        assertTrue(method.err().contains("unknown planning method 'magic'"), method.err());
        CliRun gap = run("plan", "--problem", problem.toString(), "--out", dir.resolve("x.json").toString(), "--gap", "-1");
        assertEquals(2, gap.exit());
        assertTrue(gap.err().contains("--gap: must be 0 to 0.99, got -1.0"), gap.err());
        CliRun preset = run("gen", "--preset", "nope", "--out", dir.resolve("y.json").toString());
        assertEquals(2, preset.exit());
        assertTrue(preset.err().contains("unknown preset 'nope'"), preset.err());
        assertEquals(2, run("plan", "--out", "x.json").exit(), "missing --problem");
    }

    @Test
    void sizeKnobsAdjustTheMix() throws IOException {
        Path problem = dir.resolve("small.json");
        CliRun r = run("gen", "--experts", "2", "--workers", "3", "--prompts", "10", "--seed", "9", "--out", problem.toString());
        assertEquals(0, r.exit(), r.err());
        Problem p = ProblemIo.read(problem);
        assertEquals(3, p.workers().size());
        assertEquals(2, p.experts().size());
        // the preset routes each prompt to 3 experts; with 2 experts that is capped at 2
        assertTrue(p.prompts().stream().allMatch(q -> q.route().size() == 2));
        assertTrue(r.out().contains("2 experts (1 reasoning)"), r.out());
        CliRun bad = run("gen", "--experts", "2", "--experts-per-prompt", "3", "--out", dir.resolve("bad.json").toString());
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("expertsPerPrompt: must be between 1 and experts (2), got 3"), bad.err());
    }

    @Test
    void compareListsEveryMethodWithSpeedups() {
        CliRun r = run("compare", "--preset", "paper-like", "--prompts", "300");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("round-robin") && r.out().contains("greedy"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("round-robin") && l.contains("1.00x")), r.out());
    }

    @Test
    void textTableAlignsNumbersRight() {
        String t = new TextTable("name", "value").row("a", "1.0 s").row("long name", "100.0 s").render();
        assertEquals("""
                name         value
                ---------  -------
                a            1.0 s
                long name  100.0 s
                """, t);
    }

    @Test
    void genWritesToStandardOutputByDefault() {
        CliRun gen = run("gen", "--preset", "tiny", "--seed", "4");
        assertEquals(0, gen.exit(), gen.err());
        dev.mosaic.scheduler.problem.Problem p = dev.mosaic.scheduler.problem.ProblemIo.parse(gen.out(), "stdout");
        assertTrue(p.prompts().size() > 0);
        assertTrue(gen.err().contains("wrote standard output"), gen.err());
        CliRun dash = run("gen", "--preset", "tiny", "--seed", "4", "--out", "-");
        assertEquals(gen.out(), dash.out());
    }
}
