package dev.mosaic.inference.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.inference.backend.AttentionBatch;
import dev.mosaic.inference.backend.KvGeometry;
import dev.mosaic.inference.backend.cpu.CpuBackend;
import dev.mosaic.inference.kv.PagedKvCache;
import dev.mosaic.inference.model.Model;
import dev.mosaic.inference.model.ModelConfig;
import dev.mosaic.inference.model.RopeConfig;
import dev.mosaic.inference.model.RopeConfig.Layout;
import dev.mosaic.inference.tensor.GgmlType;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The engine's forward pass against the float64 reference, for several shapes and every weight type. */
class ForwardPassTest {

    /**
     * Norm-wise relative error allowed against the reference reading the same stored weights:
     * float32 rounding for float weights; quantised types get room for kernels that round the
     * activations to 8 bits before the dot products, as ggml does.
     */
    static double storedTolerance(GgmlType type) {
        return switch (type) {
            // the types without their own SIMD kernel always multiply float activations
            case F32, F16, BF16, Q4_1, Q5_0, Q5_1, IQ4_NL, Q2_K, Q3_K, Q5_K -> 1e-4;
            default -> 2e-2;
        };
    }

    /** Norm-wise relative error allowed against the reference on the original float32 weights (the quantisation error). */
    static double originalTolerance(GgmlType type) {
        return switch (type) {
            case F32 -> 1e-4;
            case F16 -> 2e-3;  // measured ~6e-4 on these shapes
            case BF16 -> 1.5e-2; // ~5e-3
            case Q8_0 -> 4e-2;  // ~1.6e-2
            case Q6_K -> 8e-2;
            case Q5_0, Q5_1, Q5_K -> 0.2;
            case Q3_K -> 0.8;
            case Q2_K -> 1.5;   // 2-bit weights: the logits keep only their rough shape
            default -> 0.4;     // Q4_0, Q4_1, IQ4_NL, Q4_K: ~0.25, 4-bit weights move logits a lot
        };
    }

