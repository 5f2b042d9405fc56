package dev.mosaic.moa.worker;

import dev.mosaic.inference.buffer.TokenBufferPool;
import dev.mosaic.inference.engine.Engine;
import dev.mosaic.inference.engine.EngineConfig;
import dev.mosaic.inference.engine.GenerationHandle;
import dev.mosaic.inference.engine.GenerationRequest;
import dev.mosaic.inference.engine.GenerationResult;
import dev.mosaic.inference.model.Model;
import dev.mosaic.inference.model.ModelLoader;
import dev.mosaic.inference.model.SyntheticModel;
import dev.mosaic.inference.tensor.GgmlType;
import dev.mosaic.inference.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import java.util.ArrayList;
import java.util.List;

/**
 * Warms a fresh JVM's model-loading and engine code once, before anything is timed. In a cold
 * process the first load of a ~70 MB Q4_0 model took 0.6-0.8 s (class loading and JIT of the
 * GGUF reader, the engine and its warm-up), the next loads of the same or another model
 * 0.14-0.24 s. A run's workers make their first loads at once in a cold process, while the
 * profiler measured all but its first model warm, so loads ran 1.4-2x their profiles. The
 * first full batches ran long too: with one engine per core the JIT's compiler threads have no
 * core of their own, and two workers' first batch-8 waves of a ~110M model took 500-530 ms
 * against 340-400 ms for the next ones. So the warm-up also decodes full batches with their
 * outputs in a token buffer pool, as a run's jobs do. Warming first makes both sides warm: the
 * profiler and the run each call {@link #ensure} before they measure or start a stage.
 * Thread-safe (the first caller warms; others return at once).
 */
public final class ProcessWarmup {
    /** Load-and-generate rounds: the second runs the code paths at the JIT's next tier. */
    static final int ROUNDS = 2;
    private static final Object LOCK = new Object();
    private static volatile boolean warm;

    private ProcessWarmup() {}

    /**
     * Warms this process for {@code models} unless it already is: for every architecture and
     * weight type among them, a tiny synthetic model of that architecture and type (written to a
     * temporary directory and deleted after) is loaded into an engine of {@code config}'s shape and
     * decoded, {@link #ROUNDS} times, so each type's load and matmul paths (their native
     * downcalls are bound on first use) are compiled before anything is timed; a pair the
     * synthesiser cannot write is warmed on the smallest of {@code models} instead. Returns the
     * seconds spent (0 when already warm).
     *
     * @throws java.io.UncheckedIOException when a model cannot be read or the temporary files written
     */
    public static double ensure(Collection<Path> models, EngineConfig config) {
        if (warm) {
            return 0;
        }
        synchronized (LOCK) {
            if (warm) {
                return 0;
            }
            long t0 = System.nanoTime();
            Set<String> archs = new TreeSet<>();
            Set<GgmlType> types = new TreeSet<>();
            Path smallest = null;
            long least = Long.MAX_VALUE;
            for (Path p : models) {
                try (Model m = ModelLoader.open(p)) {
                    archs.add(m.config().architecture());
                    for (Tensor t : m.tensors().values()) {
                        if (t.shape().length >= 2) {
                            types.add(t.type());
                        }
                    }
                }
                long size = size(p);
                if (size < least) {
                    least = size;
                    smallest = p;
                }
            }
            Path dir;
            try {
                dir = Files.createTempDirectory("mosaic-warmup");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a temporary directory for the process warm-up", e);
            }
            try {
                boolean fallback = false;
                for (String arch : archs) {
                    for (GgmlType type : types) {
                        Path f;
                        try {
                            f = SyntheticModel.writeGguf(SyntheticModel.tiny(arch, true), type, 1, dir.resolve(arch + "-" + type + ".gguf"));
                        } catch (RuntimeException e) {
                            fallback = true; // an architecture or type the synthesiser does not write
                            continue;
                        }
                        rounds(f, config);
                    }
                }
                if ((fallback || archs.isEmpty()) && smallest != null) {
                    rounds(smallest, config);
                }
            } finally {
                deleteTree(dir);
            }
            warm = true;
            return (System.nanoTime() - t0) / 1e9;
        }
    }

    /** {@link #ensure(Collection, EngineConfig)} for one model. */
    public static double ensure(Path model, EngineConfig config) {
        return ensure(List.of(model), config);
    }

    private static void rounds(Path model, EngineConfig config) {
        for (int r = 0; r < ROUNDS; r++) {
            try (Model m = ModelLoader.open(model); Engine e = Engine.create(m, config);
                 TokenBufferPool outputs = new TokenBufferPool()) {
                EngineWarmup.run(e);
                fullBatches(e, outputs);
            }
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return Long.MAX_VALUE; // a directory (safetensors) or unreadable: never the fallback of choice
        }
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

    /** Full-batch decode passes per round: enough steps for the engine's per-step code to reach the JIT's top tier. */
    static final int BATCHES = 4;
    static final int PROMPT_TOKENS = 24;
    static final int TOKENS = 64;

    private static void fullBatches(Engine e, TokenBufferPool outputs) {
        int vocab = e.tokenizer().vocabSize();
        long room = Math.min(e.model().config().contextLength(), e.kvCapacityTokens());
        int prompt = (int) Math.max(1, Math.min(PROMPT_TOKENS, room / 4));
        int tokens = (int) Math.min(TOKENS, room - prompt - 1);
        if (tokens < 1) {
            return;
        }
        int batch = (int) Math.max(1, Math.min(e.config().effectiveMaxSequences(), e.kvCapacityTokens() / (prompt + tokens + 16L)));
        for (int b = 0; b < BATCHES; b++) {
            List<GenerationHandle> hs = new ArrayList<>();
            for (int s = 0; s < batch; s++) {
                int[] ids = new int[prompt];
                for (int i = 0; i < prompt; i++) {
                    ids[i] = (int) ((131L * (i + 1) + 17L * s + b) % vocab);
                }
                hs.add(e.submit(GenerationRequest.ofTokens(ids).withMaxTokens(tokens).withStopAtEos(false).withOutput(outputs)));
            }
            for (GenerationHandle h : hs) {
                try (GenerationResult r = h.join()) {
                    // only the compiled code matters
                }
            }
        }
    }

    /** Marks the process cold again, so a test can watch a warm-up from the start. */
    static void forget() {
        synchronized (LOCK) {
            warm = false;
        }
    }

    /** Whether this process has been warmed. */
    public static boolean isWarm() {
        return warm;
    }
}
