package dev.mosaic.scheduler.aggregation;

/**
 * One prompt's votes counted per distinct answer, in the order answers were first voted for.
 * Abstentions ({@link Answers#ABSTAIN}) get no entry but their weight counts in
 * {@link #totalWeight}, so an abstaining expert weighs against agreement. Not thread-safe; small
 * and allocated per prompt.
 */
final class Tally {
    final int[] answer;
    final int[] count;
    final double[] weight;
    int distinct;
    int voters;
    double totalWeight;

    private Tally(int n) {
        answer = new int[n];
        count = new int[n];
        weight = new double[n];
    }

    /** Counts {@code answers[0..n)}, vote {@code i} weighing {@code weights[i]} (null: 1 each). */
    static Tally of(int n, int[] answers, double[] weights) {
        Tally t = new Tally(n);
        t.voters = n;
        for (int i = 0; i < n; i++) {
            double w = weights == null ? 1.0 : weights[i];
            t.totalWeight += w;
            int a = answers[i];
            if (a == Answers.ABSTAIN) {
                continue;
            }
            int k = 0;
            while (k < t.distinct && t.answer[k] != a) {
                k++;
            }
            if (k == t.distinct) {
                t.answer[k] = a;
                t.distinct++;
            }
            t.count[k]++;
            t.weight[k] += w;
        }
        return t;
    }

    /** Entry with the largest weight (ties: the answer voted for first), or -1 when every vote abstained. */
    int top() {
        int best = -1;
        for (int k = 0; k < distinct; k++) {
            if (best < 0 || weight[k] > weight[best]) {
                best = k;
            }
        }
        return best;
    }

    /** Largest count among the entries other than {@code top} (0 when there is none). */
    int secondCount(int top) {
        int c = 0;
        for (int k = 0; k < distinct; k++) {
            if (k != top) {
                c = Math.max(c, count[k]);
            }
        }
        return c;
    }

    int topAnswer(int top) {
        return top < 0 ? Answers.ABSTAIN : answer[top];
    }
}
