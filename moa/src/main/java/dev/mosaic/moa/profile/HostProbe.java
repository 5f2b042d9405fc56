package dev.mosaic.moa.profile;

import dev.mosaic.inference.engine.Engine;
import dev.mosaic.inference.engine.EngineConfig;
import dev.mosaic.inference.model.Model;
import dev.mosaic.inference.model.ModelConfig;
import dev.mosaic.inference.model.ModelLoader;
import dev.mosaic.inference.model.RopeConfig;
import dev.mosaic.inference.model.SyntheticModel;
import dev.mosaic.inference.tensor.GgmlType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed decode workload that tells how fast the host runs now compared with when a profile was
 * taken. On a shared 2-vCPU VM the same model's batch-8 decode profiled 0.52, 0.56 and 0.83
 * ms/token within one hour, so a profile is a few seconds' sample of a drifting quantity, and a
 * run that reads it later is predicted at the speed the host had then. Every profile times this
 * probe among its own measurements, beside the same busy companion engines
 * ({@link ModelProfile#hostProbeSecondsPerToken}); a run asked to ({@code mosaic run --host-probe})
 * times it again under the same companions before it plans and scales each profile by the
 * ratio ({@link ModelProfile#scaled}). Over a second the probe itself varied by about 10% on that
 * VM, as much as fresh profiles drift from the run minutes later, so the rescaling is for profiles
 * cached long before, and off by default.
 *
 * <p>The probe is a seeded synthetic llama model of fixed shape (dim 768, 4 layers, FFN 2048,
 * vocab 8192; ~40 MB of Q8_0 weights, larger than a core's caches, as the models it stands for
 * are), decoding {@link #BATCH} sequences of {@link #PROMPT_TOKENS}-token prompts for
 * {@link #DECODE_TOKENS} tokens, in an engine of the worker's thread count with its own fixed KV
 * budget: only the threads and the host vary between measurements. Owns a temporary file and the
 * open model; {@link #close} deletes both. Not thread-safe: one measurement at a time.
 */
public final class HostProbe implements AutoCloseable {
    /** Sequences decoding at once in a probe window. */
    public static final int BATCH = 8;
    static final int PROMPT_TOKENS = 8;
    static final int DECODE_TOKENS = 64;
    private static final long KV_BUDGET_BYTES = 16L << 20;
    private static final long SEED = 20261205L;

    /** The probe model's shape; changing it invalidates every stored probe figure (see {@link ProfileCache}). */
    static ModelConfig probeConfig() {
        return new ModelConfig("llama", 768, 4, 12, 4, 64, 2048, 8192, 512, 1e-5f,
                new RopeConfig(10000f, RopeConfig.Layout.HALVES), false, false);
    }

    private final Path dir;
    private final Model model;
    private final ReentrantLock submitGate = new ReentrantLock();
    private final SplittableRandom rnd = new SplittableRandom(SEED);

    private HostProbe(Path dir, Model model) {
        this.dir = dir;
        this.model = model;
    }

    /**
     * Writes the probe model to a temporary directory and opens it.
     *
     * @throws UncheckedIOException when the temporary file cannot be written
     */
    public static HostProbe create() {
        Path dir;
        try {
            dir = Files.createTempDirectory("mosaic-host-probe");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for the host probe", e);
        }
        try {
            Path f = SyntheticModel.writeGguf(probeConfig(), GgmlType.Q8_0, SEED, dir.resolve("probe.gguf"));
            return new HostProbe(dir, ModelLoader.open(f));
        } catch (RuntimeException | Error e) {
            deleteTree(dir);
            throw e;
        }
    }

    /**
     * An engine of {@code threads} threads over the probe model, with one unmeasured window run
     * (the JIT and the first touch of its memory). The caller closes it.
     */
    public Engine engine(int threads) {
        Engine e = Engine.create(model, EngineConfig.cpu(threads).withKvBudgetBytes(KV_BUDGET_BYTES).withMaxSequences(BATCH)
                .withStepLock(submitGate));
        try {
            window(e);
            return e;
        } catch (RuntimeException | Error x) {
            e.close();
            throw x;
        }
    }

    /** Seconds per token of one probe window on {@code engine} (an engine from {@link #engine}). */
    public double window(Engine engine) {
        int vocab = model.config().vocabSize();
        List<int[]> prompts = new ArrayList<>();
        for (int s = 0; s < BATCH; s++) {
            int[] p = new int[PROMPT_TOKENS];
            for (int i = 0; i < p.length; i++) {
                p[i] = rnd.nextInt(vocab);
            }
            prompts.add(p);
        }
        return Profiler.decodeSecondsPerStep(engine, prompts, DECODE_TOKENS, submitGate) / BATCH;
    }

    /** The open probe model. */
    Model model() {
        return model;
    }

    @Override
    public void close() {
        model.close();
        deleteTree(dir);
    }

    private static void deleteTree(Path dir) {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // best effort: a leftover temporary file is harmless
        }
    }
}
