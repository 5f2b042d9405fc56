package dev.mosaic.moa.agreement;

import dev.mosaic.scheduler.aggregation.Answers;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The answers a real run extracted, as {@link Answers}: every distinct answer string gets a small
 * id (interned per run, truths included, so ids compare across experts, truths and the
 * aggregator). Jobs are recorded as they finish, from any thread; {@link #snapshot()} gives an
 * immutable copy for calibration and evaluation. Thread-safe.
 */
public final class ExtractedAnswers {
    private final int[] promptJobStarts;
    private final int[] jobExpert;
    private final String[] category;
    private final int[] truth;
    private final int[] jobAnswer;
    private final double[] jobLogprob;
    private final int[] aggregatorAnswer;
    private final Map<String, Integer> ids = new HashMap<>();
    private final java.util.List<String> names = new java.util.ArrayList<>();

    /**
     * @param promptJobStarts first job of each prompt, plus the number of jobs
     * @param jobExpert expert index of each job
     * @param truth each prompt's correct answer as the extractor would return it, or null
     * @param category each prompt's category, or null
     */
    public ExtractedAnswers(int[] promptJobStarts, int[] jobExpert, String[] truth, String[] category) {
        int prompts = promptJobStarts.length - 1;
        if (truth.length != prompts || category.length != prompts || jobExpert.length != promptJobStarts[prompts]) {
            throw new IllegalArgumentException("inconsistent answer table: " + prompts + " prompts, " + truth.length
                    + " truths, " + category.length + " categories, " + jobExpert.length + " jobs");
        }
        this.promptJobStarts = promptJobStarts.clone();
        this.jobExpert = jobExpert.clone();
        this.category = category.clone();
        this.truth = new int[prompts];
        for (int q = 0; q < prompts; q++) {
            this.truth[q] = truth[q] == null ? Answers.ABSTAIN : intern(truth[q]);
        }
        this.jobAnswer = new int[jobExpert.length];
        Arrays.fill(jobAnswer, Answers.ABSTAIN);
        this.jobLogprob = new double[jobExpert.length];
        Arrays.fill(jobLogprob, Double.NaN);
        this.aggregatorAnswer = new int[prompts];
        Arrays.fill(aggregatorAnswer, Answers.ABSTAIN);
    }

    /** The id of {@code answer} (a new one for a string not seen before). */
    public synchronized int intern(String answer) {
        Integer id = ids.get(answer);
        if (id == null) {
            id = names.size();
            ids.put(answer, id);
            names.add(answer);
        }
        return id;
    }

    /** The answer string of {@code id}, or null for {@link Answers#ABSTAIN}. */
    public synchronized String answer(int id) {
        return id == Answers.ABSTAIN ? null : names.get(id);
    }

    /** Records job {@code job}'s answer ({@code null}: abstained) and its span's mean log-prob. */
    public synchronized int recordJob(int job, String answer, double logprob) {
        int id = answer == null ? Answers.ABSTAIN : intern(answer);
        jobAnswer[job] = id;
        jobLogprob[job] = answer == null ? Double.NaN : logprob;
        return id;
    }

    /** Records the aggregator's answer to prompt {@code q} ({@code null}: none extracted). */
    public synchronized void recordAggregator(int q, String answer) {
        aggregatorAnswer[q] = answer == null ? Answers.ABSTAIN : intern(answer);
    }

    public synchronized int jobAnswer(int job) {
        return jobAnswer[job];
    }

    public synchronized double jobLogprob(int job) {
        return jobLogprob[job];
    }

    public int truth(int q) {
        return truth[q];
    }

    public int[] promptJobStarts() {
        return promptJobStarts.clone();
    }

    public int jobExpert(int job) {
        return jobExpert[job];
    }

    /** An immutable copy of everything recorded so far. */
    public synchronized Answers snapshot() {
        return new Snapshot(promptJobStarts, jobExpert, jobAnswer.clone(), jobLogprob.clone(), truth, category,
                aggregatorAnswer.clone());
    }

    private record Snapshot(int[] starts, int[] expert, int[] answer, double[] logprob, int[] truths, String[] categories,
                            int[] aggregator) implements Answers {
        @Override
        public int prompts() {
            return truths.length;
        }

        @Override
        public int[] promptJobStarts() {
            return starts.clone();
        }

        @Override
        public int jobExpert(int job) {
            return expert[job];
        }

        @Override
        public int jobAnswer(int job) {
            return answer[job];
        }

        @Override
        public double jobLogprob(int job) {
            return logprob[job];
        }

        @Override
        public int truth(int q) {
            return truths[q];
        }

        @Override
        public String categoryOf(int q) {
            return categories[q] == null ? "all" : categories[q];
        }

        @Override
        public int aggregatorAnswer(int q) {
            return aggregator[q];
        }
    }
}
