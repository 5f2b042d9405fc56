package dev.mosaic.scheduler.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.scheduler.problem.Expert;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.problem.Prompt;
import dev.mosaic.scheduler.problem.Worker;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AnswerModelTest {

    private static Problem twoExperts(int prompts) {
        List<Prompt> ps = new ArrayList<>();
        for (int q = 0; q < prompts; q++) {
            Map<String, Double> route = new LinkedHashMap<>();
            route.put("a", 100.0);
            route.put("b", 100.0);
            ps.add(new Prompt("q" + q, 100, route, null, q % 2 == 0 ? "math" : "law"));
        }
        Expert a = new Expert("a", 10, 1, 1e-4, 1e-3, 1e-2);
        Expert b = new Expert("b", 10, 1, 1e-4, 1e-3, 1e-2);
        return new Problem(List.of(new Worker("w", 80, 1)), List.of(a, b), ps, new Expert("agg", 40, 1, 1e-4, 1e-3, 1e-2));
    }

    private static AnswerModel model(double rho) {
        return new AnswerModel(7, 4, rho, 0.5, 0.3,
                Map.of("a", new AnswerModel.Accuracy(0.6, Map.of("math", 0.8)), "b", new AnswerModel.Accuracy(0.5, Map.of())),
                new AnswerModel.AggregatorModel(new AnswerModel.Accuracy(0.7, Map.of()), 0.9, 400));
    }

    @Test
    void eachExpertIsRightAsOftenAsItsAccuracySays() {
        int n = 20000;
        SimulatedAnswers s = model(0.6).simulate(twoExperts(n));
        int[] right = new int[3]; // a on math, a on law, b
        for (int j = 0; j < s.jobAnswer().length; j++) {
            int q = s.jobPrompt()[j];
            boolean ok = s.jobAnswer()[j] == s.truth()[q];
            if (s.jobExpert()[j] == 0) {
                right[q % 2 == 0 ? 0 : 1] += ok ? 1 : 0;
            } else {
                right[2] += ok ? 1 : 0;
            }
        }
        // 4 standard errors of a proportion over n/2 or n samples
        assertEquals(0.8, right[0] / (n / 2.0), 4 * Math.sqrt(0.16 / (n / 2.0)));
        assertEquals(0.6, right[1] / (n / 2.0), 4 * Math.sqrt(0.24 / (n / 2.0)));
        assertEquals(0.5, right[2] / (double) n, 4 * Math.sqrt(0.25 / n));
    }

    @Test
    void correlatedExpertsErrTogether() {
        int n = 20000;
        for (double rho : new double[] {0.0, 0.8}) {
            SimulatedAnswers s = model(rho).simulate(twoExperts(n));
            int bothWrong = 0;
            int aWrong = 0;
            int bWrong = 0;
            for (int q = 0; q < n; q++) {
                boolean wa = s.jobAnswer()[2 * q] != s.truth()[q];
                boolean wb = s.jobAnswer()[2 * q + 1] != s.truth()[q];
                aWrong += wa ? 1 : 0;
                bWrong += wb ? 1 : 0;
                bothWrong += wa && wb ? 1 : 0;
            }
            double independent = (aWrong / (double) n) * (bWrong / (double) n);
            double joint = bothWrong / (double) n;
            if (rho == 0.0) {
                assertEquals(independent, joint, 0.015);
            } else {
                assertTrue(joint > independent + 0.08, "joint " + joint + " vs independent " + independent);
            }
        }
    }

    @Test
    void theSameSeedGivesTheSameAnswers() {
        Problem p = twoExperts(500);
        SimulatedAnswers x = model(0.5).simulate(p);
        SimulatedAnswers y = model(0.5).simulate(p);
        assertTrue(java.util.Arrays.equals(x.jobAnswer(), y.jobAnswer()) && java.util.Arrays.equals(x.aggregatorAnswer(), y.aggregatorAnswer()));
    }

    @Test
    void badModelsAreRejectedNamingTheField() {
        Problem p = twoExperts(3);
        AnswerModel missing = new AnswerModel(1, 4, 0.5, 0.5, 0.3, Map.of("a", new AnswerModel.Accuracy(0.6, Map.of())),
                new AnswerModel.AggregatorModel(new AnswerModel.Accuracy(0.7, Map.of()), 0.9, 400));
        var e = assertThrows(IllegalArgumentException.class, () -> missing.validate(p));
        assertTrue(e.getMessage().contains("'b'"), e.getMessage());
        AnswerModel badRho = new AnswerModel(1, 4, 1.5, 0.5, 0.3, model(0.5).experts(), model(0.5).aggregator());
        e = assertThrows(IllegalArgumentException.class, () -> badRho.validate(p));
        assertTrue(e.getMessage().contains("answerModel.correlation"), e.getMessage());
        Problem badAnswer = new Problem(p.workers(), p.experts(), List.of(new Prompt("q", 1, Map.of("a", 1.0), "Z", null)), p.aggregator());
        e = assertThrows(IllegalArgumentException.class, () -> model(0.5).validate(badAnswer));
        assertTrue(e.getMessage().contains("prompts[0].answer"), e.getMessage());
    }
}
