package dev.mosaic.scheduler.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.scheduler.Planners;
import dev.mosaic.scheduler.execution.Timeline;
import dev.mosaic.scheduler.problem.PlacementRules;
import dev.mosaic.scheduler.problem.PlacementRules.Pair;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.problem.ProblemIo;
import dev.mosaic.scheduler.problem.ProblemValidationException;
import dev.mosaic.scheduler.problem.ProblemValidator;
import dev.mosaic.scheduler.sim.Simulator;
import dev.mosaic.scheduler.testing.BruteForcePlanner;
import dev.mosaic.scheduler.testing.Instances;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Pinned and already-loaded replicas ({@code placement.pinned}, {@code placement.loaded}), mixed
 * with forbidden pairs: every planner honours them, the ILP still finds the brute-force optimum,
 * the evaluator and the simulator cost loaded replicas at zero load time and reject missing pins.
 */
class PinnedLoadedTest {

    @Test
    void everyPlannerHonoursPinnedLoadedAndForbiddenPairsAndTheIlpMatchesBruteForce() {
        Random rnd = new Random(4242);
        int checked = 0;
        int pinsRaise = 0;
        int loadsLower = 0;
        for (long seed = 1; seed <= 80; seed++) {
            int workers = 2 + (int) (seed % 2);
            int experts = 2 + (int) ((seed / 2) % 2);
            Problem base = Instances.random(seed, workers, experts, 1 + (int) (seed % 4));
            if (Math.pow(workers, base.jobs().size()) > 100_000) {
                continue;
            }
            Problem p = Instances.withRandomPlacement(base, rnd, 0.15, 0.2, 0.3);
            if (!ProblemValidator.check(p).isEmpty()) {
                continue; // pins over memory, or an expert left no worker
            }
            Plan opt;
            try {
                opt = new BruteForcePlanner().plan(p);
            } catch (IllegalArgumentException e) {
                continue; // memory and the constraints together admit no assignment
            }
            checked++;
            PlacementRules rules = p.placement();
            if (!rules.pinned().isEmpty()) {
                Problem unpinned = p.withPlacement(new PlacementRules(rules.forbidden(), List.of(), rules.loaded()));
                pinsRaise += opt.makespanSeconds() > new BruteForcePlanner().plan(unpinned).makespanSeconds() * (1 + 1e-9) ? 1 : 0;
            }
            if (!rules.loaded().isEmpty()) {
                Problem unloaded = p.withPlacement(new PlacementRules(rules.forbidden(), rules.pinned(), List.of()));
                loadsLower += opt.makespanSeconds() < new BruteForcePlanner().plan(unloaded).makespanSeconds() * (1 - 1e-9) ? 1 : 0;
            }
            assertEquals(opt.makespanSeconds(), PlanEvaluator.evaluate(p, opt).requireValid().makespanSeconds(),
                    1e-9 * opt.makespanSeconds(), "brute force and evaluator disagree, seed " + seed);
            double tol = 1e-9 * opt.makespanSeconds();
            for (String method : Planners.methods()) {
                Plan plan;
                try {
                    plan = Planners.create(method, new PlanningOptions(5, 1e-4, 1)).plan(p);
                } catch (PlanningException e) {
                    assertFalse(method.equals("ilp"), "the ILP must plan every feasible instance, seed " + seed + ": " + e);
                    continue; // a heuristic may give up on a tight instance; it must not break the rules
                }
                PlanEvaluator.Evaluation ev = PlanEvaluator.evaluate(p, plan).requireValid();
                assertEquals(ev.makespanSeconds(), plan.makespanSeconds(), 1e-9 * ev.makespanSeconds(), method + " seed " + seed);
                for (Pair f : rules.forbidden()) {
                    assertFalse(plan.placement().getOrDefault(f.worker(), List.of()).contains(f.expert()),
                            method + " placed " + f.expert() + " on " + f.worker() + ", seed " + seed);
                }
                for (Pair f : rules.pinned()) {
                    assertTrue(plan.placement().getOrDefault(f.worker(), List.of()).contains(f.expert()),
                            method + " left pinned " + f.expert() + " off " + f.worker() + ", seed " + seed);
                }
                assertTrue(ev.makespanSeconds() >= opt.makespanSeconds() - tol, method + " beats the optimum, seed " + seed);
                assertTrue(plan.lowerBoundSeconds() <= opt.makespanSeconds() * (1 + 1e-7) + 1e-9,
                        method + " bound " + plan.lowerBoundSeconds() + " above the optimum " + opt.makespanSeconds() + ", seed " + seed);
                if (method.equals("ilp")) {
                    assertTrue(ev.makespanSeconds() <= opt.makespanSeconds() * (1 + 1e-4) + 1e-9,
                            "ilp " + ev.makespanSeconds() + " > optimum " + opt.makespanSeconds() + ", seed " + seed + " " + plan.solver());
                }
            }
        }
        assertTrue(checked >= 25, "too few instances checked: " + checked);
        assertTrue(pinsRaise >= 3, "pins should raise the optimum on some instances: " + pinsRaise);
        assertTrue(loadsLower >= 3, "loaded replicas should lower the optimum on some instances: " + loadsLower);
    }

