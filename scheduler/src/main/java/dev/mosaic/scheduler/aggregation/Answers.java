package dev.mosaic.scheduler.aggregation;

/**
 * The experts' answers to a set of prompts, as small integer answer ids: simulated answers (option
 * indices) and answers extracted from real generations (distinct extracted strings interned per
 * run) both implement it, so voting, calibration and bypass evaluation are one code path.
 *
 * <p>Jobs are grouped by prompt: the jobs of prompt {@code q} are
 * {@code promptJobStarts()[q] .. promptJobStarts()[q + 1] - 1}, in routing order.
 * Implementations are immutable snapshots unless they say otherwise.
 */
public interface Answers {

    /** Answer id of a job whose answer could not be extracted, or of an unknown answer. */
    int ABSTAIN = -1;

    /** Number of prompts. */
    int prompts();

    /** Index of the first job of each prompt, plus the number of jobs as the last entry. */
    int[] promptJobStarts();

    /** Expert (index into the problem's experts) of job {@code job}. */
    int jobExpert(int job);

    /** Answer id of job {@code job}, or {@link #ABSTAIN}; extraction failures never count as agreement. */
    int jobAnswer(int job);

    /**
     * Mean log-probability of the tokens of job {@code job}'s answer span (a value {@code <= 0}), or
     * {@link Double#NaN} where unknown (simulated answers, abstentions).
     */
    double jobLogprob(int job);

    /** Correct answer id of prompt {@code q}, or {@link #ABSTAIN} when the prompt is unlabelled. */
    int truth(int q);

    /** Category of prompt {@code q}, or {@code "all"} when it has none. */
    String categoryOf(int q);

    /** The aggregator's answer id for prompt {@code q}, or {@link #ABSTAIN} when unknown or not run. */
    int aggregatorAnswer(int q);

    /** Number of jobs. */
    default int jobs() {
        int[] s = promptJobStarts();
        return s[s.length - 1];
    }
}
