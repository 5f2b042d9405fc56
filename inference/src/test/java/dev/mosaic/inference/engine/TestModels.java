package dev.mosaic.inference.engine;

import dev.mosaic.inference.model.Model;
import dev.mosaic.inference.model.ModelConfig;
import dev.mosaic.inference.model.ModelReferences;
import dev.mosaic.inference.model.RopeConfig;
import dev.mosaic.inference.tensor.GgmlType;
import dev.mosaic.inference.tensor.Quantization;
import dev.mosaic.inference.tensor.Tensor;
import dev.mosaic.inference.tokenizer.ChatTemplate;
import dev.mosaic.inference.tokenizer.Tokenizer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/** Tiny random models held in memory (no file), and a trivial tokenizer, for engine tests. */
public final class TestModels {
    private TestModels() {}

    public static ModelConfig llama(int dim, int layers, int heads, int kvHeads, int ffn, int vocab, RopeConfig.Layout layout) {
        return new ModelConfig("llama", dim, layers, heads, kvHeads, dim / heads, ffn, vocab, 512, 1e-5f,
                new RopeConfig(10000f, layout), false, false);
    }

    public static ModelConfig qwen2(int dim, int layers, int heads, int kvHeads, int ffn, int vocab) {
        return new ModelConfig("qwen2", dim, layers, heads, kvHeads, dim / heads, ffn, vocab, 512, 1e-6f,
                new RopeConfig(1_000_000f, RopeConfig.Layout.HALVES), true, true);
    }

    /** A qwen3 config: per-head q/k RMSNorm, no biases, heads of {@code headDim} independent of {@code dim}. */
    static ModelConfig qwen3(int dim, int layers, int heads, int kvHeads, int headDim, int ffn, int vocab) {
        return new ModelConfig("qwen3", dim, layers, heads, kvHeads, headDim, ffn, vocab, 512, 1e-6f,
                new RopeConfig(1_000_000f, RopeConfig.Layout.HALVES), false, true, true);
    }

    /**
     * A model with random weights of {@code type} (norm gains and biases stay F32, as in real
     * files). Weights are scaled so activations stay of order one through the layers.
     */
    public static Model random(ModelConfig c, GgmlType type, long seed) {
        return new MemoryModel(c, type, seed);
    }

    private static final class MemoryModel implements Model {
        private final ModelConfig config;
        private final Arena arena = Arena.ofShared();
        private final Map<String, Tensor> tensors = new LinkedHashMap<>();
        private final Random random;
        private final ModelReferences references = new ModelReferences(Path.of("memory"), arena::close);

        MemoryModel(ModelConfig c, GgmlType type, long seed) {
            this.config = c;
            this.random = new Random(seed);
            int q = c.nHeads() * c.headDim();
            matrix("token_embd.weight", type, c.dim(), c.vocabSize(), 1.0);
            vector("output_norm.weight", c.dim(), 1.0, 0.1);
            if (!c.tiedEmbeddings()) {
                matrix("output.weight", type, c.dim(), c.vocabSize(), 1 / Math.sqrt(c.dim()));
            }
            for (int i = 0; i < c.nLayers(); i++) {
                String p = "blk." + i + ".";
                vector(p + "attn_norm.weight", c.dim(), 1.0, 0.1);
                matrix(p + "attn_q.weight", type, c.dim(), q, 1 / Math.sqrt(c.dim()));
                matrix(p + "attn_k.weight", type, c.dim(), c.kvDim(), 1 / Math.sqrt(c.dim()));
                matrix(p + "attn_v.weight", type, c.dim(), c.kvDim(), 1 / Math.sqrt(c.dim()));
                if (c.qkvBias()) {
                    vector(p + "attn_q.bias", q, 0, 0.2);
                    vector(p + "attn_k.bias", c.kvDim(), 0, 0.2);
                    vector(p + "attn_v.bias", c.kvDim(), 0, 0.2);
                }
                if (c.qkNorm()) {
                    vector(p + "attn_q_norm.weight", c.headDim(), 1.0, 0.3);
                    vector(p + "attn_k_norm.weight", c.headDim(), 1.0, 0.3);
                }
                matrix(p + "attn_output.weight", type, q, c.dim(), 1 / Math.sqrt(q));
                vector(p + "ffn_norm.weight", c.dim(), 1.0, 0.1);
                matrix(p + "ffn_gate.weight", type, c.dim(), c.ffnDim(), 1 / Math.sqrt(c.dim()));
                matrix(p + "ffn_up.weight", type, c.dim(), c.ffnDim(), 1 / Math.sqrt(c.dim()));
                matrix(p + "ffn_down.weight", type, c.ffnDim(), c.dim(), 1 / Math.sqrt(c.ffnDim()));
            }
        }

