package dev.mosaic.scheduler.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.scheduler.Planners;
import dev.mosaic.scheduler.problem.PlacementRules;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.problem.ProblemIo;
import dev.mosaic.scheduler.problem.ProblemValidationException;
import dev.mosaic.scheduler.problem.ProblemValidator;
import dev.mosaic.scheduler.testing.BruteForcePlanner;
import dev.mosaic.scheduler.testing.Instances;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Forbidden (worker, expert) pairs: every planner honours them; the ILP still finds the brute-force optimum. */
class PlacementRulesTest {

    @Test
    void everyPlannerHonoursForbiddenPairsAndTheIlpMatchesBruteForce() {
        Random rnd = new Random(808);
        int checked = 0;
        int binding = 0;
        for (long seed = 1; seed <= 60; seed++) {
            int workers = 2 + (int) (seed % 2);
            int experts = 2 + (int) ((seed / 2) % 2);
            Problem base = Instances.random(seed, workers, experts, 1 + (int) (seed % 4));
            if (Math.pow(workers, base.jobs().size()) > 100_000) {
                continue;
            }
            List<PlacementRules.Pair> forbidden = new ArrayList<>();
            for (var w : base.workers()) {
                for (var e : base.experts()) {
                    if (rnd.nextDouble() < 0.3) {
                        forbidden.add(new PlacementRules.Pair(w.id(), e.id()));
                    }
                }
            }
            Problem p = base.withPlacement(new PlacementRules(forbidden));
            if (!ProblemValidator.check(p).isEmpty()) {
                continue; // the random pairs left some expert no worker with room
            }
            Plan opt;
            try {
                opt = new BruteForcePlanner().plan(p);
            } catch (IllegalArgumentException e) {
                continue; // memory and the pairs together admit no assignment
            }
            checked++;
            double free = new BruteForcePlanner().plan(base).makespanSeconds();
            binding += opt.makespanSeconds() > free * (1 + 1e-9) ? 1 : 0;
            double tol = 1e-9 * opt.makespanSeconds();
            for (String method : Planners.methods()) {
                Plan plan;
                try {
                    plan = Planners.create(method, new PlanningOptions(5, 1e-4, 1)).plan(p);
                } catch (PlanningException e) {
                    assertTrue(!method.equals("ilp"), "the ILP must plan every feasible instance, seed " + seed + ": " + e);
                    continue; // a heuristic may give up on a tight instance; it must not break the rules
                }
                PlanEvaluator.Evaluation ev = PlanEvaluator.evaluate(p, plan).requireValid();
                for (PlacementRules.Pair f : forbidden) {
                    assertTrue(!plan.placement().getOrDefault(f.worker(), List.of()).contains(f.expert()),
                            method + " placed " + f.expert() + " on " + f.worker() + ", seed " + seed);
                }
                assertTrue(ev.makespanSeconds() >= opt.makespanSeconds() - tol, method + " beats the optimum, seed " + seed);
                if (method.equals("ilp")) {
                    assertTrue(ev.makespanSeconds() <= opt.makespanSeconds() * (1 + 1e-4) + 1e-9,
                            "ilp " + ev.makespanSeconds() + " > optimum " + opt.makespanSeconds() + ", seed " + seed);
                }
            }
        }
        assertTrue(checked >= 15, "too few instances checked: " + checked);
        assertTrue(binding >= 3, "the pairs should raise the optimum on some instances: " + binding);
    }

    @Test
    void theEvaluatorRejectsAForbiddenReplica() {
        Problem p = Instances.random(3, 2, 2, 2);
        Plan plan = new BruteForcePlanner().plan(p);
        String w = plan.placement().keySet().iterator().next();
        String e = plan.placement().get(w).isEmpty() ? null : plan.placement().get(w).get(0);
        if (e == null) {
            w = new ArrayList<>(plan.placement().keySet()).get(1);
            e = plan.placement().get(w).get(0);
        }
        Problem q = p.withPlacement(new PlacementRules(List.of(new PlacementRules.Pair(w, e))));
        var ev = PlanEvaluator.evaluate(q, plan);
        assertTrue(ev.violations().stream().anyMatch(v -> v.contains("forbidden")), ev.violations().toString());
    }

    @Test
    void theProblemFormatReadsAndChecksPairs() {
        String json = """
                {"workers": [{"id": "w0", "memoryGiB": 40, "speed": 1}, {"id": "w1", "memoryGiB": 40, "speed": 1}],
                 "experts": [{"id": "a", "memoryGiB": 10, "loadSeconds": 1, "prefillSecondsPerToken": 0.001,
                              "decodeSecondsPerToken": 0.01, "decodeLatencySecondsPerToken": 0.02}],
                 "prompts": [{"id": "p", "promptTokens": 10, "route": {"a": 100}}],
                 "placement": {"forbidden": [{"worker": "w0", "expert": "a"}]}}""";
        Problem p = ProblemIo.parse(json, "p.json");
        assertEquals(List.of(new PlacementRules.Pair("w0", "a")), p.placement().forbidden());
        Plan plan = Planners.create("ilp", PlanningOptions.defaults()).plan(p);
        assertEquals(Map.of("w0", List.of(), "w1", List.of("a")), Map.copyOf(plan.placement()));
        assertTrue(ProblemIo.toJson(p).contains("\"forbidden\""), "round trip keeps the pairs");
        assertEquals(p, ProblemIo.parse(ProblemIo.toJson(p), "again.json"));

        var missing = assertThrows(ProblemValidationException.class, () -> ProblemIo.parse(json.replace("\"expert\": \"a\"}]",
                "\"expert\": \"a\"}, {\"worker\": \"w1\"}]"), "p.json"));
        assertTrue(missing.getMessage().contains("p.json") && missing.getMessage().contains("placement.forbidden[1].expert: missing"),
                missing.getMessage());
        var unknown = assertThrows(ProblemValidationException.class, () -> ProblemIo.parse(json.replace("\"expert\": \"a\"}]",
                "\"expert\": \"zz\"}]"), "p.json"));
        assertTrue(unknown.getMessage().contains("placement.forbidden[0].expert: unknown expert 'zz'"), unknown.getMessage());
        var none = assertThrows(ProblemValidationException.class, () -> ProblemIo.parse(json.replace("}]}", "}, {\"worker\": \"w1\", \"expert\": \"a\"}]}"), "p.json"));
        assertTrue(none.getMessage().contains("leaves expert a no worker"), none.getMessage());
    }
}
