package dev.mosaic.scheduler.workload;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.mosaic.scheduler.problem.JobTable;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.problem.Prompt;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A seeded model of the answers experts and the aggregator give to multiple-choice questions,
 * used to simulate stage 2. It is stored next to the problem (field {@code answerModel} of the
 * problem file).
 *
 * <h2>The model</h2>
 * Every question {@code q} has a hidden difficulty {@code d_q ~ N(0,1)}, drawn from the seed and
 * the prompt id. Expert {@code e} with accuracy {@code p = accuracy(e, category(q))} answers
 * correctly iff {@code sqrt(rho) * (-d_q) + sqrt(1 - rho) * eps_{q,e} > Phi^-1(1 - p)} with
 * {@code eps} independent standard normals: each expert is right with probability exactly
 * {@code p}, and {@code rho} ({@code correlation}) is the correlation of the experts' latent
 * scores, so experts err together on hard questions. A wrong expert picks the question's shared
 * distractor (a fixed wrong option per question) with probability {@code distractorShare}, else
 * a uniformly random wrong option: wrong answers concentrate, as they do for real models.
 *
 * <p>The aggregator reads every expert answer. It has its own accuracy and latent score (same
 * difficulty): when it is "right-minded" (probability = its accuracy) it recognises or works out
 * the correct option, otherwise it falls back to the experts' plurality. When the experts are
 * unanimous it confirms them with probability {@code followConsensus}, and otherwise gives its
 * own answer (right if right-minded, else a wrong option as above). So always aggregating is
 * never worse than the plurality where experts disagree, and bypassing a consensus costs little.
 *
 * <p>Output lengths grow with difficulty (the paper's Fig. 7): presets multiply every profiled
 * length of question {@code q} by {@link #lengthFactor(String)} {@code = exp(beta d_q - beta^2/2)}
 * (mean 1), and the aggregator writes {@code aggregatorOutputTokens * lengthFactor} tokens.
 *
 * <p>Immutable (the maps are copied); thread-safe.
 *
 * @param seed seed of every draw (difficulty, answers)
 * @param options number of options per question (labels A, B, ...)
 * @param correlation {@code rho} in [0, 1)
 * @param distractorShare probability that a wrong answer is the shared distractor
 * @param lengthDifficultyBeta {@code beta >= 0}
 * @param experts accuracy per expert id
 * @param aggregator the aggregator's accuracy, consensus following and output length
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AnswerModel(long seed, int options, double correlation, double distractorShare, double lengthDifficultyBeta,
                          Map<String, Accuracy> experts, AggregatorModel aggregator) {

    /**
     * Accuracy of a model: {@code byCategory} overrides {@code overall} per category. Immutable (the map is copied);
     * thread-safe.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Accuracy(double overall, Map<String, Double> byCategory) {
        public Accuracy {
            byCategory = byCategory == null ? Map.of() : Map.copyOf(byCategory);
        }

        public double of(String category) {
            return category == null ? overall : byCategory.getOrDefault(category, overall);
        }
    }

    /**
     * The aggregator's accuracy, its tendency to confirm a consensus, its mean output length. Immutable; thread-safe.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record AggregatorModel(Accuracy accuracy, double followConsensus, double outputTokens) {}

    public AnswerModel {
        experts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(experts));
    }

    /** Option labels: A, B, ... */
    public static String label(int option) {
        return String.valueOf((char) ('A' + option));
    }

    /**
     * Checks the model's numbers and that every expert of {@code problem} has an accuracy; the
     * messages name the field ({@code answerModel.experts.X.overall}, ...).
     */
    public AnswerModel validate(Problem problem) {
        if (options < 2 || options > 26) {
            throw new IllegalArgumentException("answerModel.options must be in [2, 26], got " + options);
        }
        requireIn(correlation, 0, 0.999, "answerModel.correlation");
        requireIn(distractorShare, 0, 1, "answerModel.distractorShare");
        requireIn(lengthDifficultyBeta, 0, 5, "answerModel.lengthDifficultyBeta");
        if (aggregator == null) {
            throw new IllegalArgumentException("answerModel.aggregator is missing");
        }
        checkAccuracy(aggregator.accuracy(), "answerModel.aggregator.accuracy");
        requireIn(aggregator.followConsensus(), 0, 1, "answerModel.aggregator.followConsensus");
        requireIn(aggregator.outputTokens(), 0, 1e7, "answerModel.aggregator.outputTokens");
        for (var ex : problem.experts()) {
            Accuracy a = experts.get(ex.id());
            if (a == null) {
                throw new IllegalArgumentException("answerModel.experts: no accuracy for expert '" + ex.id() + "'");
            }
            checkAccuracy(a, "answerModel.experts." + ex.id());
        }
        for (int i = 0; i < problem.prompts().size(); i++) {
            String ans = problem.prompts().get(i).answer();
            if (ans != null && (ans.length() != 1 || ans.charAt(0) < 'A' || ans.charAt(0) >= 'A' + options)) {
                throw new IllegalArgumentException("prompts[" + i + "].answer: '" + ans + "' is not one of the "
                        + options + " option labels A.." + label(options - 1));
            }
        }
        return this;
    }

    private static void checkAccuracy(Accuracy a, String field) {
        if (a == null) {
            throw new IllegalArgumentException(field + " is missing");
        }
        requireIn(a.overall(), 0, 1, field + ".overall");
        a.byCategory().forEach((c, p) -> requireIn(p, 0, 1, field + ".byCategory." + c));
    }

    private static void requireIn(double x, double lo, double hi, String field) {
        if (!(x >= lo && x <= hi)) {
            throw new IllegalArgumentException(field + " must be in [" + lo + ", " + hi + "], got " + x);
        }
    }

    /** The hidden difficulty {@code d_q ~ N(0,1)} of a question. */
    public double difficulty(String promptId) {
        return new SplittableRandom(mix(seed, promptId.hashCode(), 0x5EED)).nextGaussian();
    }

    /** Multiplier of a question's output lengths: {@code exp(beta d - beta^2/2)}, mean 1. */
    public double lengthFactor(String promptId) {
        double b = lengthDifficultyBeta;
        return Math.exp(b * difficulty(promptId) - b * b / 2);
    }

    /** The aggregator's output length for a question. */
    public double aggregatorOutTokens(String promptId) {
        return aggregator.outputTokens() * lengthFactor(promptId);
    }

    /** Draws every answer for {@code problem}: the model is validated first. */
    public SimulatedAnswers simulate(Problem problem) {
        validate(problem);
        List<Prompt> prompts = problem.prompts();
        JobTable jobs = problem.jobs();
        int np = prompts.size();
        int[] truth = new int[np];
        String[] category = new String[np];
        int[] aggregatorAnswer = new int[np];
        int[] jobAnswer = new int[jobs.size()];
        double sr = Math.sqrt(correlation);
        double sn = Math.sqrt(1 - correlation);
        int j = 0;
        for (int q = 0; q < np; q++) {
            Prompt p = prompts.get(q);
            category[q] = p.category();
            SplittableRandom rnd = new SplittableRandom(mix(seed, p.id().hashCode(), 0xA125));
            double d = difficulty(p.id());
            truth[q] = p.answer() != null ? p.answer().charAt(0) - 'A' : rnd.nextInt(options);
            int distractor = (truth[q] + 1 + rnd.nextInt(options - 1)) % options;
            int[] votes = new int[options];
            int routed = 0;
            for (; j < jobs.size() && jobs.prompt()[j] == q; j++) {
                String expertId = problem.experts().get(jobs.expert()[j]).id();
                double pCorrect = experts.get(expertId).of(category[q]);
                boolean right = -sr * d + sn * rnd.nextGaussian() > Normal.inverseCdf(1 - pCorrect);
                jobAnswer[j] = right ? truth[q] : wrong(truth[q], distractor, rnd);
                votes[jobAnswer[j]]++;
                routed++;
            }
            boolean aggRight = -sr * d + sn * rnd.nextGaussian() > Normal.inverseCdf(1 - aggregator.accuracy().of(category[q]));
            int plurality = 0;
            for (int o = 1; o < options; o++) {
                if (votes[o] > votes[plurality]) {
                    plurality = o;
                }
            }
            boolean unanimous = routed > 0 && votes[plurality] == routed;
            if (unanimous && rnd.nextDouble() < aggregator.followConsensus()) {
                aggregatorAnswer[q] = plurality;
            } else if (aggRight) {
                aggregatorAnswer[q] = truth[q];
            } else {
                aggregatorAnswer[q] = unanimous || routed == 0 ? wrong(truth[q], distractor, rnd) : plurality;
            }
        }
        return new SimulatedAnswers(options, truth, category, jobs.prompt().clone(), jobs.expert().clone(), jobAnswer, aggregatorAnswer);
    }

    private int wrong(int truth, int distractor, SplittableRandom rnd) {
        if (rnd.nextDouble() < distractorShare) {
            return distractor;
        }
        return (truth + 1 + rnd.nextInt(options - 1)) % options;
    }

    private static long mix(long seed, long a, long b) {
        long z = seed * 0x9E3779B97F4A7C15L + a * 0xBF58476D1CE4E5B9L + b * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
