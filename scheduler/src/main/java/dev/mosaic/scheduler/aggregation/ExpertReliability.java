package dev.mosaic.scheduler.aggregation;

import dev.mosaic.scheduler.workload.SimulatedAnswers;

/**
 * Calibrated reliability weights of the experts, learned on a labelled split: an expert that is
 * right with probability {@code a} among {@code K} options gets the log-odds weight
 * {@code log((K - 1) a / (1 - a))}, the optimal vote weight when errors spread over the wrong
 * options (accuracy Laplace-smoothed; weights clamped to [0.05, 10] so that no expert is ignored
 * or dominates completely). An abstention counts as a wrong answer; unlabelled prompts are
 * skipped. Stateless and thread-safe.
 */
public final class ExpertReliability {

    static final double MIN_WEIGHT = 0.05;
    static final double MAX_WEIGHT = 10.0;

    private ExpertReliability() {}

    /** Weight per expert index from the prompts in {@code split}, with the simulation's number of options. */
    public static double[] calibrate(SimulatedAnswers a, int experts, int[] split) {
        return calibrate(a, experts, a.options(), split);
    }

    /**
     * Weight per expert index from the labelled prompts in {@code split}.
     *
     * @param options the number of possible answers {@code K} (e.g. 4 or 10 for multiple choice;
     *                for free-form answers a guess of how many distinct wrong answers are common, &gt;= 2)
     */
    public static double[] calibrate(Answers a, int experts, int options, int[] split) {
        if (options < 2) {
            throw new IllegalArgumentException("reliability needs at least 2 answer options, got " + options);
        }
        long[] right = new long[experts];
        long[] seen = new long[experts];
        int[] starts = a.promptJobStarts();
        for (int q : split) {
            int truth = a.truth(q);
            if (truth == Answers.ABSTAIN) {
                continue;
            }
            for (int j = starts[q]; j < starts[q + 1]; j++) {
                int e = a.jobExpert(j);
                seen[e]++;
                if (a.jobAnswer(j) == truth) {
                    right[e]++;
                }
            }
        }
        double[] w = new double[experts];
        for (int e = 0; e < experts; e++) {
            double acc = (right[e] + 1.0) / (seen[e] + 2.0);
            double lo = Math.log((options - 1) * acc / (1 - acc));
            w[e] = Math.max(MIN_WEIGHT, Math.min(MAX_WEIGHT, lo));
        }
        return w;
    }
}
