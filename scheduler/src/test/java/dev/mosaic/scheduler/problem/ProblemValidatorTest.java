package dev.mosaic.scheduler.problem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.scheduler.testing.Instances;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProblemValidatorTest {

    private static final Problem OK = Instances.small();

    private static String only(Problem p) {
        ProblemValidationException e = assertThrows(ProblemValidationException.class, () -> ProblemValidator.validate(p));
        assertEquals(1, e.problems().size(), e.problems().toString());
        return e.getMessage();
    }

    private static Problem withExpert(int i, Expert e) {
        List<Expert> es = new ArrayList<>(OK.experts());
        es.set(i, e);
        return new Problem(OK.workers(), es, OK.prompts());
    }

    private static Problem withWorker(int i, Worker w) {
        List<Worker> ws = new ArrayList<>(OK.workers());
        ws.set(i, w);
        return new Problem(ws, OK.experts(), OK.prompts());
    }

    private static Problem withPrompt(int i, Prompt p) {
        List<Prompt> ps = new ArrayList<>(OK.prompts());
        ps.set(i, p);
        return new Problem(OK.workers(), OK.experts(), ps);
    }

    @Test
    void acceptsAValidProblem() {
        assertTrue(ProblemValidator.check(OK).isEmpty());
        ProblemValidator.validate(OK);
    }

    @Test
    void nanMemoryNamesTheField() {
        assertEquals("experts[1].memoryGiB: must be a finite number >= 0, got NaN",
                only(withExpert(1, new Expert("chat", Double.NaN, 10, 0.0001, 0.002, 0.01))));
    }

    @Test
    void negativeAndInfiniteCostsAreRejected() {
        assertEquals("experts[0].decodeSecondsPerToken: must be a finite number >= 0, got -0.004",
                only(withExpert(0, new Expert("reason", 15.2, 20, 0.0001, -0.004, 0.02))));
        assertEquals("experts[0].loadSeconds: must be a finite number >= 0, got Infinity",
                only(withExpert(0, new Expert("reason", 15.2, Double.POSITIVE_INFINITY, 0.0001, 0.004, 0.02))));
        assertEquals("experts[0].prefillSecondsPerToken: must be a finite number >= 0, got -1.0",
                only(withExpert(0, new Expert("reason", 15.2, 20, -1, 0.004, 0.02))));
        assertEquals("experts[0].decodeLatencySecondsPerToken: must be a finite number >= 0, got NaN",
                only(withExpert(0, new Expert("reason", 15.2, 20, 0.0001, 0.004, Double.NaN))));
    }

    @Test
    void finiteButHugeValuesAreRejectedNamingTheFieldAndTheLimit() {
        // issue 12: finite values this large reached HiGHS as infinite bounds or stalled the simulator
        assertEquals("experts[0].loadSeconds: must be at most 1.0E7 (the problem format's limit), got 1.0E8",
                only(withExpert(0, new Expert("reason", 15.2, 1e8, 0.0001, 0.004, 0.02))));
        assertEquals("experts[0].decodeSecondsPerToken: must be at most 1000.0 (the problem format's limit), got 1.0E300",
                only(withExpert(0, new Expert("reason", 15.2, 20, 0.0001, 1e300, 0.02))));
        assertEquals("workers[0].memoryGiB: must be at most 1000000.0 (the problem format's limit), got 1.0E300",
                only(withWorker(0, new Worker("gpu0", 1e300, 1))));
        assertEquals("workers[1].speed: must be at least 0.001, got 1.0E-300", only(withWorker(1, new Worker("gpu1", 40, 1e-300))));
        assertEquals("workers[1].speed: must be at most 1000.0 (the problem format's limit), got 1.0E9", only(withWorker(1, new Worker("gpu1", 40, 1e9))));
        assertEquals("prompts[1].route.chat: output tokens must be at most 1.0E9 (the problem format's limit), got 1.0E10",
                only(withPrompt(1, new Prompt("q1", 5, Map.of("chat", 1e10)))));
        assertEquals("prompts[1].promptTokens: must be at most 1000000000 (the problem format's limit), got 2147483647",
                only(withPrompt(1, new Prompt("q1", Integer.MAX_VALUE, Map.of("chat", 10.0)))));
    }

    @Test
    void fieldsWithinTheirLimitsButTooLargeTogetherAreRejected() {
        // 1e9 prompt and 1e9 output tokens are fine at realistic costs, but at 1e3 s per token
        // (also within its limit) the one job takes 2e12 s at speed 1, over the total of 1e12 s
        Expert slow = new Expert("reason", 15.2, 20, 1000, 1000, 1000);
        List<String> errors = ProblemValidator.check(withPrompt(1, new Prompt("q1", 1_000_000_000, Map.of("reason", 1e9))));
        assertTrue(errors.isEmpty(), errors.toString());
        Problem big = withExpert(0, slow);
        big = new Problem(big.workers(), big.experts(), List.of(new Prompt("q0", 1_000_000_000, Map.of("reason", 1e9))), big.aggregator());
        String e = only(big);
        assertTrue(e.startsWith("prompts: the profiled time of all jobs and loads at speed 1 is "), e);
        assertTrue(e.contains("the maximum 1.0E12 s (the largest is prompts[0]"), e);
    }

    @Test
    void speedMustBePositive() {
        assertEquals("workers[1].speed: must be a finite number > 0, got 0.0", only(withWorker(1, new Worker("gpu1", 40, 0))));
        assertEquals("workers[0].memoryGiB: must be a finite number >= 0, got -1.0", only(withWorker(0, new Worker("gpu0", -1, 1))));
    }

    @Test
    void duplicateIds() {
        assertEquals("workers[1].id: duplicate id 'gpu0' (also workers[0])", only(withWorker(1, new Worker("gpu0", 40, 1))));
        assertEquals("experts[1].id: duplicate id 'reason' (also experts[0])",
                only(new Problem(OK.workers(), List.of(OK.experts().get(0), OK.experts().get(0)), List.of())));
        assertEquals("prompts[2].id: duplicate id 'q0' (also prompts[0])", only(withPrompt(2, new Prompt("q0", 1, Map.of("chat", 1.0)))));
    }

    @Test
    void unknownExpertInRoute() {
        assertEquals("prompts[2].route: unknown expert 'x'", only(withPrompt(2, new Prompt("q2", 100, Map.of("x", 10.0)))));
    }

    @Test
    void promptFields() {
        assertEquals("prompts[1].promptTokens: must be an integer >= 0, got -5", only(withPrompt(1, new Prompt("q1", -5, Map.of("chat", 1.0)))));
        assertEquals("prompts[1].route: must route the prompt to at least one expert", only(withPrompt(1, new Prompt("q1", 5, Map.of()))));
        assertEquals("prompts[1].route: missing", only(withPrompt(1, new Prompt("q1", 5, null))));
        Map<String, Double> nan = new LinkedHashMap<>();
        nan.put("chat", Double.NaN);
        assertEquals("prompts[1].route.chat: output tokens must be a finite number >= 0, got NaN", only(withPrompt(1, new Prompt("q1", 5, nan))));
        assertEquals("prompts[1].answer: must be a non-empty string when present",
                only(withPrompt(1, new Prompt("q1", 5, Map.of("chat", 1.0), " ", null))));
        assertEquals("prompts[1].category: must be a non-empty string when present",
                only(withPrompt(1, new Prompt("q1", 5, Map.of("chat", 1.0), "A", ""))));
        assertEquals("prompts[1].id: must be a non-empty string", only(withPrompt(1, new Prompt(null, 5, Map.of("chat", 1.0)))));
    }

    @Test
    void emptyWorkersOrExperts() {
        assertEquals("workers: must not be empty", only(new Problem(List.of(), OK.experts(), List.of())));
        assertEquals("experts: must not be empty", only(new Problem(OK.workers(), List.of(), List.of())));
    }

    @Test
    void expertLargerThanEveryWorker() {
        Problem p = new Problem(List.of(new Worker("a", 12.0, 1), new Worker("b", 8, 1)),
                List.of(new Expert("X", 15.2, 1, 0, 0, 0)), List.of());
        assertEquals("infeasible: expert X needs 15.2 GiB, largest worker has 12.0 GiB", only(p));
    }

    @Test
    void aggregatorIsCheckedWhenPresent() {
        Problem bad = new Problem(OK.workers(), OK.experts(), OK.prompts(), new Expert("agg", 10, -1, 0, 0, 0));
        assertEquals("aggregator.loadSeconds: must be a finite number >= 0, got -1.0", only(bad));
        Problem big = new Problem(OK.workers(), OK.experts(), OK.prompts(), new Expert("agg", 70, 1, 0, 0, 0));
        assertEquals("infeasible: aggregator agg needs 70.0 GiB, largest worker has 40.0 GiB", only(big));
    }

    @Test
    void replicasExceedingTotalMemory() {
        Problem p = new Problem(List.of(new Worker("a", 10, 1), new Worker("b", 10, 1)),
                List.of(new Expert("x", 8, 1, 0, 0, 0), new Expert("y", 8, 1, 0, 0, 0), new Expert("z", 8, 1, 0, 0, 0)), List.of());
        assertEquals("infeasible: one replica of every expert needs 24.0 GiB in total, workers have 20.0 GiB", only(p));
    }

    @Test
    void bigExpertsExceedingTheBigWorkers() {
        // 24 GiB of experts, 36 GiB of workers, but the two 12 GiB experts only fit on the 16 GiB worker
        Problem p = new Problem(List.of(new Worker("big", 16, 1), new Worker("s1", 10, 1), new Worker("s2", 10, 1)),
                List.of(new Expert("x", 12, 1, 0, 0, 0), new Expert("y", 12, 1, 0, 0, 0)), List.of());
        assertEquals("infeasible: the 2 experts of >= 12.0 GiB need 24.0 GiB together, the workers that can hold them have 16.0 GiB", only(p));
    }

    @Test
    void reportsEveryProblemAtOnce() {
        Problem p = new Problem(List.of(new Worker("a", -1, 0)), List.of(new Expert("x", 1, 1, 0, 0, 0)),
                List.of(new Prompt("p", -1, Map.of("y", 1.0))));
        ProblemValidationException e = assertThrows(ProblemValidationException.class, () -> ProblemValidator.validate(p));
        assertEquals(List.of("workers[0].memoryGiB: must be a finite number >= 0, got -1.0", "workers[0].speed: must be a finite number > 0, got 0.0",
                "prompts[0].promptTokens: must be an integer >= 0, got -1", "prompts[0].route: unknown expert 'y'"), e.problems());
    }
}
