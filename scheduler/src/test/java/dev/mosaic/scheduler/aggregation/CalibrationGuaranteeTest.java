package dev.mosaic.scheduler.aggregation;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.scheduler.gen.InstanceSpec;
import dev.mosaic.scheduler.workload.Presets;
import dev.mosaic.scheduler.workload.SimulatedAnswers;
import dev.mosaic.scheduler.workload.Workload;
import java.util.Locale;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The calibrated budget holds with its stated confidence on paper-like simulated workloads
 * (the issue's setting: 1000 prompts, 30% calibration, budget 0.1 pp), where the earlier
 * empirical rule does not.
 */
class CalibrationGuaranteeTest {

    record Outcome(int overBudget, int bypassing, double meanSkip, double worstLossPp) {}

    static Outcome study(String preset, int seeds, int prompts, double fraction, double budget, boolean ltt, StringBuilder log) {
        int over = 0;
        int bypassing = 0;
        double skip = 0;
        double worst = Double.NEGATIVE_INFINITY;
        for (long seed = 1; seed <= seeds; seed++) {
            Workload w = Presets.generate(preset, InstanceSpec.preset("paper-like").withPrompts(prompts).withSeed(seed));
            SimulatedAnswers a = w.answerModel().simulate(w.problem());
            Split split = Split.of(a.prompts(), fraction, seed);
            AgreementRule rule = ((AgreementRules.Weighted) AgreementRules.parse("weighted:1"))
                    .withReliability(ExpertReliability.calibrate(a, w.problem().experts().size(), split.calibration()));
            Votes v = Votes.scored(a, rule);
            ThresholdCalibrator.Calibration cal = ltt
                    ? ThresholdCalibrator.calibrate(a, rule, split.calibration(), budget, 0.95)
                    : ThresholdCalibrator.empirical(a, v, split.calibration(), budget, 0.05, 0);
            BypassEvaluation ev = BypassEvaluation.evaluate(a, v, cal.tau(), split.heldOut());
            double lossPp = -ev.accuracyChangePp();
            over += lossPp > 100 * budget + 1e-9 ? 1 : 0;
            bypassing += ev.skipRate() > 0 ? 1 : 0;
            skip += ev.skipRate() / seeds;
            worst = Math.max(worst, lossPp);
            log.append(String.format(Locale.ROOT, "%s %s seed %d: tau %.3f cal loss %.2f pp (bound %.2f) held-out loss %.2f pp (bound %.2f) skip %.1f%%%n",
                    preset, ltt ? "ltt" : "empirical", seed, cal.tau(), 100 * cal.loss(), 100 * cal.lossUpperBound(), lossPp,
                    100 * ev.lossUpperBound(), 100 * ev.skipRate()));
        }
        return new Outcome(over, bypassing, skip, worst);
    }

    @ParameterizedTest
    @CsvSource({"mmlu-pro-like", "gpqa-like"})
    void theIssuesSettingNoLongerLosesHeldOutAccuracy(String preset) {
        StringBuilder log = new StringBuilder();
        int seeds = 20;
        Outcome empirical = study(preset, seeds, 1000, 0.3, 0.001, false, log);
        Outcome ltt = study(preset, seeds, 1000, 0.3, 0.001, true, log);
        System.out.print(log);
        System.out.printf(Locale.ROOT, "%s: empirical over budget %d/%d (worst %.2f pp, skip %.1f%%); ltt over budget %d/%d (worst %.2f pp, skip %.1f%%)%n",
                preset, empirical.overBudget(), seeds, empirical.worstLossPp(), 100 * empirical.meanSkip(), ltt.overBudget(), seeds,
                ltt.worstLossPp(), 100 * ltt.meanSkip());
        // the empirical rule overfits the 300-prompt split; the bounded one cannot certify 0.1 pp there and bypasses nothing
        assertTrue(empirical.overBudget() >= 2, "empirical rule over budget on " + empirical.overBudget() + " seeds");
        assertTrue(ltt.overBudget() == 0, "ltt exceeded the budget on " + ltt.overBudget() + " of " + seeds + " seeds");
    }

    /**
     * Where the bound lets prompts bypass (300 labelled prompts certify about 2 pp; 1200 about
     * 0.5 pp), the held-out loss exceeds the budget on at most ~5% of seeds: with 20 seeds, 3 or
     * fewer (P(X >= 4) = 1.6% for Binomial(20, 0.05)), and most seeds do bypass.
     */
    @ParameterizedTest
    @CsvSource({"mmlu-pro-like,0.02,1000", "gpqa-like,0.02,1000", "mmlu-pro-like,0.005,4000", "gpqa-like,0.005,4000"})
    void theHeldOutLossExceedsTheBudgetAtMostAtTheStatedRate(String preset, double budget, int prompts) {
        StringBuilder log = new StringBuilder();
        int seeds = 20;
        Outcome empirical = study(preset, seeds, prompts, 0.3, budget, false, log);
        Outcome ltt = study(preset, seeds, prompts, 0.3, budget, true, log);
        System.out.printf(Locale.ROOT, "%s budget %.1f pp, %d prompts: empirical over budget %d/%d (worst %.2f pp, skip %.1f%%); "
                        + "ltt over budget %d/%d (worst %.2f pp, skip %.1f%%, %d seeds bypass)%n",
                preset, 100 * budget, prompts, empirical.overBudget(), seeds, empirical.worstLossPp(), 100 * empirical.meanSkip(),
                ltt.overBudget(), seeds, ltt.worstLossPp(), 100 * ltt.meanSkip(), ltt.bypassing());
        assertTrue(ltt.overBudget() <= 3, "ltt exceeded the budget on " + ltt.overBudget() + " of " + seeds + " seeds");
        assertTrue(ltt.bypassing() >= 15, "the bound should let most seeds bypass, got " + ltt.bypassing());
    }
}