    static Stream<Arguments> cases() {
        ModelConfig llamaGqa = TestModels.llama(64, 2, 4, 2, 96, 300, Layout.INTERLEAVED);
        ModelConfig llamaMha = TestModels.llama(64, 2, 4, 4, 128, 257, Layout.HALVES);
        ModelConfig llamaWide = TestModels.llama(128, 1, 2, 1, 64, 131, Layout.INTERLEAVED); // head dim 64, MQA
        ModelConfig qwen = TestModels.qwen2(96, 2, 6, 2, 160, 320);
        Stream.Builder<Arguments> b = Stream.builder();
        for (ModelConfig c : new ModelConfig[] {llamaGqa, llamaMha, llamaWide, qwen}) {
            for (GgmlType t : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0}) {
                b.add(Arguments.of(c, t));
            }
        }
        // Llama 3.1 rope scaling (tiny original context so that every band of the formula is used).
        ModelConfig l3 = TestModels.llama(64, 2, 4, 2, 96, 300, Layout.INTERLEAVED);
        l3 = new ModelConfig(l3.architecture(), l3.dim(), l3.nLayers(), l3.nHeads(), l3.nKvHeads(), l3.headDim(), l3.ffnDim(),
                l3.vocabSize(), l3.contextLength(), l3.rmsNormEps(),
                new RopeConfig(500000f, Layout.INTERLEAVED, new RopeConfig.Llama3Scaling(8f, 1f, 4f, 64), null), false, false);
        b.add(Arguments.of(l3, GgmlType.F32));
        // K-quants need rows that are multiples of 256.
        ModelConfig kq = TestModels.llama(256, 1, 4, 2, 256, 200, Layout.INTERLEAVED);
        for (GgmlType t : new GgmlType[] {GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q5_K}) {
            b.add(Arguments.of(kq, t));
        }
        for (GgmlType t : new GgmlType[] {GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.IQ4_NL}) {
            b.add(Arguments.of(llamaGqa, t));
        }
        // qwen3: per-head q/k RMSNorm, heads * headDim != dim
        ModelConfig qwen3 = TestModels.qwen3(64, 2, 4, 2, 32, 96, 300);
        for (GgmlType t : new GgmlType[] {GgmlType.F32, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q5_0}) {
            b.add(Arguments.of(qwen3, t));
        }
        return b.build();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void logitsMatchTheFloat64Reference(ModelConfig c, GgmlType type) {
        Random random = new Random(c.dim() * 31L + type.ordinal());
        int[] tokens = new int[12];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = random.nextInt(c.vocabSize());
        }
        double[][] original;
        try (Model f32 = TestModels.random(c, GgmlType.F32, 1000)) {
            original = new ReferenceForward(f32).logits(tokens);
        }
        // Same seed: the same underlying weights, stored as the type under test.
        try (Model model = TestModels.random(c, type, 1000);
             CpuBackend backend = new CpuBackend(1);
             ForwardPass forward = new ForwardPass(model, backend, 16, 16);
             PagedKvCache cache = new PagedKvCache(backend.allocateKv(new KvGeometry(c.nLayers(), 8, 4, c.nKvHeads(), c.headDim())))) {
            double[][] stored = new ReferenceForward(model).logits(tokens);
            cache.reserve(1, tokens.length);
            float[] logits = new float[16 * c.vocabSize()];
            double[] worst = new double[2];
            // prefill 7 tokens with logits for every row; then 4 tokens with logits for two of them; then one decode row
            run(forward, cache, tokens, 0, 7, new int[] {0, 1, 2, 3, 4, 5, 6}, logits, stored, original, worst);
            run(forward, cache, tokens, 7, 4, new int[] {1, 3}, logits, stored, original, worst);
            run(forward, cache, tokens, 11, 1, new int[] {0}, logits, stored, original, worst);
            assertTrue(worst[0] < storedTolerance(type), "relative error " + worst[0] + " against the stored " + type + " weights");
            assertTrue(worst[1] < originalTolerance(type), "relative error " + worst[1] + " against the original weights for " + type);
            cache.release(1);
            assertEquals(8, cache.freeBlocks());
        }
    }

    /** Runs tokens {@code from .. from+count-1} as one step and folds the rows' errors into {@code worst}. */
    private static void run(ForwardPass forward, PagedKvCache cache, int[] tokens, int from, int count, int[] logitRows,
                            float[] logits, double[][] stored, double[][] original, double[] worst) {
        int[] ids = new int[count];
        int[] positions = new int[count];
        int[] slots = new int[count];
        for (int i = 0; i < count; i++) {
            ids[i] = tokens[from + i];
            positions[i] = from + i;
            slots[i] = cache.slot(1, from + i);
        }
        AttentionBatch batch = new AttentionBatch(new int[] {0}, new int[] {count}, new int[] {from}, new int[] {0}, cache.blockTable(1));
        forward.run(new ForwardPass.Step(ids, positions, slots, batch, logitRows), cache.storage(), logits);
        int vocab = forward.config().vocabSize();
        for (int i = 0; i < logitRows.length; i++) {
            worst[0] = Math.max(worst[0], ReferenceForward.relativeError(logits, i * vocab, stored[from + logitRows[i]]));
            worst[1] = Math.max(worst[1], ReferenceForward.relativeError(logits, i * vocab, original[from + logitRows[i]]));
        }
    }

    @Test
    void rejectsOutOfRangeTokensAndOversizedSteps() {
        ModelConfig c = TestModels.llama(64, 1, 4, 2, 96, 50, Layout.INTERLEAVED);
        try (Model model = TestModels.random(c, GgmlType.F32, 1);
             CpuBackend backend = new CpuBackend(1);
             ForwardPass forward = new ForwardPass(model, backend, 4, 2);
             PagedKvCache cache = new PagedKvCache(backend.allocateKv(new KvGeometry(1, 2, 4, 2, 16)))) {
            cache.reserve(1, 5);
            float[] logits = new float[2 * 50];
            AttentionBatch one = new AttentionBatch(new int[] {0}, new int[] {1}, new int[] {0}, new int[] {0}, cache.blockTable(1));
            assertThrows(IllegalArgumentException.class, () -> forward.run(
                    new ForwardPass.Step(new int[] {50}, new int[] {0}, new int[] {0}, one, new int[] {0}), cache.storage(), logits));
            AttentionBatch five = new AttentionBatch(new int[] {0}, new int[] {5}, new int[] {0}, new int[] {0}, cache.blockTable(1));
            assertThrows(IllegalArgumentException.class, () -> forward.run(
                    new ForwardPass.Step(new int[5], new int[5], new int[5], five, new int[] {4}), cache.storage(), logits));
        }
    }
}
