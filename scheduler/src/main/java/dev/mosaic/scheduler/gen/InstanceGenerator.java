package dev.mosaic.scheduler.gen;

import dev.mosaic.scheduler.problem.Expert;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.problem.Prompt;
import dev.mosaic.scheduler.problem.Worker;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Seeded synthetic MOSAIC instances that mimic the paper's setting (see {@link InstanceSpec}).
 *
 * <h2>Expert profiles (bf16 on an H100 SXM 80 GB)</h2>
 * Experts are drawn in order from a catalog of real open-weight models: reasoning models
 * (DeepSeek-R1 distills of Qwen 7B, Llama 8B, Qwen 14B) and instruct models (Qwen2.5 7B,
 * Llama 3.1 8B, Mistral 7B v0.3, Gemma 2 9B, Qwen2.5 3B, Phi-3.5 mini); past the catalog's end
 * it repeats with a suffix ({@code -2}, ...) and costs perturbed by up to 10% (other fine-tunes of
 * the same size). For a model of P billion parameters:
 * <ul>
 *   <li>memory = 2P GB of weights (in GiB) plus a KV-cache reserve: 10 GiB for reasoning models
 *       (tens of sequences of several thousand tokens), 6 GiB for instruct models (4 GiB below 5B);</li>
 *   <li>load = 8 s of engine start (CUDA context, allocator, CUDA-graph capture) plus the weights
 *       read from local NVMe and copied to the device at about 1 GiB/s;</li>
 *   <li>prefill = 2P GFLOP per token at ~500 TFLOP/s (half the H100's dense bf16 peak):
 *       4e-6 * P s/token, 3e-5 s for a 7.6B model;</li>
 *   <li>decode throughput under continuous batching: ~2,600 tokens/s for a 7.6B model, i.e.
 *       5e-5 * P s/token amortised;</li>
 *   <li>decode latency: one sequence's step at batch ~32 is ~12 ms for 7.6B (the weights, 15 GB,
 *       are streamed at ~60% of 3.35 TB/s, plus the attention over the batch): 1.6e-3 * P s/token.</li>
 * </ul>
 * The aggregator (Qwen2.5 32B Instruct, 69 GiB with its KV reserve) is included, with the same
 * formulas, when it fits in a worker.
 *
 * <h2>Prompts and routing</h2>
 * Prompts are multiple-choice questions in one of MMLU-Pro's 14 categories (uniformly), with a
 * random answer letter A-J and a lognormal prompt length (median 250 tokens, sigma 0.4, clamped to
 * [32, 4096]). The router picks {@code expertsPerPrompt} distinct experts without replacement, with
 * probability proportional to a weight: {@code skew} for a reasoning expert, 1 for an instruct one,
 * times {@code 1/sqrt(1 + rank within its class)} (some experts are more popular than others),
 * times 1.5 for reasoning experts on STEM categories and 1/1.5 elsewhere (a skill-based router).
 * A route's value is the profiled expected output length: the model's median (2,200-2,900 tokens
 * for reasoning models, 280-450 for instruct models) times a per-prompt difficulty factor
 * (lognormal, sigma 0.35, shared by the prompt's experts) times a per-job lognormal factor (sigma
 * 0.7 reasoning, 0.5 instruct), rounded and capped at the usual max_tokens (32768 / 4096).
 *
 * <p>Stateless and thread-safe.
 */
public final class InstanceGenerator {

    private record Model(String id, double billions, boolean reasoning, double medianOutTokens) {}

    private static final List<Model> REASONING = List.of(
            new Model("r1-distill-qwen-7b", 7.62, true, 2600),
            new Model("r1-distill-llama-8b", 8.03, true, 2900),
            new Model("r1-distill-qwen-14b", 14.8, true, 2200));
    private static final List<Model> INSTRUCT = List.of(
            new Model("qwen2.5-7b-instruct", 7.62, false, 380),
            new Model("llama-3.1-8b-instruct", 8.03, false, 420),
            new Model("mistral-7b-instruct-v0.3", 7.25, false, 450),
            new Model("gemma-2-9b-it", 9.24, false, 330),
            new Model("qwen2.5-3b-instruct", 3.09, false, 300),
            new Model("phi-3.5-mini-instruct", 3.82, false, 280));
    private static final Model AGGREGATOR = new Model("qwen2.5-32b-instruct", 32.8, false, 0);

