package dev.mosaic.scheduler.aggregation;

import dev.mosaic.scheduler.workload.SimulatedAnswers;
import java.util.Arrays;

/**
 * Picks the bypass threshold {@code tau}: the lowest agreement level (so the most prompts skip
 * the aggregator) at which the accuracy on a labelled split drops by at most {@code budget}
 * (a fraction: 0.001 = 0.1 percentage points) compared with always aggregating. A prompt
 * bypasses when its agreement {@code >= tau}; {@link #NEVER} disables the bypass.
 */
public final class ThresholdCalibrator {

    /** A threshold above every agreement value: nothing bypasses. */
    public static final double NEVER = 1.01;

    /** Default budget: 0.1 percentage points. */
    public static final double DEFAULT_BUDGET = 0.001;

    /** The chosen threshold and what it gives on the calibration split. */
    public record Calibration(double tau, double budget, int prompts, double alwaysAccuracy, double adaptiveAccuracy,
                              double skipRate) {
        /** Accuracy lost vs always aggregating, as a fraction (negative: adaptive is better). */
        public double loss() {
            return alwaysAccuracy - adaptiveAccuracy;
        }
    }

    private ThresholdCalibrator() {}

    public static Calibration calibrate(SimulatedAnswers a, Votes v, int[] split, double budget) {
        if (!(budget >= 0) || budget > 1) {
            throw new IllegalArgumentException("accuracy-loss budget must be in [0, 1], got " + budget);
        }
        int n = split.length;
        if (n == 0) {
            return new Calibration(NEVER, budget, 0, 0, 0, 0);
        }
        Integer[] order = new Integer[n];
        long alwaysRight = 0;
        for (int i = 0; i < n; i++) {
            order[i] = split[i];
            alwaysRight += a.aggregatorAnswer()[split[i]] == a.truth()[split[i]] ? 1 : 0;
        }
        Arrays.sort(order, (x, y) -> Double.compare(v.share()[y], v.share()[x]));
        // Bypassing prompt q changes the number of right answers by (plurality right) - (aggregator right).
        long delta = 0;
        int bestSkipped = 0;
        double bestTau = NEVER;
        long bestDelta = 0;
        for (int i = 0; i < n; i++) {
            int q = order[i];
            delta += (v.plurality()[q] == a.truth()[q] ? 1 : 0) - (a.aggregatorAnswer()[q] == a.truth()[q] ? 1 : 0);
            boolean boundary = i == n - 1 || v.share()[order[i + 1]] < v.share()[q];
            // loss = -delta / n; compare in counts to avoid rounding at the budget's edge
            if (boundary && -delta <= budget * n + 1e-9 && v.plurality()[q] >= 0) {
                bestSkipped = i + 1;
                bestTau = v.share()[q];
                bestDelta = delta;
            }
        }
        double always = alwaysRight / (double) n;
        return new Calibration(bestTau, budget, n, always, (alwaysRight + bestDelta) / (double) n, bestSkipped / (double) n);
    }
}
