package dev.mosaic.scheduler.aggregation;

import java.util.Arrays;
import java.util.TreeSet;

/**
 * The agreement rules by their moa.json names, and their implementations. Every rule's score
 * lies in [0, 1]; a threshold above 1 ({@link ThresholdCalibrator#NEVER}) disables the bypass and
 * is written {@code <name>:never}. Extraction failures ({@link Answers#ABSTAIN}) never count as
 * agreement: an abstaining expert is a vote for no answer. All rules are immutable and thread-safe.
 *
 * <ul>
 *   <li>{@code unanimity}: score 1 when every expert gave the same (non-abstaining) answer, else 0.</li>
 *   <li>{@code plurality:<share>}: score = experts voting for the top answer / experts.</li>
 *   <li>{@code beta:<C>}: an Adaptive-Consistency-style Beta posterior (Aggarwal et al. 2023). With
 *       {@code v1} votes for the top answer and {@code v2} for the runner-up and a uniform prior, the
 *       top answer's share {@code p} among the two has posterior Beta(v1 + 1, v2 + 1); the score is
 *       P(p &gt; 1/2) = 1 - I_{1/2}(v1 + 1, v2 + 1) = P(Binomial(v1 + v2 + 1, 1/2) &lt;= v1), exact for
 *       integer counts. Three of three gives 1 - 0.5^4 = 0.9375, two of three 0.6875, so C must be
 *       chosen (calibrated) for the number of experts.</li>
 *   <li>{@code weighted:<share>}: each vote weighs r_e x exp(mean log-probability of its answer
 *       span), r_e the expert's calibrated reliability ({@link ExpertReliability}: log-odds of its
 *       accuracy on a labelled split; 1 until calibrated) and exp(mean logprob) in (0, 1] the
 *       geometric-mean probability the model gave the answer's tokens (1 where unknown, as for
 *       simulated answers); score = weight of the top answer / total weight, abstainers counting
 *       with their r_e. The product keeps the log-odds weights' meaning (an expert's evidence) and
 *       discounts an answer the model itself was unsure of.</li>
 * </ul>
 */
public final class AgreementRules {

    /** The rule names, as in moa.json. */
    public static final String KNOWN = "unanimity, plurality:<share>, beta:<C>, weighted:<share> (threshold in [0, 1] or 'never')";

    private AgreementRules() {}

    /**
     * The rule written {@code spec}.
     *
     * @throws IllegalArgumentException naming the spec when it is not one of {@link #KNOWN}
     */
    public static AgreementRule parse(String spec) {
        if (spec == null) {
            throw new IllegalArgumentException("agreement rule is missing; known: " + KNOWN);
        }
        String s = spec.strip();
        int colon = s.indexOf(':');
        String name = colon < 0 ? s : s.substring(0, colon);
        String arg = colon < 0 ? null : s.substring(colon + 1).strip();
        return switch (name) {
            case "unanimity" -> new Unanimity(arg == null ? 1.0 : threshold(spec, arg));
            case "plurality" -> new Plurality(threshold(spec, required(spec, arg, "share")));
            case "beta" -> new Beta(threshold(spec, required(spec, arg, "C")));
            case "weighted" -> new Weighted(threshold(spec, required(spec, arg, "share")), null);
            default -> throw new IllegalArgumentException("unknown agreement rule '" + spec + "'; known: " + KNOWN);
        };
    }

    private static String required(String spec, String arg, String what) {
        if (arg == null || arg.isEmpty()) {
            throw new IllegalArgumentException("agreement rule '" + spec + "' needs a " + what + " threshold after ':', e.g. '"
                    + spec.strip().replace(":", "") + ":0.67'; known: " + KNOWN);
        }
        return arg;
    }

    private static double threshold(String spec, String arg) {
        if (arg.equals("never")) {
            return ThresholdCalibrator.NEVER;
        }
        double t;
        try {
            t = Double.parseDouble(arg);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("agreement rule '" + spec + "': threshold '" + arg + "' is not a number; known: " + KNOWN);
        }
        if (!(t >= 0 && t <= 1)) {
            throw new IllegalArgumentException("agreement rule '" + spec + "': threshold " + arg + " is outside [0, 1] (use 'never' to disable the bypass)");
        }
        return t;
    }

    private static double checkThreshold(double t) {
        if (!(t >= 0) || Double.isInfinite(t)) {
            throw new IllegalArgumentException("agreement threshold must be a finite number >= 0 (above 1: never bypass), got " + t);
        }
        return t;
    }

    private static String format(String name, double t) {
        if (t > 1) {
            return name + ":never";
        }
        String s = Double.toString(t);
        return name + ":" + (s.endsWith(".0") ? s.substring(0, s.length() - 2) : s);
    }

    /** Multiples of 0.05 from 1 down to 0.05, strictest first. */
    static double[] shareGrid() {
        double[] g = new double[20];
        for (int k = 0; k < 20; k++) {
            g[k] = Math.round((1.0 - k * 0.05) * 1e9) / 1e9;
        }
        return g;
    }

    /**
     * The {@code beta} score: P(Binomial(v1 + v2 + 1, 1/2) &lt;= v1), i.e. the posterior probability
     * under Beta(v1 + 1, v2 + 1) that the top answer beats the runner-up.
     */
    public static double betaScore(int v1, int v2) {
        if (v1 < 0 || v2 < 0) {
            throw new IllegalArgumentException("vote counts must be >= 0, got " + v1 + ", " + v2);
        }
        if (v1 == 0 && v2 == 0) {
            return 0.0;
        }
        int m = v1 + v2 + 1;
        // sum_{k <= v1} C(m, k) 2^-m in log space (m is the number of voters + 1: small, but no overflow for any m)
        double logHalf = m * Math.log(0.5);
        double logTerm = logHalf; // k = 0
        double sum = Math.exp(logTerm);
        for (int k = 1; k <= v1; k++) {
            logTerm += Math.log((double) (m - k + 1) / k);
            sum += Math.exp(logTerm);
        }
        return Math.min(1.0, sum);
    }