    /** Two equal workers, one expert whose load (100 s) dwarfs its one job (cost 1.01 s, floor 2.01 s). */
    private static Problem loadDominated(String placement) {
        String json = """
                {"workers": [{"id": "w0", "memoryGiB": 40, "speed": 1}, {"id": "w1", "memoryGiB": 40, "speed": 1}],
                 "experts": [{"id": "a", "memoryGiB": 10, "loadSeconds": 100, "prefillSecondsPerToken": 0.001,
                              "decodeSecondsPerToken": 0.01, "decodeLatencySecondsPerToken": 0.02}],
                 "prompts": [{"id": "p", "promptTokens": 10, "route": {"a": 100}}]%s}""".formatted(placement);
        return ProblemIo.parse(json, "load.json");
    }

    @Test
    void aLoadedReplicaRemovesTheLoadTimeWhenLoadDominates() {
        Problem cold = loadDominated("");
        Problem warm = loadDominated(", \"placement\": {\"loaded\": [{\"worker\": \"w1\", \"expert\": \"a\"}]}");
        assertEquals(101.01, new BruteForcePlanner().plan(cold).makespanSeconds(), 1e-9);
        assertEquals(2.01, new BruteForcePlanner().plan(warm).makespanSeconds(), 1e-9);
        for (String method : Planners.methods()) {
            Plan plan = Planners.create(method, PlanningOptions.defaults()).plan(warm);
            assertEquals(2.01, PlanEvaluator.evaluate(warm, plan).requireValid().makespanSeconds(), 1e-9, method);
            assertEquals(List.of("a"), plan.placement().get("w1"), method + " keeps the loaded replica");
            // The same plan on the problem without the resident replica pays the load again.
            assertEquals(101.01, PlanEvaluator.evaluate(cold, plan).requireValid().makespanSeconds(), 1e-9, method);
            Plan coldPlan = Planners.create(method, PlanningOptions.defaults()).plan(cold);
            assertEquals(101.01, coldPlan.makespanSeconds(), 1e-9, method);
        }
        Plan plan = Planners.create("ilp", PlanningOptions.defaults()).plan(warm);
        Simulator.Conditions profiled = Simulator.Conditions.asProfiled(Timeline.Stage.EXPERT);
        assertEquals(2.01, Simulator.of(warm, plan).run(profiled).endSeconds(), 1e-6, "no load span for the resident replica");
        assertEquals(102.01, Simulator.of(cold, plan).run(profiled).endSeconds(), 1e-6, "floor counts from the end of the load");
    }

    @Test
    void aPinnedReplicaIsPlacedAndPaidForEvenWithoutJobs() {
        // a is loaded on w1 (its job runs there at no load cost) and pinned on w0, which must load it: 100 s.
        Problem p = loadDominated(", \"placement\": {\"loaded\": [{\"worker\": \"w1\", \"expert\": \"a\"}],"
                + " \"pinned\": [{\"worker\": \"w0\", \"expert\": \"a\"}]}");
        assertEquals(100, new BruteForcePlanner().plan(p).makespanSeconds(), 1e-9);
        for (String method : Planners.methods()) {
            Plan plan = Planners.create(method, PlanningOptions.defaults()).plan(p);
            assertEquals(100, PlanEvaluator.evaluate(p, plan).requireValid().makespanSeconds(), 1e-9, method);
            assertTrue(plan.placement().get("w0").contains("a"), method + " places the pinned replica");
        }
        // Pinned and loaded together: the pinned replica costs nothing.
        Problem both = loadDominated(", \"placement\": {\"loaded\": [{\"worker\": \"w0\", \"expert\": \"a\"}],"
                + " \"pinned\": [{\"worker\": \"w0\", \"expert\": \"a\"}]}");
        assertEquals(2.01, Planners.create("ilp", PlanningOptions.defaults()).plan(both).makespanSeconds(), 1e-9);
    }

    @Test
    void theEvaluatorAndTheSimulatorRejectAPlanWithoutAPinnedReplica() {
        Problem p = loadDominated(", \"placement\": {\"pinned\": [{\"worker\": \"w0\", \"expert\": \"a\"}]}");
        Plan plan = new Plan(Map.of("w0", List.of(), "w1", List.of("a")), List.of(new dev.mosaic.scheduler.plan.Assignment("p", "a", "w1")),
                0, 0, 0, Map.of());
        var ev = PlanEvaluator.evaluate(p, plan);
        assertTrue(ev.violations().stream().anyMatch(v -> v.contains("placement.w0") && v.contains("pinned")), ev.violations().toString());
        assertThrows(IllegalStateException.class, () -> Simulator.of(p, plan));
        assertTrue(PlanEvaluator.evaluate(loadDominated(""), plan).valid(), "valid without the pin");
    }

