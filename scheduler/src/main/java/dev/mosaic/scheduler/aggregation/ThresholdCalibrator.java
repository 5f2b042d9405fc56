package dev.mosaic.scheduler.aggregation;

import java.util.Arrays;

/**
 * Picks the bypass threshold {@code tau} on a labelled calibration split so that the accuracy
 * lost against always aggregating stays within a budget (a fraction: 0.001 = 0.1 percentage
 * points) <em>with stated confidence</em>, not just on the split. A prompt bypasses when its
 * top answer is not an abstention and its agreement is {@code >= tau}; {@link #NEVER} disables
 * the bypass. Unlabelled prompts of the split are ignored. Stateless and thread-safe.
 *
 * <p>{@link #calibrate} is Learn-then-Test with fixed-sequence testing (Angelopoulos et al.
 * 2021): the grid thresholds are tested from the strictest down; threshold {@code t} passes when
 * the (1 - delta) upper confidence bound on its loss ({@link LossBound#upper}, exact binomial)
 * is {@code <= budget}; testing stops at the first failure and the loosest passing threshold
 * is chosen. Then P(true loss of the chosen threshold &gt; budget) &lt;= delta for prompts drawn like
 * the split (no multiplicity correction is needed in a fixed sequence). A threshold's bypass
 * set grows as it loosens, so the order is fixed before looking at the data.
 *
 * <p>{@link #empirical} is the earlier rule, kept for comparison: the loosest grid threshold
 * whose loss <em>on the split</em> ({@code L - G}, plus an optional margin
 * {@code z sqrt(L + G)}) is within budget. It overfits small splits: on a 1000-prompt
 * paper-like workload with 30% calibration and a 0.1 pp budget it lost 2.06 pp held-out.
 */
public final class ThresholdCalibrator {

    /** A threshold above every agreement value: nothing bypasses. */
    public static final double NEVER = 1.01;

    /** Default budget: 0.1 percentage points. */
    public static final double DEFAULT_BUDGET = 0.001;

    /** Default confidence that the loss is within budget. */
    public static final double DEFAULT_CONFIDENCE = 0.95;

    /** Default margin of the empirical rule: none. */
    public static final double DEFAULT_Z = 0.0;

    /** Default threshold grid step: 0.05. */
    public static final double DEFAULT_STEP = 0.05;

    /**
     * The chosen threshold and what it gives on the calibration split.
     *
     * <p>Immutable; thread-safe.
     *
     * @param confidence the confidence of {@code lossUpperBound} (and of the choice, for {@code ltt})
     * @param lossUpperBound upper confidence bound on the loss at {@code tau}, from the split
     *                       (fraction; 0 for {@link #NEVER})
     * @param method {@code ltt} or {@code empirical}
     */
    public record Calibration(double tau, double budget, int prompts, double alwaysAccuracy, double adaptiveAccuracy,
                              double skipRate, double confidence, double lossUpperBound, String method) {
        /** Accuracy lost vs always aggregating on the split, as a fraction (negative: adaptive is better). */
        public double loss() {
            return alwaysAccuracy - adaptiveAccuracy;
        }
    }

    private ThresholdCalibrator() {}

    /** Learn-then-Test calibration at 95% on the multiples of 0.05 in (0, 1]. */
    public static Calibration calibrate(Answers a, Votes v, int[] split, double budget) {
        return calibrate(a, v, split, budget, DEFAULT_CONFIDENCE, AgreementRules.shareGrid());
    }

    /** Learn-then-Test calibration of {@code rule}'s threshold on its own grid; returns the calibration (apply it with {@code rule.withThreshold(tau)}). */
    public static Calibration calibrate(Answers a, AgreementRule rule, int[] split, double budget, double confidence) {
        return calibrate(a, Votes.scored(a, rule), split, budget, confidence, rule.thresholdGrid());
    }

    /**
     * Learn-then-Test calibration (see the class comment).
     *
     * @param grid candidate thresholds, strictest (highest) first
     */
    public static Calibration calibrate(Answers a, Votes v, int[] split, double budget, double confidence, double[] grid) {
        checkBudget(budget);
        LossBound.delta(confidence);
        for (int i = 0; i < grid.length; i++) {
            if (!(grid[i] >= 0) || (i > 0 && !(grid[i] < grid[i - 1]))) {
                throw new IllegalArgumentException("threshold grid must be strictly decreasing values >= 0, got " + Arrays.toString(grid));
            }
        }
        Sweep s = new Sweep(a, v, split);
        double tau = NEVER;
        for (double t : grid) {
            s.advanceTo(t);
            if (LossBound.upper(s.harms, s.gains, s.n, confidence) > budget) {
                break;
            }
            tau = t;
        }
        return s.result(tau, budget, confidence, "ltt");
    }

