package dev.mosaic.cli;

import dev.mosaic.scheduler.gen.InstanceSpec;
import picocli.CommandLine.Option;

/**
 * Options choosing a generated instance: a preset, a seed and size knobs (shared by gen and compare).
 *
 * <p>Not thread-safe: picocli fills one instance per command-line run.
 */
public final class InstanceOptions {

    @Option(names = "--preset", defaultValue = "paper-like", paramLabel = "NAME",
            description = "paper-like (4x6x1000, the paper's setting), medium (8x16x10000), large (16x32x50000) or tiny; default: ${DEFAULT-VALUE}")
    String preset;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "N", description = "random seed (same seed, same instance); default: ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--workers", paramLabel = "W", description = "number of workers (GPUs)")
    Integer workers;

    @Option(names = "--worker-memory", paramLabel = "GiB", description = "memory of each worker in GiB")
    Double workerMemory;

    @Option(names = "--experts", paramLabel = "E", description = "number of experts (a third of them reasoning models)")
    Integer experts;

    @Option(names = "--reasoning-experts", paramLabel = "N", description = "how many experts are long-reasoning models")
    Integer reasoningExperts;

    @Option(names = "--prompts", paramLabel = "P", description = "number of prompts")
    Integer prompts;

    @Option(names = "--experts-per-prompt", paramLabel = "K", description = "experts each prompt is routed to")
    Integer expertsPerPrompt;

    @Option(names = "--skew", paramLabel = "S", description = "routing weight of a reasoning expert relative to an instruct one")
    Double skew;

    /**
     * The spec these options describe: the preset with each given knob replaced. Changing the
     * expert count keeps the paper's mix (a third reasoning) and caps the route size at it unless
     * those are given too. Bad values are {@link BadInputException}s.
     */
    public InstanceSpec spec() {
        try {
            InstanceSpec p = InstanceSpec.preset(preset);
            int e = experts != null ? experts : p.experts();
            int reasoning = reasoningExperts != null ? reasoningExperts
                    : experts != null ? Math.max(1, Math.round(e / 3.0f)) : p.reasoningExperts();
            int k = expertsPerPrompt != null ? expertsPerPrompt : Math.min(p.expertsPerPrompt(), Math.max(1, e));
            return new InstanceSpec(workers != null ? workers : p.workers(), workerMemory != null ? workerMemory : p.workerMemoryGiB(),
                    e, Math.min(reasoning, Math.max(e, 0)), prompts != null ? prompts : p.prompts(), k,
                    skew != null ? skew : p.skew(), seed);
        } catch (IllegalArgumentException ex) {
            throw new BadInputException(ex.getMessage(), ex);
        }
    }
}