    @Test
    void theProblemFormatReadsWritesAndChecksPinnedAndLoadedPairs() throws Exception {
        String head = """
                {"workers": [{"id": "w0", "memoryGiB": 40, "speed": 1}, {"id": "w1", "memoryGiB": 25, "speed": 1}],
                 "experts": [{"id": "a", "memoryGiB": 10, "loadSeconds": 1, "prefillSecondsPerToken": 0.001,
                              "decodeSecondsPerToken": 0.01, "decodeLatencySecondsPerToken": 0.02},
                             {"id": "b", "memoryGiB": 20, "loadSeconds": 2, "prefillSecondsPerToken": 0.001,
                              "decodeSecondsPerToken": 0.01, "decodeLatencySecondsPerToken": 0.02}],
                 "prompts": [{"id": "p", "promptTokens": 10, "route": {"a": 100, "b": 50}}]""";
        String good = head + """
                , "placement": {"pinned": [{"worker": "w0", "expert": "a"}], "loaded": [{"worker": "w1", "expert": "b"}]}}""";
        Problem p = ProblemIo.parse(good, "p.json");
        assertEquals(List.of(new Pair("w0", "a")), p.placement().pinned());
        assertEquals(List.of(new Pair("w1", "b")), p.placement().loaded());
        assertEquals(List.of(), p.placement().forbidden());
        assertEquals(0, p.loadSeconds(1, 1));
        assertEquals(2, p.loadSeconds(0, 1));
        String json = ProblemIo.toJson(p);
        assertTrue(json.contains("\"pinned\"") && json.contains("\"loaded\"") && !json.contains("\"forbidden\""), json);
        var tree = dev.mosaic.scheduler.io.Json.mapper().readTree(json);
        assertEquals(List.of("workers", "experts", "prompts", "placement"), iterable(tree.fieldNames()), json);
        assertEquals(List.of("pinned", "loaded"), iterable(tree.get("placement").fieldNames()), json);
        assertEquals(p, ProblemIo.parse(json, "again.json"));
        // Old files without the fields still read, and write no placement.
        Problem old = ProblemIo.parse(head + "}", "old.json");
        assertEquals(null, old.placement());
        assertFalse(ProblemIo.toJson(old).contains("placement"));
        Problem forbiddenOnly = ProblemIo.parse(head + ", \"placement\": {\"forbidden\": [{\"worker\": \"w1\", \"expert\": \"a\"}]}}", "f.json");
        assertEquals(new PlacementRules(List.of(new Pair("w1", "a"))), forbiddenOnly.placement());

        assertError(head + ", \"placement\": {\"pinned\": [{\"worker\": \"w9\", \"expert\": \"a\"}]}}",
                "placement.pinned[0].worker: unknown worker 'w9'");
        assertError(head + ", \"placement\": {\"loaded\": [{\"worker\": \"w0\", \"expert\": \"zz\"}]}}",
                "placement.loaded[0].expert: unknown expert 'zz'");
        assertError(head + ", \"placement\": {\"loaded\": [{\"worker\": \"w0\"}]}}", "placement.loaded[0].expert: missing");
        assertError(head + ", \"placement\": {\"pinned\": 3}}", "placement.pinned: must be an array");
        assertError(head + ", \"placement\": {\"loaded\": [3]}}", "placement.loaded[0]: must be an object");
        assertError(head + ", \"placement\": {\"pinned\": [{\"worker\": \"w0\", \"expert\": \"a\"}, {\"worker\": \"w0\", \"expert\": \"a\"}]}}",
                "placement.pinned[1]: duplicate pair (w0, a), also placement.pinned[0]");
        assertError(head + ", \"placement\": {\"forbidden\": [{\"worker\": \"w0\", \"expert\": \"b\"}],"
                + " \"pinned\": [{\"worker\": \"w0\", \"expert\": \"b\"}]}}", "placement.pinned[0]: (w0, b) is also in placement.forbidden");
        // w1 has 25 GiB: pinned a (10) and loaded b (20) do not fit together.
        assertError(head + ", \"placement\": {\"pinned\": [{\"worker\": \"w1\", \"expert\": \"a\"}],"
                + " \"loaded\": [{\"worker\": \"w1\", \"expert\": \"b\"}]}}",
                "placement.loaded[0]: the pinned and loaded replicas on worker w1 need 30.0 GiB together, more than its memoryGiB 25.0");
        // The same pair pinned and loaded counts once.
        Problem once = ProblemIo.parse(head + ", \"placement\": {\"pinned\": [{\"worker\": \"w1\", \"expert\": \"b\"}],"
                + " \"loaded\": [{\"worker\": \"w1\", \"expert\": \"b\"}]}}", "once.json");
        assertTrue(ProblemValidator.check(once).isEmpty(), ProblemValidator.check(once).toString());
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> l = new java.util.ArrayList<>();
        it.forEachRemaining(l::add);
        return l;
    }

    private static void assertError(String json, String message) {
        var e = assertThrows(ProblemValidationException.class, () -> {
            Problem p = ProblemIo.parse(json, "bad.json");
            ProblemValidator.validate(p);
        });
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