    /**
     * The earlier empirical rule: among the multiples of {@code step} in [0, 1] ({@code step} 0:
     * every agreement value), the loosest whose loss on the split plus {@code z sqrt(L + G)} is
     * within budget. The returned bound is the 95% {@link LossBound#upper} at the chosen tau.
     */
    public static Calibration empirical(Answers a, Votes v, int[] split, double budget, double step, double z) {
        if (!(z >= 0) || Double.isInfinite(z)) {
            throw new IllegalArgumentException("calibration margin z must be a finite number >= 0, got " + z);
        }
        if (!(step >= 0 && step <= 1)) {
            throw new IllegalArgumentException("threshold grid step must be in [0, 1], got " + step);
        }
        checkBudget(budget);
        double[] grid;
        if (step == 0) {
            grid = Arrays.stream(split).mapToDouble(q -> v.share()[q]).boxed().distinct()
                    .sorted((x, y) -> Double.compare(y, x)).mapToDouble(Double::doubleValue).toArray();
        } else {
            int k = (int) Math.floor(1 / step + 1e-9);
            grid = new double[k + 1];
            for (int i = 0; i <= k; i++) {
                // exact grid values (0.7, not 0.7000000000000001) so that callers comparing share >= tau agree
                grid[i] = Math.round((1.0 - i * step) * 1e9) / 1e9;
            }
        }
        Sweep s = new Sweep(a, v, split);
        double tau = NEVER;
        int bestSkipped = 0;
        for (double t : grid) {
            s.advanceTo(t);
            // compared in counts to avoid rounding at the budget's edge
            if (s.skipped > bestSkipped && s.harms - s.gains + z * Math.sqrt(s.harms + s.gains) <= budget * s.n + 1e-9) {
                bestSkipped = s.skipped;
                tau = t;
            }
        }
        return s.result(tau, budget, DEFAULT_CONFIDENCE, "empirical");
    }

    private static void checkBudget(double budget) {
        if (!(budget >= 0) || budget > 1) {
            throw new IllegalArgumentException("accuracy-loss budget must be in [0, 1], got " + budget);
        }
    }

    /** The labelled prompts of a split by decreasing agreement; bypass sets grow as the threshold falls. */
    private static final class Sweep {
        final Answers a;
        final Votes v;
        final int[] order;
        final int n;
        int next;
        int skipped;
        long harms;
        long gains;
        long alwaysRight;

        Sweep(Answers a, Votes v, int[] split) {
            this.a = a;
            this.v = v;
            int[] labelled = Arrays.stream(split).filter(q -> a.truth(q) != Answers.ABSTAIN).toArray();
            n = labelled.length;
            for (int q : labelled) {
                alwaysRight += a.aggregatorAnswer(q) == a.truth(q) ? 1 : 0;
            }
            // prompts whose experts all abstained never bypass: leave them out of the sweep
            order = Arrays.stream(labelled).filter(q -> v.plurality()[q] != Answers.ABSTAIN).boxed()
                    .sorted((x, y) -> Double.compare(v.share()[y], v.share()[x])).mapToInt(Integer::intValue).toArray();
        }

        void advanceTo(double tau) {
            while (next < order.length && v.share()[order[next]] >= tau) {
                int q = order[next++];
                boolean pl = v.plurality()[q] == a.truth(q);
                boolean ag = a.aggregatorAnswer(q) == a.truth(q);
                harms += ag && !pl ? 1 : 0;
                gains += pl && !ag ? 1 : 0;
                skipped++;
            }
        }

        Calibration result(double tau, double budget, double confidence, String method) {
            // recount at tau (the sweep may have gone past it)
            long h = 0;
            long g = 0;
            int sk = 0;
            for (int q : order) {
                if (v.share()[q] >= tau) {
                    boolean pl = v.plurality()[q] == a.truth(q);
                    boolean ag = a.aggregatorAnswer(q) == a.truth(q);
                    h += ag && !pl ? 1 : 0;
                    g += pl && !ag ? 1 : 0;
                    sk++;
                }
            }
            if (n == 0) {
                return new Calibration(NEVER, budget, 0, 0, 0, 0, confidence, 1.0, method);
            }
            double bound = tau > 1 ? 0.0 : LossBound.upper(h, g, n, confidence);
            return new Calibration(tau, budget, n, alwaysRight / (double) n, (alwaysRight - h + g) / (double) n, sk / (double) n,
                    confidence, bound, method);
        }
    }
}
