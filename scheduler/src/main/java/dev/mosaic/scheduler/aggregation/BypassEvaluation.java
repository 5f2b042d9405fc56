package dev.mosaic.scheduler.aggregation;

import dev.mosaic.scheduler.workload.SimulatedAnswers;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Accuracy of always aggregating vs adaptive bypass at a threshold, overall and per category, on
 * a set of prompts (normally the held-out split), with the skip rate. Also the plain majority
 * vote's accuracy, to show what the aggregator adds.
 */
public record BypassEvaluation(double tau, int prompts, double alwaysAccuracy, double adaptiveAccuracy,
                               double majorityVoteAccuracy, double skipRate, Map<String, Row> perCategory) {

    /** One category's numbers. */
    public record Row(int prompts, double alwaysAccuracy, double adaptiveAccuracy, double skipRate) {}

    /** Adaptive minus always-aggregate accuracy in percentage points. */
    public double accuracyChangePp() {
        return 100 * (adaptiveAccuracy - alwaysAccuracy);
    }

    /** Which prompts bypass the aggregator at {@code tau}. */
    public static boolean[] bypassMask(Votes v, double tau) {
        boolean[] m = new boolean[v.share().length];
        for (int q = 0; q < m.length; q++) {
            m[q] = v.plurality()[q] >= 0 && v.share()[q] >= tau;
        }
        return m;
    }

    /** The final answer of each prompt: the weighted plurality when bypassed, else the aggregator's. */
    public static int[] finalAnswers(SimulatedAnswers a, Votes v, boolean[] bypass) {
        int[] f = new int[bypass.length];
        for (int q = 0; q < f.length; q++) {
            f[q] = bypass[q] ? v.plurality()[q] : a.aggregatorAnswer()[q];
        }
        return f;
    }

    public static BypassEvaluation evaluate(SimulatedAnswers a, Votes v, double tau, int[] prompts) {
        boolean[] bypass = bypassMask(v, tau);
        int[] fin = finalAnswers(a, v, bypass);
        Map<String, long[]> cats = new TreeMap<>();
        long always = 0;
        long adaptive = 0;
        long vote = 0;
        long skipped = 0;
        for (int q : prompts) {
            long[] c = cats.computeIfAbsent(a.categoryOf(q), k -> new long[4]);
            int ag = a.aggregatorAnswer()[q] == a.truth()[q] ? 1 : 0;
            int ad = fin[q] == a.truth()[q] ? 1 : 0;
            int sk = bypass[q] ? 1 : 0;
            always += ag;
            adaptive += ad;
            skipped += sk;
            vote += v.plurality()[q] == a.truth()[q] ? 1 : 0;
            c[0]++;
            c[1] += ag;
            c[2] += ad;
            c[3] += sk;
        }
        Map<String, Row> rows = new LinkedHashMap<>();
        cats.forEach((k, c) -> rows.put(k, new Row((int) c[0], c[1] / (double) c[0], c[2] / (double) c[0], c[3] / (double) c[0])));
        double n = Math.max(1, prompts.length);
        return new BypassEvaluation(tau, prompts.length, always / n, adaptive / n, vote / n, skipped / n, rows);
    }
}
