package dev.mosaic.inference.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mosaic.inference.backend.AttentionBatch;
import dev.mosaic.inference.backend.Backend;
import dev.mosaic.inference.backend.BackendOptions;
import dev.mosaic.inference.backend.BackendUnavailableException;
import dev.mosaic.inference.backend.Backends;
import dev.mosaic.inference.engine.ForwardPass;
import dev.mosaic.inference.engine.ReferenceForward;
import dev.mosaic.inference.engine.TestModels;
import dev.mosaic.inference.kv.PagedKvCache;
import dev.mosaic.inference.model.Model;
import dev.mosaic.inference.model.ModelConfig;
import dev.mosaic.inference.model.RopeConfig;
import dev.mosaic.inference.tensor.GgmlType;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * CUDA against the CPU backend on the same generated models: a prefill, then 32 greedy decode
 * steps fed the CPU's tokens (teacher forcing, so one flip does not derail the rest). At every
 * step the logits agree to bf16 precision, and CUDA picks the CPU's token unless the CPU's top
 * two logits are closer than that precision can separate. Skipped without a GPU.
 */
@Tag("gpu")
class CudaVersusCpuTest {

    private static Backend cuda() {
        try {
            return Backends.create("cuda", BackendOptions.threads(1));
        } catch (BackendUnavailableException e) {
            assumeTrue(false, "skipped: " + e.getMessage());
            throw e;
        }
    }

    private static void compare(ModelConfig c, GgmlType type, long seed) {
        int prompt = 12;
        int steps = 32;
        Random rnd = new Random(seed);
        int[] tokens = new int[prompt + steps];
        for (int i = 0; i < prompt; i++) {
            tokens[i] = rnd.nextInt(c.vocabSize());
        }
        try (Model model = TestModels.random(c, type, seed);
             Backend gpu = cuda();
             Backend cpu = Backends.create("cpu", BackendOptions.threads(2).with("activations", "float32"));
             ForwardPass fg = new ForwardPass(model, gpu, prompt, 1);
             ForwardPass fc = new ForwardPass(model, cpu, prompt, 1);
             PagedKvCache kg = new PagedKvCache(gpu.allocateKv(gpu.kvGeometry(c.nLayers(), 16, 4, c.nKvHeads(), c.headDim())));
             PagedKvCache kc = new PagedKvCache(cpu.allocateKv(cpu.kvGeometry(c.nLayers(), 16, 4, c.nKvHeads(), c.headDim())))) {
            kg.reserve(1, tokens.length);
            kc.reserve(1, tokens.length);
            float[] lg = new float[c.vocabSize()];
            float[] lc = new float[c.vocabSize()];
            int from = 0;
            int count = prompt;
            double worst = 0;
            for (int s = 0; s <= steps; s++) {
                run(fg, kg, tokens, from, count, lg);
                run(fc, kc, tokens, from, count, lc);
                double[] want = new double[lc.length];
                for (int i = 0; i < lc.length; i++) {
                    want[i] = lc[i];
                }
                double err = ReferenceForward.relativeError(lg, 0, want);
                worst = Math.max(worst, err);
                int cpuToken = argmax(lc);
                int gpuToken = argmax(lg);
                if (gpuToken != cpuToken) {
                    double margin = lc[cpuToken] - lc[gpuToken];
                    double norm = 0;
                    for (float v : lc) {
                        norm += v * v;
                    }
                    double resolvable = 5e-2 * Math.sqrt(norm / lc.length) * 4;
                    assertTrue(margin <= resolvable, c.architecture() + " step " + s + ": CUDA picked " + gpuToken + ", CPU "
                            + cpuToken + " with a margin of " + margin + " (bf16 resolves " + resolvable + ")");
                }
                if (s < steps) {
                    tokens[prompt + s] = cpuToken;
                    from = prompt + s;
                    count = 1;
                }
            }
            assertTrue(worst < 5e-2, c.architecture() + " " + type + ": worst relative logits error " + worst);
        }
    }

    private static void run(ForwardPass f, PagedKvCache cache, int[] tokens, int from, int count, float[] logits) {
        int[] ids = new int[count];
        int[] positions = new int[count];
        int[] slots = new int[count];
        for (int i = 0; i < count; i++) {
            ids[i] = tokens[from + i];
            positions[i] = from + i;
            slots[i] = cache.slot(1, from + i);
        }
        AttentionBatch batch = new AttentionBatch(new int[] {0}, new int[] {count}, new int[] {from}, new int[] {0},
                cache.blockTable(1));
        f.run(new ForwardPass.Step(ids, positions, slots, batch, new int[] {count - 1}), cache.storage(), logits);
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    @Test
    void llamaAgreesWithTheCpuOver32GreedySteps() {
        compare(TestModels.llama(64, 2, 4, 2, 96, 50, RopeConfig.Layout.INTERLEAVED), GgmlType.F32, 2000);
    }

    @Test
    void qwen2WithQuantisedWeightsAgreesWithTheCpu() {
        compare(TestModels.qwen2(64, 2, 4, 2, 96, 50), GgmlType.Q8_0, 2001);
    }
}
