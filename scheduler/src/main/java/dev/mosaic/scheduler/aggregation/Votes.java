package dev.mosaic.scheduler.aggregation;

import dev.mosaic.scheduler.workload.SimulatedAnswers;

/**
 * The experts' votes on each prompt: the (weighted) plurality answer, its weighted share of the
 * votes (the agreement used for bypass), and its unweighted share.
 *
 * @param plurality the option with the largest total weight per prompt (ties: the option first
 *                  voted for in routing order)
 * @param share weight of the plurality option / total weight, in [0, 1]
 * @param plainShare number of experts voting for the plurality option / number of experts
 */
public record Votes(int[] plurality, double[] share, double[] plainShare) {

    /**
     * Counts votes with per-expert weights ({@code null}: every vote weighs 1, the plain plurality
     * share; otherwise confidence-aware agreement with calibrated reliabilities).
     */
    public static Votes of(SimulatedAnswers a, double[] expertWeight) {
        int np = a.prompts();
        int[] plurality = new int[np];
        double[] share = new double[np];
        double[] plain = new double[np];
        int[] starts = a.promptJobStarts();
        double[] weight = new double[a.options()];
        int[] count = new int[a.options()];
        for (int q = 0; q < np; q++) {
            java.util.Arrays.fill(weight, 0);
            java.util.Arrays.fill(count, 0);
            double total = 0;
            int best = -1;
            for (int j = starts[q]; j < starts[q + 1]; j++) {
                double w = expertWeight == null ? 1.0 : expertWeight[a.jobExpert()[j]];
                int o = a.jobAnswer()[j];
                weight[o] += w;
                count[o]++;
                total += w;
                if (best < 0 || weight[o] > weight[best]) {
                    best = o;
                }
            }
            if (best < 0) {
                plurality[q] = -1;
                continue;
            }
            plurality[q] = best;
            share[q] = total > 0 ? weight[best] / total : 0;
            plain[q] = count[best] / (double) (starts[q + 1] - starts[q]);
        }
        return new Votes(plurality, share, plain);
    }
}