    /** {@code unanimity}: 1 when all experts gave the same non-abstaining answer, else 0. Immutable; thread-safe. */
    public record Unanimity(double threshold) implements AgreementRule {
        public Unanimity {
            checkThreshold(threshold);
        }

        @Override
        public Agreement score(int n, int[] answers, int[] experts, double[] logprobs) {
            Tally t = Tally.of(n, answers, null);
            int top = t.top();
            boolean all = top >= 0 && t.count[top] == n;
            return new Agreement(t.topAnswer(top), all ? 1.0 : 0.0);
        }

        @Override
        public AgreementRule withThreshold(double threshold) {
            return new Unanimity(threshold);
        }

        @Override
        public double[] thresholdGrid() {
            return new double[] {1.0};
        }

        @Override
        public String spec() {
            return threshold > 1 ? "unanimity:never" : threshold == 1.0 ? "unanimity" : format("unanimity", threshold);
        }
    }

    /** {@code plurality:<share>}: experts voting for the top answer / experts. Immutable; thread-safe. */
    public record Plurality(double threshold) implements AgreementRule {
        public Plurality {
            checkThreshold(threshold);
        }

        @Override
        public Agreement score(int n, int[] answers, int[] experts, double[] logprobs) {
            Tally t = Tally.of(n, answers, null);
            int top = t.top();
            return new Agreement(t.topAnswer(top), top < 0 ? 0.0 : t.count[top] / (double) n);
        }

        @Override
        public AgreementRule withThreshold(double threshold) {
            return new Plurality(threshold);
        }

        @Override
        public String spec() {
            return format("plurality", threshold);
        }
    }

    /** {@code beta:<C>}: see {@link #betaScore}. Immutable; thread-safe. */
    public record Beta(double threshold) implements AgreementRule {
        public Beta {
            checkThreshold(threshold);
        }

        @Override
        public Agreement score(int n, int[] answers, int[] experts, double[] logprobs) {
            Tally t = Tally.of(n, answers, null);
            int top = t.top();
            return new Agreement(t.topAnswer(top), top < 0 ? 0.0 : betaScore(t.count[top], t.secondCount(top)));
        }

        @Override
        public AgreementRule withThreshold(double threshold) {
            return new Beta(threshold);
        }

        /** 1 - 2^-k for k = 16..1 (3/3 is 0.9375, 4/4 0.96875, ...) and the multiples of 0.05 in [0.5, 0.95], strictest first. */
        @Override
        public double[] thresholdGrid() {
            TreeSet<Double> g = new TreeSet<>();
            for (int k = 1; k <= 16; k++) {
                g.add(1 - Math.pow(0.5, k));
            }
            for (int k = 10; k <= 19; k++) {
                g.add(Math.round(k * 0.05 * 1e9) / 1e9);
            }
            return g.descendingSet().stream().mapToDouble(Double::doubleValue).toArray();
        }

        @Override
        public String spec() {
            return format("beta", threshold);
        }
    }

    /**
     * {@code weighted:<share>}: reliability x answer-span confidence weighted share.
     *
     * <p>Immutable (the reliabilities are copied in); thread-safe.
     *
     * @param reliability weight per expert index ({@link ExpertReliability#calibrate}); null: 1 each
     */
    public record Weighted(double threshold, double[] reliability) implements AgreementRule {
        public Weighted {
            checkThreshold(threshold);
            reliability = reliability == null ? null : reliability.clone();
        }

        /** The same rule with calibrated per-expert reliabilities. */
        public Weighted withReliability(double[] reliability) {
            return new Weighted(threshold, reliability);
        }

        @Override
        public double[] reliability() {
            return reliability == null ? null : reliability.clone();
        }

        /** The weight of one vote: reliability of {@code expert} x exp({@code logprob}) (x 1 when NaN). */
        public double voteWeight(int expert, double logprob) {
            double r = 1.0;
            if (reliability != null) {
                if (expert < 0 || expert >= reliability.length) {
                    throw new IllegalArgumentException("expert index " + expert + " has no reliability (" + reliability.length + " calibrated)");
                }
                r = reliability[expert];
            }
            return Double.isNaN(logprob) ? r : r * Math.exp(Math.min(0.0, logprob));
        }

        @Override
        public Agreement score(int n, int[] answers, int[] experts, double[] logprobs) {
            double[] w = new double[n];
            for (int i = 0; i < n; i++) {
                w[i] = voteWeight(experts[i], answers[i] == Answers.ABSTAIN || logprobs == null ? Double.NaN : logprobs[i]);
            }
            Tally t = Tally.of(n, answers, w);
            int top = t.top();
            return new Agreement(t.topAnswer(top), top < 0 || !(t.totalWeight > 0) ? 0.0 : t.weight[top] / t.totalWeight);
        }

        @Override
        public AgreementRule withThreshold(double threshold) {
            return new Weighted(threshold, reliability);
        }

        @Override
        public String spec() {
            return format("weighted", threshold);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Weighted other && other.threshold == threshold && Arrays.equals(other.reliability, reliability);
        }

        @Override
        public int hashCode() {
            return Double.hashCode(threshold) * 31 + Arrays.hashCode(reliability);
        }

        @Override
        public String toString() {
            return "Weighted[" + spec() + ", reliability=" + Arrays.toString(reliability) + "]";
        }
    }
}
