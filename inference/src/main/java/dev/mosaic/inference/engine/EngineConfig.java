package dev.mosaic.inference.engine;

import dev.mosaic.inference.backend.Backend;
import dev.mosaic.inference.backend.BackendOptions;
import dev.mosaic.inference.backend.BackendProvider;
import dev.mosaic.inference.backend.Backends;
import java.util.function.Supplier;

/**
 * How to build an {@link Engine}: which backend, how much memory the KV cache may use, and how
 * big one batched step may be. Immutable; the one-argument methods return modified copies.
 *
 * @param backendName short name of the backend, for messages
 * @param backend creates the backend the engine then owns and closes
 * @param kvBudgetBytes bytes of KV cache storage (rounded down to whole blocks, and capped at what
 *     {@code maxSequences} sequences at the model's full context length can use)
 * @param blockSize token positions per KV block
 * @param maxBatchTokens most tokens (prefill plus decode rows) one step runs through the model
 * @param maxSequences most sequences generating at once (never more than {@code maxBatchTokens}, since
 *     each decoding sequence takes one row of every step)
 */
public record EngineConfig(String backendName, Supplier<Backend> backend, long kvBudgetBytes, int blockSize,
                           int maxBatchTokens, int maxSequences) {

    /** Default KV budget: 256 MiB. */
    public static final long DEFAULT_KV_BUDGET_BYTES = 256L << 20;

    public EngineConfig {
        if (kvBudgetBytes <= 0) {
            throw new IllegalArgumentException("KV budget must be positive, got " + kvBudgetBytes + " bytes");
        }
        if (blockSize < 1) {
            throw new IllegalArgumentException("KV block size must be >= 1, got " + blockSize);
        }
        if (maxSequences < 1 || maxBatchTokens < 1) {
            throw new IllegalArgumentException("max sequences and max batch tokens must be >= 1, got " + maxSequences
                    + " and " + maxBatchTokens);
        }
    }

    /**
     * The CPU backend (native kernels) with {@code threads} threads, 256 MiB of KV cache, 16-token blocks,
     * 512-token steps, 32 sequences; Q8_0/Q4_0 matmuls quantise activations to int8 as llama.cpp does.
     */
    public static EngineConfig cpu(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        return backend("cpu", BackendOptions.threads(threads));
    }

    /**
     * The backend called {@code name} ({@link Backends}: {@code cpu}, {@code cuda}) built from
     * {@code options}, with the same defaults as {@link #cpu}. The provider is looked up now; the
     * backend is created when the engine starts.
     *
     * @throws IllegalArgumentException for an unknown backend name
     */
    public static EngineConfig backend(String name, BackendOptions options) {
        BackendProvider p = Backends.provider(name);
        return of(p.describe(options), () -> p.create(options));
    }

    /** Any backend, with the same defaults as {@link #cpu}. */
    public static EngineConfig of(String backendName, Supplier<Backend> backend) {
        return new EngineConfig(backendName, backend, DEFAULT_KV_BUDGET_BYTES, 16, 512, 32);
    }

    /** The same settings on another backend, e.g. {@code c.backend("cpu+profile", () -> new ProfilingBackend(c.backend().get()))}. */
    public EngineConfig backend(String name, Supplier<Backend> factory) {
        return new EngineConfig(name, factory, kvBudgetBytes, blockSize, maxBatchTokens, maxSequences);
    }

    public EngineConfig kvBudgetBytes(long bytes) {
        return new EngineConfig(backendName, backend, bytes, blockSize, maxBatchTokens, maxSequences);
    }

    public EngineConfig blockSize(int tokens) {
        return new EngineConfig(backendName, backend, kvBudgetBytes, tokens, maxBatchTokens, maxSequences);
    }

    public EngineConfig maxBatchTokens(int tokens) {
        return new EngineConfig(backendName, backend, kvBudgetBytes, blockSize, tokens, maxSequences);
    }

    /** Sequences that may run at once: {@code min(maxSequences, maxBatchTokens)}. */
    public int effectiveMaxSequences() {
        return Math.min(maxSequences, maxBatchTokens);
    }

    public EngineConfig maxSequences(int n) {
        return new EngineConfig(backendName, backend, kvBudgetBytes, blockSize, maxBatchTokens, n);
    }
}