        private void matrix(String name, GgmlType type, int cols, int rows, double scale) {
            float[] f = new float[cols * rows];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) (random.nextGaussian() * scale);
            }
            put(name, type, new long[] {cols, rows}, Quantization.quantize(type, f));
        }

        private void vector(String name, int n, double mean, double sd) {
            float[] f = new float[n];
            for (int i = 0; i < n; i++) {
                f[i] = (float) (mean + random.nextGaussian() * sd);
            }
            put(name, GgmlType.F32, new long[] {n}, Quantization.quantize(GgmlType.F32, f));
        }

        private void put(String name, GgmlType type, long[] shape, byte[] bytes) {
            MemorySegment seg = arena.allocate(bytes.length, 32);
            MemorySegment.copy(MemorySegment.ofArray(bytes), 0, seg, 0, bytes.length);
            tensors.put(name, new Tensor(name, type, shape, seg));
        }

        @Override
        public ModelConfig config() {
            return config;
        }

        @Override
        public Optional<Tensor> find(String name) {
            return Optional.ofNullable(tensors.get(name));
        }

        @Override
        public Map<String, Tensor> tensors() {
            return tensors;
        }

        @Override
        public Map<String, Object> metadata() {
            return Map.of();
        }

        @Override
        public Path source() {
            return Path.of("memory:" + config.architecture());
        }

        @Override
        public boolean isOpen() {
            return references.isOpen();
        }

        @Override
        public Lease retain() {
            return references.retain();
        }

        @Override
        public void close() {
            references.close();
        }
    }

    /**
     * Token {@code i} spells {@code "<i>"} for ids up to the vocabulary, except: id 0 is a control
     * token with no text (EOS), ids 1..4 spell the four UTF-8 bytes of U+1F600 one byte each.
     */
    static final class SpelledTokenizer implements Tokenizer {
        static final byte[] GRIN = "\uD83D\uDE00".getBytes(StandardCharsets.UTF_8);
        private final int vocab;

        SpelledTokenizer(int vocab) {
            this.vocab = vocab;
        }

        @Override
        public int[] encode(String text, boolean allowSpecial) {
            throw new UnsupportedOperationException("tests feed token ids");
        }

        @Override
        public String decode(int[] ids) {
            StringBuilder sb = new StringBuilder();
            for (int id : ids) {
                sb.append(new String(tokenBytes(id), StandardCharsets.UTF_8));
            }
            return sb.toString();
        }

        @Override
        public byte[] tokenBytes(int id) {
            if (id == 0) {
                return new byte[0];
            }
            if (id <= 4) {
                return new byte[] {GRIN[id - 1]};
            }
            return ("<" + id + ">").getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public int bosId() {
            return -1;
        }

        @Override
        public int eosId() {
            return 0;
        }

        @Override
        public Set<Integer> stopIds() {
            return Set.of(0);
        }

        @Override
        public int vocabSize() {
            return vocab;
        }

        @Override
        public boolean isSpecial(int id) {
            return id == 0;
        }

        @Override
        public Optional<ChatTemplate> chatTemplate() {
            return Optional.empty();
        }
    }
}
