package dev.mosaic.scheduler.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.scheduler.aggregation.BypassEvaluation;
import dev.mosaic.scheduler.aggregation.ExpertReliability;
import dev.mosaic.scheduler.aggregation.Split;
import dev.mosaic.scheduler.aggregation.ThresholdCalibrator;
import dev.mosaic.scheduler.aggregation.Votes;
import dev.mosaic.scheduler.pipeline.Study;
import dev.mosaic.scheduler.sim.TestInstances;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PresetsTest {

    @ParameterizedTest
    @CsvSource({"mmlu-pro-like,0.25,0.70,10", "gpqa-like,0.78,0.95,4"})
    void presetsHaveThePapersShape(String preset, double minSkip, double maxSkip, int options) {
        Workload w = Presets.decorate(preset, TestInstances.withAggregator(TestInstances.random(3, 4, 6, 4000, 3)), 3);
        assertEquals(options, w.answerModel().options());
        SimulatedAnswers a = w.answerModel().simulate(w.problem());
        Split split = Split.of(a.prompts(), 0.3, 1);
        Votes v = Votes.of(a, ExpertReliability.calibrate(a, w.problem().experts().size(), split.calibration()));
        // the preset's shape as the paper calibrates it (on the split); the confidence-bounded rule is tested in aggregation/
        ThresholdCalibrator.Calibration cal = ThresholdCalibrator.empirical(a, v, split.calibration(), 0.001, 0.05, 0);
        BypassEvaluation ev = BypassEvaluation.evaluate(a, v, cal.tau(), split.heldOut());
        List<Study.AgreementLevel> levels = Study.agreementLevels(a, Votes.of(a, null), w.problem().jobs().outTokens());
        System.out.printf("%s: tau %.3f skip %.3f always %.4f adaptive %.4f vote %.4f levels %s%n", preset, cal.tau(), ev.skipRate(),
                ev.alwaysAccuracy(), ev.adaptiveAccuracy(), ev.majorityVoteAccuracy(), levels);
        assertTrue(ev.skipRate() >= minSkip && ev.skipRate() <= maxSkip, "skip rate " + ev.skipRate());
        assertTrue(ev.alwaysAccuracy() > ev.majorityVoteAccuracy(), "the aggregator adds accuracy over a plain vote");
        assertTrue(Math.abs(ev.accuracyChangePp()) < 1.0, "held-out accuracy change " + ev.accuracyChangePp() + " pp");
        // Fig. 7: questions the experts disagree on get longer outputs. (In gpqa-like, hard questions
        // often end in a consensus on the distractor, so its unanimous level is long as well.)
        assertTrue(preset.equals("gpqa-like") || levels.getFirst().meanOutTokens() > levels.getLast().meanOutTokens(), levels.toString());
    }
}
