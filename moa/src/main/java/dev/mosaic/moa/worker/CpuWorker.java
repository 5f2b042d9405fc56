package dev.mosaic.moa.worker;

import dev.mosaic.inference.backend.cpu.CpuIsa;
import dev.mosaic.inference.buffer.TokenBufferPool;
import dev.mosaic.inference.engine.EngineConfig;
import dev.mosaic.inference.model.Model;
import dev.mosaic.moa.config.MoaConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * A worker that is a group of CPU threads of this process. Every replica it holds is an engine
 * with the worker's thread count and KV budget over a model shared through {@link SharedModels}.
 * Memory accounting charges each replica its weights and its KV cache: the file is mapped once,
 * but the CPU backend repacks quantised weights per engine (interleaved layout), so a replica
 * really costs about its weight bytes again.
 * Thread-safe.
 */
public final class CpuWorker implements ComputeWorker {
    /** Sequences a replica decodes at once (the saturating batch the profiler measures). */
    public static final int DEFAULT_BATCH = 8;

    private final MoaConfig.WorkerSpec spec;
    private final SharedModels models;
    private final TokenBufferPool outputs;
    private final int batch;
    private final int coRunning;
    /**
     * Held by each replica's engine for a step: the replicas take turns on the worker's threads.
     * Without it, an expert's last jobs and the next expert's first ran on two cores at once and
     * slowed the other workers (fair, so no replica starves).
     */
    private final java.util.concurrent.locks.Lock stepLock = new java.util.concurrent.locks.ReentrantLock(true);
    private final java.nio.file.Path companionModel;
    private final String profileKey; // computed once: it stats the companion file
    private final List<LocalEngineEndpoint> replicas = new ArrayList<>();
    private double usedGiB;
    private boolean closed;

    /**
     * @param models the process's shared models
     * @param outputs where every replica's generated tokens land (owned by the caller, closed after the worker)
     * @param batch sequences each replica decodes at once
     */
    public CpuWorker(MoaConfig.WorkerSpec spec, SharedModels models, TokenBufferPool outputs, int batch) {
        this(spec, models, outputs, batch, 0, null);
    }

    /**
     * @param coRunning local CPU workers that run beside this one in the process: its profiles
     *     are measured with that many engines of its shape busy (see {@link dev.mosaic.moa.profile.Profiler.Settings#coRunning})
     * @param companionModel the model those engines decode (null: each profiled model itself)
     */
    public CpuWorker(MoaConfig.WorkerSpec spec, SharedModels models, TokenBufferPool outputs, int batch, int coRunning,
                     java.nio.file.Path companionModel) {
        if (coRunning < 0) {
            throw new IllegalArgumentException("coRunning must be >= 0, got " + coRunning);
        }
        if (!spec.kind().equals("cpu")) {
            throw new IllegalArgumentException("worker " + spec.id() + " is of kind " + spec.kind() + ", not cpu");
        }
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        }
        this.spec = spec;
        this.models = models;
        this.outputs = outputs;
        this.batch = batch;
        this.coRunning = coRunning;
        this.companionModel = companionModel;
        this.profileKey = profileKey(spec.threads(), spec.kvBudgetBytes(), batch, coRunning, companionModel);
    }

    /** The model the co-running engines of its profiles decode (null: each profiled model itself). */
    public java.nio.file.Path companionModel() {
        return companionModel;
    }

    /** Local CPU workers beside this one, whose contention its profiles include. */
    public int coRunning() {
        return coRunning;
    }

    @Override
    public String id() {
        return spec.id();
    }

    @Override
    public String kind() {
        return "cpu";
    }

    @Override
    public String profileKey() {
        return profileKey;
    }

    /** The profile key of a CPU worker with these settings on this machine, measured alone. */
    public static String profileKey(int threads, long kvBudgetBytes, int batch) {
        return profileKey(threads, kvBudgetBytes, batch, 0, null);
    }

    /**
     * The profile key of a CPU worker with these settings on this machine, measured beside
     * {@code coRunning} busy engines decoding {@code companionModel} (null: the profiled model;
     * otherwise named by file name and size).
     */
    public static String profileKey(int threads, long kvBudgetBytes, int batch, int coRunning, java.nio.file.Path companionModel) {
        String with = "";
        if (coRunning > 0) {
            with = ":corun=" + coRunning;
            if (companionModel != null) {
                long size;
                try {
                    size = java.nio.file.Files.size(companionModel);
                } catch (java.io.IOException e) {
                    size = -1;
                }
                with += "x" + companionModel.getFileName() + "@" + size;
            }
        }
        return "cpu:threads=" + threads + ":kv=" + (kvBudgetBytes >> 20) + "MiB:batch=" + batch + with + ":"
                + CpuIsa.describe() + ":" + cpuModel();
    }

    @Override
    public double memoryGiB() {
        return spec.memoryGiB();
    }

    public int threads() {
        return spec.threads();
    }

    public MoaConfig.WorkerSpec spec() {
        return spec;
    }

    /** Engine settings of every replica on this worker. */
    public EngineConfig engineConfig() {
        return EngineConfig.cpu(spec.threads()).withKvBudgetBytes(spec.kvBudgetBytes()).withMaxSequences(batch)
                .withStepLock(stepLock);
    }

    @Override
    public double replicaGiB(MoaConfig.ModelSpec model) {
        Model m = models.acquire(model.model());
        try {
            return replicaGiB(SharedModels.weightBytes(m), spec.kvBudgetBytes());
        } finally {
            models.release(model.model());
        }
    }

    /** GiB of one replica: its weights plus its KV budget. */
    public static double replicaGiB(long weightBytes, long kvBudgetBytes) {
        return (weightBytes + kvBudgetBytes) / (double) (1L << 30);
    }

    @Override
    public synchronized ExpertEndpoint open(MoaConfig.ModelSpec model) {
        if (closed) {
            throw new IllegalStateException("worker " + spec.id() + " is closed");
        }
        Model m = models.acquire(model.model());
        LocalEngineEndpoint ep;
        try {
            double need = replicaGiB(SharedModels.weightBytes(m), spec.kvBudgetBytes());
            if (usedGiB + need > spec.memoryGiB() + 1e-9) {
                throw new IllegalStateException(String.format(java.util.Locale.ROOT,
                        "%s (%.3f GiB: weights + %d MiB KV) does not fit worker %s: %.3f of %.3f GiB already used",
                        model.id(), need, spec.kvBudgetBytes() >> 20, spec.id(), usedGiB, spec.memoryGiB()));
            }
            ep = new LocalEngineEndpoint(model.id(), m, engineConfig(), outputs, () -> release(model, need));
            usedGiB += need;
        } catch (RuntimeException e) {
            models.release(model.model());
            throw e;
        }
        replicas.add(ep);
        return ep;
    }

    private synchronized void release(MoaConfig.ModelSpec model, double gib) {
        usedGiB -= gib;
        models.release(model.model());
    }

    /** GiB charged to open replicas. */
    public synchronized double usedGiB() {
        return usedGiB;
    }

    @Override
    public void close() {
        List<LocalEngineEndpoint> open;
        synchronized (this) {
            closed = true;
            open = new ArrayList<>(replicas);
            replicas.clear();
        }
        for (LocalEngineEndpoint ep : open) {
            ep.close();
        }
    }

    static String cpuModel() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // fall through: the key then names only the ISA
        }
        return System.getProperty("os.arch");
    }
}
