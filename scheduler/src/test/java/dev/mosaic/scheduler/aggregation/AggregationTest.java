package dev.mosaic.scheduler.aggregation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.sim.TestInstances;
import dev.mosaic.scheduler.workload.Presets;
import dev.mosaic.scheduler.workload.SimulatedAnswers;
import dev.mosaic.scheduler.workload.Workload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AggregationTest {

    static Workload workload(String preset, long seed, int prompts) {
        Problem p = TestInstances.withAggregator(TestInstances.random(seed, 4, 6, prompts, 3));
        return Presets.decorate(preset, p, seed);
    }

    @ParameterizedTest
    @CsvSource({"mmlu-pro-like,1", "gpqa-like,2", "mmlu-pro-like,3"})
    void aThresholdAboveOneSkipsNothingAndMatchesAlwaysAggregate(String preset, long seed) {
        Workload w = workload(preset, seed, 600);
        SimulatedAnswers a = w.answerModel().simulate(w.problem());
        int[] all = java.util.stream.IntStream.range(0, a.prompts()).toArray();
        for (double[] weights : new double[][] {null, ExpertReliability.calibrate(a, w.problem().experts().size(), all)}) {
            Votes v = Votes.of(a, weights);
            BypassEvaluation ev = BypassEvaluation.evaluate(a, v, ThresholdCalibrator.NEVER, all);
            assertEquals(0.0, ev.skipRate());
            assertEquals(ev.alwaysAccuracy(), ev.adaptiveAccuracy());
            int right = 0;
            for (int q = 0; q < a.prompts(); q++) {
                right += a.aggregatorAnswer()[q] == a.truth()[q] ? 1 : 0;
            }
            assertEquals(right / (double) a.prompts(), ev.alwaysAccuracy(), 1e-12);
        }
    }

    @ParameterizedTest
    @CsvSource({"mmlu-pro-like,11,0.001", "gpqa-like,12,0.001", "gpqa-like,13,0.0", "mmlu-pro-like,14,0.01", "gpqa-like,15,0.005"})
    void calibrationNeverExceedsItsBudgetOnTheCalibrationSplit(String preset, long seed, double budget) {
        Workload w = workload(preset, seed, 1500);
        SimulatedAnswers a = w.answerModel().simulate(w.problem());
        Split split = Split.of(a.prompts(), 0.4, seed);
        for (double[] stepAndZ : new double[][] {{0.05, 0}, {0, 0}, {0.1, 1.645}, {0, 1.0}})
        for (boolean weighted : new boolean[] {false, true}) {
            double[] weights = weighted ? ExpertReliability.calibrate(a, w.problem().experts().size(), split.calibration()) : null;
            Votes v = Votes.of(a, weights);
            ThresholdCalibrator.Calibration cal = ThresholdCalibrator.empirical(a, v, split.calibration(), budget, stepAndZ[0], stepAndZ[1]);
            // independent recount of the loss at the chosen threshold
            int always = 0;
            int adaptive = 0;
            int skipped = 0;
            for (int q : split.calibration()) {
                boolean bypass = v.share()[q] >= cal.tau();
                int answer = bypass ? referencePlurality(a, q, weights) : a.aggregatorAnswer()[q];
                always += a.aggregatorAnswer()[q] == a.truth()[q] ? 1 : 0;
                adaptive += answer == a.truth()[q] ? 1 : 0;
                skipped += bypass ? 1 : 0;
            }
            int n = split.calibration().length;
            assertTrue((always - adaptive) <= budget * n + 1e-9, "loss " + (always - adaptive) + "/" + n + " over budget " + budget);
            assertEquals(skipped / (double) n, cal.skipRate(), 1e-12);
            assertEquals(adaptive / (double) n, cal.adaptiveAccuracy(), 1e-12);
        }
    }

    @Test
    void aLargerBudgetNeverSkipsLess() {
        Workload w = workload("mmlu-pro-like", 17, 1500);
        SimulatedAnswers a = w.answerModel().simulate(w.problem());
        int[] all = java.util.stream.IntStream.range(0, a.prompts()).toArray();
        Votes v = Votes.of(a, null);
        double previous = -1;
        for (double budget : new double[] {0, 0.001, 0.01, 0.05, 1.0}) {
            double skip = ThresholdCalibrator.calibrate(a, v, all, budget).skipRate();
            assertTrue(skip >= previous, "budget " + budget + " skips " + skip + " < " + previous);
            previous = skip;
        }
        assertEquals(1.0, previous, "a 100 pp budget lets every prompt bypass");
    }

    @Test
    void weightedVotesMatchAReferenceCount() {
        Workload w = workload("mmlu-pro-like", 21, 400);
        SimulatedAnswers a = w.answerModel().simulate(w.problem());
        double[] weights = {0.3, 2.5, 1.0, 0.05, 4.0, 1.7};
        Votes v = Votes.of(a, weights);
        int[] starts = a.promptJobStarts();
        for (int q = 0; q < a.prompts(); q++) {
            double[] tally = new double[a.options()];
            double total = 0;
            for (int j = starts[q]; j < starts[q + 1]; j++) {
                tally[a.jobAnswer()[j]] += weights[a.jobExpert()[j]];
                total += weights[a.jobExpert()[j]];
            }
            assertEquals(referencePlurality(a, q, weights), v.plurality()[q]);
            assertEquals(tally[v.plurality()[q]] / total, v.share()[q], 1e-12);
        }
    }

    @Test
    void reliabilityWeightsFollowExpertAccuracy() {
        Workload w = workload("mmlu-pro-like", 31, 3000);
        SimulatedAnswers a = w.answerModel().simulate(w.problem());
        int[] all = java.util.stream.IntStream.range(0, a.prompts()).toArray();
        double[] weights = ExpertReliability.calibrate(a, w.problem().experts().size(), all);
        // reasoning experts (every third in the test instances) are more accurate, so they weigh more
        assertTrue(weights[0] > weights[1] && weights[3] > weights[4], java.util.Arrays.toString(weights));
    }

    @Test
    void splitsAreDisjointAndComplete() {
        Split s = Split.of(1000, 0.3, 5);
        int[] all = java.util.stream.IntStream.concat(java.util.Arrays.stream(s.calibration()), java.util.Arrays.stream(s.heldOut())).sorted().toArray();
        assertArrayEquals(java.util.stream.IntStream.range(0, 1000).toArray(), all);
        assertTrue(s.calibration().length > 200 && s.calibration().length < 400);
    }

    /** Weighted plurality written independently: largest total weight, ties to the first voted. */
    static int referencePlurality(SimulatedAnswers a, int q, double[] weights) {
        int[] starts = a.promptJobStarts();
        java.util.Map<Integer, Double> tally = new java.util.LinkedHashMap<>();
        for (int j = starts[q]; j < starts[q + 1]; j++) {
            tally.merge(a.jobAnswer()[j], weights == null ? 1.0 : weights[a.jobExpert()[j]], Double::sum);
        }
        int best = -1;
        double bestW = -1;
        for (var e : tally.entrySet()) {
            if (e.getValue() > bestW) {
                best = e.getKey();
                bestW = e.getValue();
            }
        }
        return best;
    }
}