    /** MMLU-Pro's categories; the first five count as STEM for the router. */
    public static final List<String> CATEGORIES = List.of("math", "physics", "chemistry", "engineering", "computer science",
            "biology", "health", "economics", "business", "law", "psychology", "philosophy", "history", "other");
    private static final int STEM = 5;

    private InstanceGenerator() {}

    /** The instance for {@code spec}; the same spec always yields the same instance. */
    public static Problem generate(InstanceSpec spec) {
        SplittableRandom rng = new SplittableRandom(spec.seed());
        List<Worker> workers = new ArrayList<>();
        for (int w = 0; w < spec.workers(); w++) {
            workers.add(new Worker("gpu" + w, spec.workerMemoryGiB(), 1.0));
        }

        int nr = spec.reasoningExperts();
        int ne = spec.experts();
        List<Expert> experts = new ArrayList<>();
        double[] median = new double[ne];
        boolean[] reasoning = new boolean[ne];
        double[] weight = new double[ne];
        for (int e = 0; e < ne; e++) {
            boolean r = e < nr;
            int rank = r ? e : e - nr;
            List<Model> catalog = r ? REASONING : INSTRUCT;
            Model m = catalog.get(rank % catalog.size());
            int copy = rank / catalog.size();
            double jitter = copy == 0 ? 1.0 : 0.9 + 0.2 * rng.nextDouble();
            String id = copy == 0 ? m.id() : m.id() + "-" + (copy + 1);
            experts.add(profile(id, m, jitter));
            median[e] = m.medianOutTokens() * (copy == 0 ? 1.0 : 0.9 + 0.2 * rng.nextDouble());
            reasoning[e] = r;
            weight[e] = (r ? spec.skew() : 1.0) / Math.sqrt(1 + rank);
        }
        Expert aggregator = null;
        Expert agg = profile(AGGREGATOR.id(), AGGREGATOR, 1.0);
        if (agg.memoryGiB() <= spec.workerMemoryGiB()) {
            aggregator = agg;
        }

        List<Prompt> prompts = new ArrayList<>(spec.prompts());
        double[] w = new double[ne];
        boolean[] taken = new boolean[ne];
        for (int p = 0; p < spec.prompts(); p++) {
            int category = rng.nextInt(CATEGORIES.size());
            boolean stem = category < STEM;
            String answer = String.valueOf((char) ('A' + rng.nextInt(10)));
            int promptTokens = (int) Math.round(clamp(250 * Math.exp(0.4 * rng.nextGaussian()), 32, 4096));
            double difficulty = Math.exp(0.35 * rng.nextGaussian());
            double total = 0;
            for (int e = 0; e < ne; e++) {
                w[e] = weight[e] * (reasoning[e] ? (stem ? 1.5 : 1 / 1.5) : 1.0);
                taken[e] = false;
                total += w[e];
            }
            Map<String, Double> route = new LinkedHashMap<>();
            for (int k = 0; k < spec.expertsPerPrompt(); k++) {
                int e = pick(rng, w, taken, total);
                taken[e] = true;
                total -= w[e];
                double sigma = reasoning[e] ? 0.7 : 0.5;
                double cap = reasoning[e] ? 32768 : 4096;
                double out = Math.round(clamp(median[e] * difficulty * Math.exp(sigma * rng.nextGaussian()), 1, cap));
                route.put(experts.get(e).id(), out);
            }
            prompts.add(new Prompt("q" + p, promptTokens, route, answer, CATEGORIES.get(category)));
        }
        return new Problem(workers, experts, prompts, aggregator);
    }

    private static Expert profile(String id, Model m, double jitter) {
        double weightsGiB = m.billions() * 2e9 / (1L << 30);
        double kvReserve = m.reasoning() ? 10 : m.billions() < 5 ? 4 : 6;
        if (m == AGGREGATOR) {
            kvReserve = 8;
        }
        double memory = round1(weightsGiB + kvReserve);
        double load = round1(8 + weightsGiB / 1.0);
        return new Expert(id, memory, load, 4e-6 * m.billions() * jitter, 5e-5 * m.billions() * jitter, 1.6e-3 * m.billions() * jitter);
    }

    private static int pick(SplittableRandom rng, double[] w, boolean[] taken, double total) {
        double u = rng.nextDouble() * total;
        int last = -1;
        for (int e = 0; e < w.length; e++) {
            if (taken[e]) {
                continue;
            }
            last = e;
            u -= w[e];
            if (u < 0) {
                return e;
            }
        }
        return last; // rounding left u >= 0 after the last expert
    }

    private static double clamp(double v, double lo, double hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    private static double round1(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
