package dev.mosaic.scheduler.aggregation;

/**
 * Scores how strongly one prompt's experts agree; the prompt bypasses the aggregator when its
 * score reaches the rule's threshold and its top answer is not {@link Answers#ABSTAIN}. Used
 * online by the MoA runtime (a prompt is scored as soon as its last expert finishes) and offline
 * by calibration and the simulator, so both decide the same way. Implementations are immutable
 * and thread-safe.
 */
public interface AgreementRule {

    /**
     * The top answer of one prompt's votes and its agreement score.
     *
     * @param answer the (weighted) plurality answer id, {@link Answers#ABSTAIN} when every expert abstained
     * @param score agreement in [0, 1] on this rule's scale (higher = more agreement)
     */
    record Agreement(int answer, double score) {}

    /**
     * Scores the {@code n} votes {@code answers[0..n)} cast by {@code experts[0..n)} (expert
     * indices) with answer-span mean log-probabilities {@code logprobs[0..n)} (NaN where unknown).
     */
    Agreement score(int n, int[] answers, int[] experts, double[] logprobs);

    /** Bypass threshold: a prompt bypasses when its score is &gt;= this. */
    double threshold();

    /** The same rule with another threshold (what calibration chooses). */
    AgreementRule withThreshold(double threshold);

    /** The rule's name as written in moa.json, e.g. {@code unanimity} or {@code plurality:0.67}. */
    String spec();

    /**
     * Whether a prompt with this agreement bypasses the aggregator: its top answer is not
     * {@link Answers#ABSTAIN} and its score reaches {@link #threshold()}.
     */
    default boolean bypasses(Agreement agreement) {
        return agreement.answer() != Answers.ABSTAIN && agreement.score() >= threshold();
    }

    /**
     * The thresholds calibration may choose from, strictest (highest) first; by default the
     * multiples of 0.05 from 1 down to 0.05.
     */
    default double[] thresholdGrid() {
        return AgreementRules.shareGrid();
    }
}
