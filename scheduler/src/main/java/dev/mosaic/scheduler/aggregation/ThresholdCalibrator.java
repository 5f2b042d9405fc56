package dev.mosaic.scheduler.aggregation;

import dev.mosaic.scheduler.workload.SimulatedAnswers;
import java.util.Arrays;

/**
 * Picks the bypass threshold {@code tau}: the lowest agreement level (so the most prompts skip
 * the aggregator) at which the accuracy on a labelled split drops by at most {@code budget}
 * (a fraction: 0.001 = 0.1 percentage points) compared with always aggregating. A prompt
 * bypasses when its agreement {@code >= tau}; {@link #NEVER} disables the bypass.
 *
 * <p>The loss is judged with a margin so that the threshold generalises beyond the labelled
 * split: among the bypassed prompts let {@code L} be those the aggregator gets right and the
 * plurality wrong, {@code G} the reverse; a threshold is admissible when
 * {@code L - G + z sqrt(L + G) <= budget * n} (e.g. {@code z} = 1.645, a one-sided 95% bound under
 * a sign-test model). With {@code z = 0}, the default, this is the plain empirical loss: with a
 * 0.1 pp budget and a few hundred labelled prompts any positive margin forbids every bypass.
 * Candidate thresholds lie on a grid (steps of 0.05 by default) rather than at every distinct
 * agreement value, which keeps the choice from fitting the noise of the split. Either way the
 * empirical loss on the calibration split never exceeds the budget.
 */
public final class ThresholdCalibrator {

    /** A threshold above every agreement value: nothing bypasses. */
    public static final double NEVER = 1.01;

    /** Default budget: 0.1 percentage points. */
    public static final double DEFAULT_BUDGET = 0.001;

    /** Default margin: none (see the class comment). */
    public static final double DEFAULT_Z = 0.0;

    /** Default threshold grid: steps of 0.05. */
    public static final double DEFAULT_STEP = 0.05;

    /** The chosen threshold and what it gives on the calibration split. */
    public record Calibration(double tau, double budget, int prompts, double alwaysAccuracy, double adaptiveAccuracy,
                              double skipRate) {
        /** Accuracy lost vs always aggregating, as a fraction (negative: adaptive is better). */
        public double loss() {
            return alwaysAccuracy - adaptiveAccuracy;
        }
    }

    private ThresholdCalibrator() {}

    /** {@link #calibrate(SimulatedAnswers, Votes, int[], double, double, double)} with the default grid and margin. */
    public static Calibration calibrate(SimulatedAnswers a, Votes v, int[] split, double budget) {
        return calibrate(a, v, split, budget, DEFAULT_STEP, DEFAULT_Z);
    }

    /**
     * Chooses tau on the prompts in {@code split} among the multiples of {@code step} in [0, 1]
     * ({@code step} 0: among all agreement values); {@code z >= 0} is the safety margin (0: none).
     */
    public static Calibration calibrate(SimulatedAnswers a, Votes v, int[] split, double budget, double step, double z) {
        if (!(z >= 0) || Double.isInfinite(z)) {
            throw new IllegalArgumentException("calibration margin z must be a finite number >= 0, got " + z);
        }
        if (!(step >= 0 && step <= 1)) {
            throw new IllegalArgumentException("threshold grid step must be in [0, 1], got " + step);
        }
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
        // Candidate thresholds: a grid from 1 down to 0 (or every distinct agreement value when
        // step is 0). A coarse grid keeps the choice from fitting the noise of a small split.
        // Bypassing prompt q changes the number of right answers by (plurality right) - (aggregator right).
        long delta = 0;
        long disagreements = 0;
        int bestSkipped = 0;
        double bestTau = NEVER;
        long bestDelta = 0;
        int i = 0;
        double tau = 1.0;
        int k = 0;
        while (i < n) {
            if (step == 0) {
                tau = v.share()[order[i]];
            }
            while (i < n && v.share()[order[i]] >= tau && v.plurality()[order[i]] >= 0) {
                int q = order[i];
                int change = (v.plurality()[q] == a.truth()[q] ? 1 : 0) - (a.aggregatorAnswer()[q] == a.truth()[q] ? 1 : 0);
                delta += change;
                disagreements += change != 0 ? 1 : 0;
                i++;
            }
            // loss = -delta / n; compared in counts to avoid rounding at the budget's edge
            if (i > bestSkipped && -delta + z * Math.sqrt(disagreements) <= budget * n + 1e-9) {
                bestSkipped = i;
                bestTau = tau;
                bestDelta = delta;
            }
            if (i < n && v.plurality()[order[i]] < 0) {
                break;
            }
            if (step > 0) {
                // exact grid values (0.7, not 0.7000000000000001) so that callers comparing share >= tau agree
                tau = Math.round((1.0 - ++k * step) * 1e9) / 1e9;
                if (tau < 0) {
                    break;
                }
            }
        }
        double always = alwaysRight / (double) n;
        return new Calibration(bestTau, budget, n, always, (alwaysRight + bestDelta) / (double) n, bestSkipped / (double) n);
    }
}
