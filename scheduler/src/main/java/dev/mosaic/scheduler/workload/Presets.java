package dev.mosaic.scheduler.workload;

import dev.mosaic.scheduler.gen.InstanceGenerator;
import dev.mosaic.scheduler.gen.InstanceSpec;
import dev.mosaic.scheduler.problem.Expert;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.problem.Prompt;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Workloads that mirror the paper's two benchmarks, built on a stage-1 instance (workers,
 * experts, routed prompts with categories and answers, aggregator profile):
 * <ul>
 *   <li>{@code mmlu-pro-like}: 14 categories, 10 options; reasoning experts right about 70% of
 *       the time (more on STEM), instruct experts about 55%, moderately correlated errors
 *       ({@code rho} 0.5); the aggregator (74% right-minded, confirms a unanimous answer 97% of
 *       the time) adds value where experts disagree.</li>
 *   <li>{@code gpqa-like}: 3 categories (biology, chemistry, physics), 4 options, hard (experts
 *       56% / 48%) but strongly correlated ({@code rho} 0.96) with wrong answers concentrated on
 *       one distractor (0.95), so experts agree on most questions, right or wrong, and most
 *       questions can skip the aggregator (60%, confirms a consensus 99.5% of the time); outputs
 *       are 1.3x longer.</li>
 * </ul>
 * Expert accuracies vary by category (seeded, +-0.06); an expert counts as a reasoning model when
 * its mean profiled output exceeds 1000 tokens. Every output length of a question is multiplied
 * by the answer model's difficulty factor, so questions the experts disagree on get longer
 * outputs (the paper's Fig. 7).
 *
 * <p>Stateless (static methods only); thread-safe.
 */
public final class Presets {

    /** Preset names. */
    public static final List<String> NAMES = List.of("mmlu-pro-like", "gpqa-like");

    private static final List<String> GPQA_CATEGORIES = List.of("biology", "chemistry", "physics");
    private static final List<String> STEM = List.of("math", "physics", "chemistry", "engineering", "computer science");

    /** The knobs of a preset. */
    private record Spec(int options, double rho, double distractor, double beta, double reasoningAcc, double instructAcc,
                        double stemBonus, double aggregatorAcc, double follow, double aggregatorOut, double lengthScale,
                        List<String> categories) {}

    private Presets() {}

    private static Spec spec(String name) {
        return switch (name) {
            case "mmlu-pro-like" -> new Spec(10, 0.5, 0.3, 0.35, 0.70, 0.55, 0.05, 0.74, 0.97, 500, 1.0, null);
            case "gpqa-like" -> new Spec(4, 0.96, 0.95, 0.4, 0.56, 0.48, 0.0, 0.60, 0.995, 600, 1.3, GPQA_CATEGORIES);
            default -> throw new IllegalArgumentException("unknown workload preset '" + name + "'; known: " + String.join(", ", NAMES));
        };
    }

    /**
     * The preset on a generated stage-1 instance ({@link InstanceGenerator}; its seed seeds the
     * answer model too).
     */
    public static Workload generate(String name, InstanceSpec stage1) {
        spec(name);
        return decorate(name, InstanceGenerator.generate(stage1), stage1.seed());
    }

    /**
     * Turns a stage-1 instance into the preset's workload (answers are re-drawn where the preset
     * has fewer options or other categories). Deterministic in {@code seed}.
     */
    public static Workload decorate(String name, Problem stage1, long seed) {
        Spec s = spec(name);
        if (stage1.aggregator() == null) {
            throw new IllegalArgumentException("preset '" + name + "': the stage-1 instance has no aggregator (workers too small for it?)");
        }
        SplittableRandom rnd = new SplittableRandom(seed ^ 0x6F1DL);
        AnswerModel.AggregatorModel agg = new AnswerModel.AggregatorModel(new AnswerModel.Accuracy(s.aggregatorAcc(), Map.of()), s.follow(), s.aggregatorOut());
        AnswerModel draft = new AnswerModel(seed, s.options(), s.rho(), s.distractor(), s.beta(), Map.of(), agg);

        List<Prompt> prompts = new ArrayList<>(stage1.prompts().size());
        java.util.Set<String> categories = new java.util.TreeSet<>();
        for (Prompt p : stage1.prompts()) {
            String category = p.category();
            if (s.categories() != null && (category == null || !s.categories().contains(category))) {
                category = s.categories().get(rnd.nextInt(s.categories().size()));
            }
            if (category == null) {
                category = "general";
            }
            categories.add(category);
            String answer = p.answer();
            if (answer == null || answer.length() != 1 || answer.charAt(0) - 'A' >= s.options() || answer.charAt(0) < 'A') {
                answer = AnswerModel.label(rnd.nextInt(s.options()));
            }
            double factor = draft.lengthFactor(p.id()) * s.lengthScale();
            Map<String, Double> route = new LinkedHashMap<>();
            p.route().forEach((e, out) -> route.put(e, (double) Math.max(1, Math.round(out * factor))));
            prompts.add(new Prompt(p.id(), p.promptTokens(), route, answer, category));
        }
        Problem problem = new Problem(stage1.workers(), stage1.experts(), prompts, stage1.aggregator());

        return new Workload(name, problem, answerModel(s, problem, seed, categories, rnd));
    }

    /**
     * The preset's answer model for a problem that has none (e.g. one written by {@code mosaic gen}),
     * without touching its prompts: categories and answers are taken as they are.
     */
    public static AnswerModel answerModel(String name, Problem problem, long seed) {
        Spec s = spec(name);
        java.util.Set<String> categories = new java.util.TreeSet<>();
        for (Prompt p : problem.prompts()) {
            categories.add(p.category() == null ? "general" : p.category());
        }
        int options = s.options();
        for (Prompt p : problem.prompts()) {
            if (p.answer() != null && !p.answer().isEmpty()) {
                options = Math.max(options, p.answer().charAt(0) - 'A' + 1);
            }
        }
        Spec widened = new Spec(Math.min(26, options), s.rho(), s.distractor(), s.beta(), s.reasoningAcc(), s.instructAcc(), s.stemBonus(),
                s.aggregatorAcc(), s.follow(), s.aggregatorOut(), s.lengthScale(), s.categories());
        return answerModel(widened, problem, seed, categories, new SplittableRandom(seed ^ 0x6F1DL));
    }

    private static AnswerModel answerModel(Spec s, Problem problem, long seed, java.util.Set<String> categories, SplittableRandom rnd) {
        AnswerModel.AggregatorModel agg = new AnswerModel.AggregatorModel(new AnswerModel.Accuracy(s.aggregatorAcc(), Map.of()), s.follow(), s.aggregatorOut());
        double[] outSum = new double[problem.experts().size()];
        int[] outCount = new int[problem.experts().size()];
        Map<String, Integer> idx = problem.expertIndex();
        for (Prompt p : problem.prompts()) {
            p.route().forEach((e, out) -> {
                outSum[idx.get(e)] += out;
                outCount[idx.get(e)]++;
            });
        }
        Map<String, AnswerModel.Accuracy> acc = new LinkedHashMap<>();
        for (int e = 0; e < problem.experts().size(); e++) {
            Expert ex = problem.experts().get(e);
            boolean reasoning = outCount[e] > 0 && outSum[e] / outCount[e] > 1000;
            double base = reasoning ? s.reasoningAcc() : s.instructAcc();
            Map<String, Double> byCat = new LinkedHashMap<>();
            for (String c : categories) {
                double bonus = reasoning && STEM.contains(c) ? s.stemBonus() : 0;
                byCat.put(c, round3(clamp(base + bonus + 0.06 * (2 * rnd.nextDouble() - 1))));
            }
            acc.put(ex.id(), new AnswerModel.Accuracy(base, byCat));
        }
        return new AnswerModel(seed, s.options(), s.rho(), s.distractor(), s.beta(), acc, agg);
    }

    private static double clamp(double p) {
        return Math.max(0.02, Math.min(0.98, p));
    }

    private static double round3(double p) {
        return Math.round(p * 1000) / 1000.0;
    }
}
