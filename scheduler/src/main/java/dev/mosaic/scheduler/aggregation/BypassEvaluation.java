package dev.mosaic.scheduler.aggregation;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Accuracy of always aggregating vs adaptive bypass at a threshold, overall and per category, on
 * a set of prompts (normally the held-out split), with the skip rate, and the measured loss
 * next to its upper confidence bound ({@link LossBound#upper}, computed from these prompts
 * alone, so on held-out prompts it is an independent check of the calibration). Also the plain
 * majority vote's accuracy, to show what the aggregator adds. Only labelled prompts count; an
 * aggregator that gave no answer ({@link Answers#ABSTAIN}) counts as wrong. Immutable.
 *
 * @param lossUpperBound upper confidence bound on the accuracy loss (fraction), at {@code confidence}
 */
public record BypassEvaluation(double tau, int prompts, double alwaysAccuracy, double adaptiveAccuracy,
                               double majorityVoteAccuracy, double skipRate, Map<String, Row> perCategory,
                               double lossUpperBound, double confidence) {

    /** Default confidence of the reported bounds. */
    public static final double DEFAULT_CONFIDENCE = 0.95;

    /** One category's numbers. Immutable; thread-safe. */
    public record Row(int prompts, double alwaysAccuracy, double adaptiveAccuracy, double skipRate, double lossUpperBound) {
        /** Accuracy lost vs always aggregating (fraction; negative: adaptive is better). */
        public double loss() {
            return alwaysAccuracy - adaptiveAccuracy;
        }
    }

    /** Adaptive minus always-aggregate accuracy in percentage points. */
    public double accuracyChangePp() {
        return 100 * (adaptiveAccuracy - alwaysAccuracy);
    }

    /** Accuracy lost vs always aggregating (fraction; negative: adaptive is better). */
    public double loss() {
        return alwaysAccuracy - adaptiveAccuracy;
    }

    /** Which prompts bypass the aggregator at {@code tau}. */
    public static boolean[] bypassMask(Votes v, double tau) {
        boolean[] m = new boolean[v.share().length];
        for (int q = 0; q < m.length; q++) {
            m[q] = v.plurality()[q] != Answers.ABSTAIN && v.share()[q] >= tau;
        }
        return m;
    }

    /** The final answer of each prompt: the top vote when bypassed, else the aggregator's. */
    public static int[] finalAnswers(Answers a, Votes v, boolean[] bypass) {
        int[] f = new int[bypass.length];
        for (int q = 0; q < f.length; q++) {
            f[q] = bypass[q] ? v.plurality()[q] : a.aggregatorAnswer(q);
        }
        return f;
    }

    /** {@link #evaluate(Answers, Votes, double, int[], double)} with 95% bounds. */
    public static BypassEvaluation evaluate(Answers a, Votes v, double tau, int[] prompts) {
        return evaluate(a, v, tau, prompts, DEFAULT_CONFIDENCE);
    }

    public static BypassEvaluation evaluate(Answers a, Votes v, double tau, int[] prompts, double confidence) {
        LossBound.delta(confidence);
        boolean[] bypass = bypassMask(v, tau);
        // per category: prompts, always right, adaptive right, skipped, harms, gains
        Map<String, long[]> cats = new TreeMap<>();
        long[] all = new long[6];
        long vote = 0;
        for (int q : prompts) {
            int truth = a.truth(q);
            if (truth == Answers.ABSTAIN) {
                continue;
            }
            long[] c = cats.computeIfAbsent(a.categoryOf(q), k -> new long[6]);
            boolean ag = a.aggregatorAnswer(q) == truth;
            boolean pl = v.plurality()[q] == truth;
            boolean ad = bypass[q] ? pl : ag;
            vote += pl ? 1 : 0;
            for (long[] x : new long[][] {all, c}) {
                x[0]++;
                x[1] += ag ? 1 : 0;
                x[2] += ad ? 1 : 0;
                x[3] += bypass[q] ? 1 : 0;
                x[4] += bypass[q] && ag && !pl ? 1 : 0;
                x[5] += bypass[q] && pl && !ag ? 1 : 0;
            }
        }
        Map<String, Row> rows = new LinkedHashMap<>();
        cats.forEach((k, c) -> rows.put(k, new Row((int) c[0], c[1] / (double) c[0], c[2] / (double) c[0], c[3] / (double) c[0],
                LossBound.upper(c[4], c[5], c[0], confidence))));
        double n = Math.max(1, all[0]);
        return new BypassEvaluation(tau, (int) all[0], all[1] / n, all[2] / n, vote / n, all[3] / n, rows,
                LossBound.upper(all[4], all[5], all[0], confidence), confidence);
    }
}
