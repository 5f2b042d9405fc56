package dev.mosaic.inference.engine;

import dev.mosaic.inference.backend.Backend;
import dev.mosaic.inference.backend.BackendOptions;
import dev.mosaic.inference.backend.BackendProvider;
import dev.mosaic.inference.backend.Backends;
import java.util.function.Supplier;

/**
 * How to build an {@link Engine}: which backend, how much memory the KV cache may use, and how
 * big one batched step may be. Immutable; thread-safe (given a
 * thread-safe backend factory). The {@code withX} methods return modified copies.
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
                           int maxBatchTokens, int maxSequences, java.util.concurrent.locks.Lock stepLock) {

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

    /** Without a step lock: the engine steps whenever it has work. */
    public EngineConfig(String backendName, Supplier<Backend> backend, long kvBudgetBytes, int blockSize, int maxBatchTokens,
                        int maxSequences) {
        this(backendName, backend, kvBudgetBytes, blockSize, maxBatchTokens, maxSequences, null);
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
        return new EngineConfig(backendName, backend, DEFAULT_KV_BUDGET_BYTES, 16, 512, 32, null);
    }

    /** The same settings on another backend, e.g. {@code c.withBackend("cpu+profile", () -> new ProfilingBackend(c.backend().get()))}. */
    public EngineConfig withBackend(String name, Supplier<Backend> factory) {
        return new EngineConfig(name, factory, kvBudgetBytes, blockSize, maxBatchTokens, maxSequences, stepLock);
    }

    /** A copy with {@code bytes} of KV cache storage. */
    public EngineConfig withKvBudgetBytes(long bytes) {
        return new EngineConfig(backendName, backend, bytes, blockSize, maxBatchTokens, maxSequences, stepLock);
    }

    /** A copy with {@code tokens} token positions per KV block. */
    public EngineConfig withBlockSize(int tokens) {
        return new EngineConfig(backendName, backend, kvBudgetBytes, tokens, maxBatchTokens, maxSequences, stepLock);
    }

    /** A copy running at most {@code tokens} tokens per step. */
    public EngineConfig withMaxBatchTokens(int tokens) {
        return new EngineConfig(backendName, backend, kvBudgetBytes, blockSize, tokens, maxSequences, stepLock);
    }

    /** A copy with at most {@code n} sequences generating at once. */
    public EngineConfig withMaxSequences(int n) {
        return new EngineConfig(backendName, backend, kvBudgetBytes, blockSize, maxBatchTokens, n, stepLock);
    }

    /**
     * A copy whose engine holds {@code lock} for each step (null: none). Engines that share one
     * lock take turns: several replicas of one compute place then use its threads, not one set each.
     */
    public EngineConfig withStepLock(java.util.concurrent.locks.Lock lock) {
        return new EngineConfig(backendName, backend, kvBudgetBytes, blockSize, maxBatchTokens, maxSequences, lock);
    }

    /** Sequences that may run at once: {@code min(maxSequences, maxBatchTokens)}. */
    public int effectiveMaxSequences() {
        return Math.min(maxSequences, maxBatchTokens);
    }

    /**
     * The same settings on another backend.
     *
     * @deprecated use {@link #withBackend}
     */
    @Deprecated(forRemoval = false)
    public EngineConfig backend(String name, Supplier<Backend> factory) {
        return withBackend(name, factory);
    }

    /**
     * A copy with {@code bytes} of KV cache storage.
     *
     * @deprecated use {@link #withKvBudgetBytes}
     */
    @Deprecated(forRemoval = false)
    public EngineConfig kvBudgetBytes(long bytes) {
        return withKvBudgetBytes(bytes);
    }

    /**
     * A copy with {@code tokens} token positions per KV block.
     *
     * @deprecated use {@link #withBlockSize}
     */
    @Deprecated(forRemoval = false)
    public EngineConfig blockSize(int tokens) {
        return withBlockSize(tokens);
    }

    /**
     * A copy running at most {@code tokens} tokens per step.
     *
     * @deprecated use {@link #withMaxBatchTokens}
     */
    @Deprecated(forRemoval = false)
    public EngineConfig maxBatchTokens(int tokens) {
        return withMaxBatchTokens(tokens);
    }

    /**
     * A copy with at most {@code n} sequences generating at once.
     *
     * @deprecated use {@link #withMaxSequences}
     */
    @Deprecated(forRemoval = false)
    public EngineConfig maxSequences(int n) {
        return withMaxSequences(n);
    }
}
