package dev.mosaic.scheduler.workload;

import dev.mosaic.scheduler.aggregation.Answers;

/**
 * Every answer of a simulated run, as option indices (0 = A). Per-job arrays follow
 * {@link dev.mosaic.scheduler.problem.Problem#jobs()} (prompt order, then route order). Simulated
 * experts never abstain and have no log-probabilities ({@link #jobLogprob} is NaN). Immutable
 * by convention (the arrays are not copied; nobody writes them after construction).
 *
 * @param truth the correct option of each prompt
 * @param category each prompt's category (null when the problem has none)
 * @param jobPrompt prompt of each job
 * @param jobExpert expert of each job
 * @param jobAnswer answer of each job's expert
 * @param aggregatorAnswer what the aggregator answers for each prompt
 */
public record SimulatedAnswers(int options, int[] truth, String[] category, int[] jobPrompt, int[] jobExpert,
                               int[] jobAnswer, int[] aggregatorAnswer) implements Answers {

    @Override
    public int prompts() {
        return truth.length;
    }

    /** Category of prompt {@code q}, or {@code "all"} when the problem has none. */
    @Override
    public String categoryOf(int q) {
        return category[q] == null ? "all" : category[q];
    }

    /** Index of the first job of each prompt, plus the total as the last entry (jobs are grouped by prompt). */
    @Override
    public int[] promptJobStarts() {
        int[] starts = new int[truth.length + 1];
        for (int p : jobPrompt) {
            starts[p + 1]++;
        }
        for (int q = 0; q < truth.length; q++) {
            starts[q + 1] += starts[q];
        }
        return starts;
    }

    @Override
    public int jobs() {
        return jobPrompt.length;
    }

    @Override
    public int jobExpert(int job) {
        return jobExpert[job];
    }

    @Override
    public int jobAnswer(int job) {
        return jobAnswer[job];
    }

    @Override
    public double jobLogprob(int job) {
        return Double.NaN;
    }

    @Override
    public int truth(int q) {
        return truth[q];
    }

    @Override
    public int aggregatorAnswer(int q) {
        return aggregatorAnswer[q];
    }
}
