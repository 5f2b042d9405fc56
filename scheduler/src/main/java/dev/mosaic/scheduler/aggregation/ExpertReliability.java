package dev.mosaic.scheduler.aggregation;

import dev.mosaic.scheduler.workload.SimulatedAnswers;

/**
 * Calibrated reliability weights of the experts, learned on a labelled split: an expert that is
 * right with probability {@code a} among {@code K} options gets the log-odds weight
 * {@code log((K - 1) a / (1 - a))}, the optimal vote weight when errors spread over the wrong
 * options (accuracy Laplace-smoothed; weights clamped to [0.05, 10] so that no expert is ignored
 * or dominates completely).
 */
public final class ExpertReliability {

    static final double MIN_WEIGHT = 0.05;
    static final double MAX_WEIGHT = 10.0;

    private ExpertReliability() {}

    /** Weight per expert index from the prompts in {@code split}. */
    public static double[] calibrate(SimulatedAnswers a, int experts, int[] split) {
        long[] right = new long[experts];
        long[] seen = new long[experts];
        int[] starts = a.promptJobStarts();
        for (int q : split) {
            for (int j = starts[q]; j < starts[q + 1]; j++) {
                seen[a.jobExpert()[j]]++;
                if (a.jobAnswer()[j] == a.truth()[q]) {
                    right[a.jobExpert()[j]]++;
                }
            }
        }
        double[] w = new double[experts];
        for (int e = 0; e < experts; e++) {
            double acc = (right[e] + 1.0) / (seen[e] + 2.0);
            double lo = Math.log((a.options() - 1) * acc / (1 - acc));
            w[e] = Math.max(MIN_WEIGHT, Math.min(MAX_WEIGHT, lo));
        }
        return w;
    }
}
