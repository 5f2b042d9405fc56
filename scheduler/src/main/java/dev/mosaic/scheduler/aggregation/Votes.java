package dev.mosaic.scheduler.aggregation;

/**
 * The experts' votes on each prompt: the top answer, its agreement score (what the bypass
 * threshold is compared with) and its unweighted share. Immutable by convention.
 *
 * @param plurality the top answer per prompt ({@link Answers#ABSTAIN} when every expert abstained)
 * @param share the agreement score: with {@link #of(Answers, double[])} the weight of the
 *              plurality answer / total weight; with {@link #scored(Answers, AgreementRule)} the rule's score
 * @param plainShare number of experts voting for the top answer / number of experts
 */
public record Votes(int[] plurality, double[] share, double[] plainShare) {

    /**
     * Counts votes with per-expert weights ({@code null}: every vote weighs 1, the plain plurality
     * share; otherwise confidence-aware agreement with calibrated reliabilities). Ties go to the
     * answer voted for first in routing order; abstentions count in the total weight only.
     */
    public static Votes of(Answers a, double[] expertWeight) {
        int np = a.prompts();
        int[] plurality = new int[np];
        double[] share = new double[np];
        double[] plain = new double[np];
        int[] starts = a.promptJobStarts();
        for (int q = 0; q < np; q++) {
            int n = starts[q + 1] - starts[q];
            int[] answers = new int[n];
            double[] w = new double[n];
            for (int i = 0; i < n; i++) {
                int j = starts[q] + i;
                answers[i] = a.jobAnswer(j);
                w[i] = expertWeight == null ? 1.0 : expertWeight[a.jobExpert(j)];
            }
            Tally t = Tally.of(n, answers, w);
            int top = t.top();
            plurality[q] = t.topAnswer(top);
            if (top >= 0) {
                share[q] = t.totalWeight > 0 ? t.weight[top] / t.totalWeight : 0;
                plain[q] = t.count[top] / (double) n;
            }
        }
        return new Votes(plurality, share, plain);
    }

    /** Scores every prompt with {@code rule}: {@code share} is the rule's score, {@code plurality} its top answer. */
    public static Votes scored(Answers a, AgreementRule rule) {
        int np = a.prompts();
        int[] plurality = new int[np];
        double[] share = new double[np];
        double[] plain = new double[np];
        int[] starts = a.promptJobStarts();
        for (int q = 0; q < np; q++) {
            int n = starts[q + 1] - starts[q];
            int[] answers = new int[n];
            int[] experts = new int[n];
            double[] logprobs = new double[n];
            for (int i = 0; i < n; i++) {
                int j = starts[q] + i;
                answers[i] = a.jobAnswer(j);
                experts[i] = a.jobExpert(j);
                logprobs[i] = a.jobLogprob(j);
            }
            AgreementRule.Agreement g = rule.score(n, answers, experts, logprobs);
            plurality[q] = g.answer();
            share[q] = g.answer() == Answers.ABSTAIN ? 0.0 : g.score();
            if (g.answer() != Answers.ABSTAIN) {
                int c = 0;
                for (int x : answers) {
                    c += x == g.answer() ? 1 : 0;
                }
                plain[q] = c / (double) n;
            }
        }
        return new Votes(plurality, share, plain);
    }
}
