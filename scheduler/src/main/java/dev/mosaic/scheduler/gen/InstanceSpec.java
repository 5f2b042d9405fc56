package dev.mosaic.scheduler.gen;

import java.util.List;

/**
 * What {@link InstanceGenerator} builds. Start from a {@link #preset(String) preset} and adjust
 * with the {@code with...} methods.
 *
 * <p>Immutable and thread-safe.
 *
 * @param workers number of workers (GPUs), all of speed 1
 * @param workerMemoryGiB memory of each worker
 * @param experts number of experts
 * @param reasoningExperts how many of them are long-reasoning models (the rest are instruct models)
 * @param prompts number of prompts
 * @param expertsPerPrompt distinct experts each prompt is routed to (the router's k)
 * @param skew routing weight of a reasoning expert relative to an instruct expert (>= 1 favours reasoning)
 * @param seed random seed; the same spec always gives the same instance
 */
public record InstanceSpec(int workers, double workerMemoryGiB, int experts, int reasoningExperts, int prompts,
                           int expertsPerPrompt, double skew, long seed) {

    /** Preset names, smallest last. */
    public static final List<String> PRESETS = List.of("paper-like", "medium", "large", "tiny");

    public InstanceSpec {
        require(workers >= 1, "workers: must be >= 1, got " + workers);
        require(Double.isFinite(workerMemoryGiB) && workerMemoryGiB > 0, "workerMemoryGiB: must be a finite number > 0, got " + workerMemoryGiB);
        require(experts >= 1, "experts: must be >= 1, got " + experts);
        require(reasoningExperts >= 0 && reasoningExperts <= experts,
                "reasoningExperts: must be between 0 and experts (" + experts + "), got " + reasoningExperts);
        require(prompts >= 0, "prompts: must be >= 0, got " + prompts);
        require(expertsPerPrompt >= 1 && expertsPerPrompt <= experts,
                "expertsPerPrompt: must be between 1 and experts (" + experts + "), got " + expertsPerPrompt);
        require(Double.isFinite(skew) && skew > 0, "skew: must be a finite number > 0, got " + skew);
    }

    /**
     * A named preset: {@code paper-like} (4 x 80 GiB workers, 6 experts of which 2 reasoning, 1000
     * prompts, 3 experts per prompt, the paper's setting), {@code medium} (8 x 16 x 10000),
     * {@code large} (16 x 32 x 50000) and {@code tiny} (2 x 3 x 5, for examples and tests).
     */
    public static InstanceSpec preset(String name) {
        return switch (name) {
            case "paper-like" -> new InstanceSpec(4, 80.0, 6, 2, 1000, 3, 4.0, 1);
            case "medium" -> new InstanceSpec(8, 80.0, 16, 5, 10_000, 3, 4.0, 1);
            case "large" -> new InstanceSpec(16, 80.0, 32, 11, 50_000, 3, 4.0, 1);
            case "tiny" -> new InstanceSpec(2, 48.0, 3, 1, 5, 2, 4.0, 1);
            default -> throw new IllegalArgumentException("unknown preset '" + name + "'; known: " + String.join(", ", PRESETS));
        };
    }

    public InstanceSpec withWorkers(int n) {
        return new InstanceSpec(n, workerMemoryGiB, experts, reasoningExperts, prompts, expertsPerPrompt, skew, seed);
    }

    public InstanceSpec withWorkerMemoryGiB(double gib) {
        return new InstanceSpec(workers, gib, experts, reasoningExperts, prompts, expertsPerPrompt, skew, seed);
    }

    /** Changes the expert count keeping the paper's mix: a third (at least one) are reasoning models. */
    public InstanceSpec withExperts(int n) {
        return new InstanceSpec(workers, workerMemoryGiB, n, Math.max(1, Math.round(n / 3.0f)), prompts, expertsPerPrompt, skew, seed);
    }

    public InstanceSpec withReasoningExperts(int n) {
        return new InstanceSpec(workers, workerMemoryGiB, experts, n, prompts, expertsPerPrompt, skew, seed);
    }

    public InstanceSpec withPrompts(int n) {
        return new InstanceSpec(workers, workerMemoryGiB, experts, reasoningExperts, n, expertsPerPrompt, skew, seed);
    }

    public InstanceSpec withExpertsPerPrompt(int k) {
        return new InstanceSpec(workers, workerMemoryGiB, experts, reasoningExperts, prompts, k, skew, seed);
    }

    public InstanceSpec withSkew(double s) {
        return new InstanceSpec(workers, workerMemoryGiB, experts, reasoningExperts, prompts, expertsPerPrompt, s, seed);
    }

    public InstanceSpec withSeed(long s) {
        return new InstanceSpec(workers, workerMemoryGiB, experts, reasoningExperts, prompts, expertsPerPrompt, skew, s);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
