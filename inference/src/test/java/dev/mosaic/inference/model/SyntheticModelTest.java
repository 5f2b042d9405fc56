package dev.mosaic.inference.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mosaic.inference.model.gguf.GgufModel;
import dev.mosaic.inference.model.safetensors.SafetensorsModel;
import dev.mosaic.inference.tensor.GgmlType;
import dev.mosaic.inference.tensor.Quantization;
import dev.mosaic.inference.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class SyntheticModelTest {
    private static final long SEED = 424242;

    @TempDir
    Path dir;

    private static ModelConfig withLayout(ModelConfig c, RopeConfig.Layout layout) {
        RopeConfig r = c.rope();
        return new ModelConfig(c.architecture(), c.dim(), c.nLayers(), c.nHeads(), c.nKvHeads(), c.headDim(), c.ffnDim(),
                c.vocabSize(), c.contextLength(), c.rmsNormEps(), new RopeConfig(r.theta(), layout, r.scaling(), r.freqFactors()),
                c.qkvBias(), c.tiedEmbeddings());
    }

    private static double[][] matrix(Tensor t) {
        double[][] m = new double[(int) t.rows()][];
        for (int r = 0; r < m.length; r++) {
            m[r] = Quantization.dequantizeRowToDouble(t, r);
        }
        return m;
    }

    /** Rotates one head of {@code v} at {@code pos}: INTERLEAVED pairs (2i, 2i+1), HALVES pairs (i, i + d/2). */
    private static double[] rope(double[] v, int pos, RopeConfig rope, int headDim) {
        double[] out = v.clone();
        for (int i = 0; i < headDim / 2; i++) {
            int a = rope.layout() == RopeConfig.Layout.INTERLEAVED ? 2 * i : i;
            int b = rope.layout() == RopeConfig.Layout.INTERLEAVED ? 2 * i + 1 : i + headDim / 2;
            double angle = pos * rope.inverseFrequency(i, headDim);
            out[a] = v[a] * Math.cos(angle) - v[b] * Math.sin(angle);
            out[b] = v[a] * Math.sin(angle) + v[b] * Math.cos(angle);
        }
        return out;
    }

    private static double[] head(double[][] w, double[] x, int head, int headDim) {
        double[] y = new double[headDim];
        for (int r = 0; r < headDim; r++) {
            double s = 0;
            for (int c = 0; c < x.length; c++) {
                s += w[head * headDim + r][c] * x[c];
            }
            y[r] = s;
        }
        return y;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    @Test
    void ggufLlamaAndSafetensorsGiveTheSameAttentionScores() {
        ModelConfig c = SyntheticModel.tiny("llama", true);
        Path gguf = SyntheticModel.writeGguf(c, GgmlType.F32, SEED, dir.resolve("m.gguf"));
        Path hf = SyntheticModel.writeSafetensors(c, GgmlType.F32, SEED, dir.resolve("hf"));
        try (Model g = ModelLoader.open(gguf); Model h = ModelLoader.open(hf)) {
            assertEquals(withLayout(c, RopeConfig.Layout.INTERLEAVED), g.config());
            assertEquals(c, h.config());
            int hd = c.headDim();
            for (int layer = 0; layer < c.nLayers(); layer++) {
                for (String part : new String[] {"attn_q", "attn_k"}) {
                    double[][] gw = matrix(g.tensor("blk." + layer + "." + part + ".weight"));
                    double[][] hw = matrix(h.tensor("blk." + layer + "." + part + ".weight"));
                    // llama.cpp's converter: GGUF row 2i+j of a head is HF row j*hd/2+i
                    for (int row = 0; row < gw.length; row++) {
                        int head = row / hd;
                        int i = (row % hd) / 2;
                        int j = row % 2;
                        assertArrayEquals(hw[head * hd + j * hd / 2 + i], gw[row], 0.0, part + " row " + row);
                    }
                }
                for (String part : new String[] {"attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down", "attn_norm", "ffn_norm"}) {
                    String n = "blk." + layer + "." + part + ".weight";
                    assertArrayEquals(h.tensor(n).data().toArray(ValueLayout.JAVA_BYTE), g.tensor(n).data().toArray(ValueLayout.JAVA_BYTE), n);
                }
            }
            // The invariant that matters: q.k after RoPE is the same from either file with its own layout.
            Random r = new Random(5);
            double[] x = new double[c.dim()];
            for (int i = 0; i < x.length; i++) {
                x[i] = r.nextGaussian();
            }
            double[][] gq = matrix(g.tensor("blk.1.attn_q.weight"));
            double[][] gk = matrix(g.tensor("blk.1.attn_k.weight"));
            double[][] hq = matrix(h.tensor("blk.1.attn_q.weight"));
            double[][] hk = matrix(h.tensor("blk.1.attn_k.weight"));
            int group = c.nHeads() / c.nKvHeads();
            for (int qh = 0; qh < c.nHeads(); qh++) {
                double sg = dot(rope(head(gq, x, qh, hd), 7, g.config().rope(), hd), rope(head(gk, x, qh / group, hd), 3, g.config().rope(), hd));
                double sh = dot(rope(head(hq, x, qh, hd), 7, h.config().rope(), hd), rope(head(hk, x, qh / group, hd), 3, h.config().rope(), hd));
                assertEquals(sh, sg, 1e-9 * Math.max(1, Math.abs(sh)), "head " + qh);
            }
            assertEquals(List.of(g.tensors().keySet().stream().sorted().toList()), List.of(h.tensors().keySet().stream().sorted().toList()));
        }
    }

    @Test
    void qwen2KeepsRowOrderAndHasBiases() {
        ModelConfig c = SyntheticModel.tiny("qwen2", false);
        Path gguf = SyntheticModel.writeGguf(c, GgmlType.F32, SEED, dir.resolve("q.gguf"));
        Path hf = SyntheticModel.writeSafetensors(c, GgmlType.F32, SEED, dir.resolve("hf"));
        try (Model g = ModelLoader.open(gguf); Model h = ModelLoader.open(hf)) {
            assertEquals(c, g.config());
            assertEquals(c, h.config());
            assertTrue(c.qkvBias());
            for (String n : g.tensors().keySet()) {
                assertArrayEquals(h.tensor(n).data().toArray(ValueLayout.JAVA_BYTE), g.tensor(n).data().toArray(ValueLayout.JAVA_BYTE), n);
            }
            assertArrayEquals(new long[] {256}, g.tensor("blk.0.attn_q.bias").shape());
            assertEquals("gpt2", g.metadata().get("tokenizer.ggml.model"));
            assertEquals("Qwen2ForCausalLM", ((List<?>) h.metadata().get("architectures")).getFirst());
        }
    }

    @ParameterizedTest
    @EnumSource(GgmlType.class)
    void everyWeightTypeLoadsAndDequantisesNearTheCanonicalWeights(GgmlType type) {
        ModelConfig c = SyntheticModel.tiny("llama", false);
        try (Model g = ModelLoader.open(SyntheticModel.writeGguf(c, type, SEED, dir.resolve("m.gguf")))) {
            assertEquals(withLayout(c, RopeConfig.Layout.INTERLEAVED), g.config());
            for (String name : List.of("token_embd.weight", "blk.1.ffn_down.weight", "output.weight", "blk.0.attn_norm.weight")) {
                Tensor t = g.tensor(name);
                assertEquals(name.endsWith("norm.weight") ? GgmlType.F32 : type, t.type(), name);
                assertTrue(t.data().isMapped(), "zero-copy slice of the mapping");
                float[] want = SyntheticModel.canonicalWeights(c, SEED, name);
                int cols = (int) t.cols();
                double errSq = 0;
                double sumSq = 0;
                for (int row = 0; row < t.rows(); row++) {
                    double[] got = Quantization.dequantizeRowToDouble(t, row);
                    for (int i = 0; i < cols; i++) {
                        double d = got[i] - want[row * cols + i];
                        errSq += d * d;
                        sumSq += (double) want[row * cols + i] * want[row * cols + i];
                    }
                }
                double rel = Math.sqrt(errSq / sumSq);
                double bound = switch (t.type()) {
                    case F32 -> 0;
                    case F16 -> 1e-3;
                    case BF16 -> 5e-3;
                    case Q8_0 -> 1e-2;
                    case Q6_K -> 3e-2;
                    case Q5_0, Q5_1, Q5_K -> 0.08;
                    case Q4_0, Q4_1, Q4_K, IQ4_NL -> 0.15;
                    case Q3_K -> 0.3;
                    case Q2_K -> 0.5;
                };
                assertTrue(rel <= bound, name + " " + type + " relative rms error " + rel);
            }
        }
    }

    @Test
    void sameSeedSameFileOtherSeedOtherWeights() throws IOException {
        ModelConfig c = SyntheticModel.tiny("llama", true);
        byte[] a = Files.readAllBytes(SyntheticModel.writeGguf(c, GgmlType.Q8_0, 1, dir.resolve("a.gguf")));
        byte[] b = Files.readAllBytes(SyntheticModel.writeGguf(c, GgmlType.Q8_0, 1, dir.resolve("b.gguf")));
        byte[] d = Files.readAllBytes(SyntheticModel.writeGguf(c, GgmlType.Q8_0, 2, dir.resolve("d.gguf")));
        assertArrayEquals(a, b);
        assertEquals(a.length, d.length);
        assertFalse(java.util.Arrays.equals(a, d));
    }

    @Test
    void shardedSafetensorsEqualSingleFile() throws IOException {
        ModelConfig c = SyntheticModel.tiny("qwen2", true);
        Path one = SyntheticModel.writeSafetensors(c, GgmlType.BF16, SEED, dir.resolve("one"));
        Path three = SyntheticModel.writeSafetensors(c, GgmlType.BF16, SEED, dir.resolve("three"), 3);
        assertTrue(Files.exists(three.resolve(SafetensorsModel.INDEX)));
        assertTrue(Files.exists(three.resolve("model-00003-of-00003.safetensors")));
        assertFalse(Files.exists(three.resolve(SafetensorsModel.SINGLE)));
        try (Model a = ModelLoader.open(one); Model b = ModelLoader.open(three.resolve(SafetensorsModel.INDEX))) {
            assertEquals(a.config(), b.config());
            assertEquals(a.tensors().keySet(), b.tensors().keySet());
            for (String n : a.tensors().keySet()) {
                assertEquals(GgmlType.BF16, b.tensor(n).type());
                assertArrayEquals(a.tensor(n).data().toArray(ValueLayout.JAVA_BYTE), b.tensor(n).data().toArray(ValueLayout.JAVA_BYTE), n);
            }
        }
        try (Model single = ModelLoader.open(one.resolve(SafetensorsModel.SINGLE));
             Model viaConfig = ModelLoader.open(one.resolve(SafetensorsModel.CONFIG))) {
            assertEquals(c, single.config());
            assertEquals(c, viaConfig.config());
        }
    }

    @Test
    void tiedEmbeddingsAndLlama3RopeScalingAgreeAcrossFormats() {
        ModelConfig t = SyntheticModel.tiny("llama", true);
        ModelConfig c = new ModelConfig("llama", t.dim(), t.nLayers(), t.nHeads(), t.nKvHeads(), t.headDim(), t.ffnDim(),
                t.vocabSize(), t.contextLength(), t.rmsNormEps(),
                new RopeConfig(500000f, RopeConfig.Layout.HALVES, new RopeConfig.Llama3Scaling(8, 1, 4, 64), null), false, true);
        try (Model g = ModelLoader.open(SyntheticModel.writeGguf(c, GgmlType.F16, SEED, dir.resolve("m.gguf")));
             Model h = ModelLoader.open(SyntheticModel.writeSafetensors(c, GgmlType.F16, SEED, dir.resolve("hf")))) {
            assertTrue(g.config().tiedEmbeddings());
            assertTrue(h.config().tiedEmbeddings());
            assertTrue(g.find("output.weight").isEmpty());
            assertTrue(h.find("output.weight").isEmpty());
            assertEquals(c, h.config());
            assertTrue(g.config().rope().freqFactors() != null);
            boolean scaled = false;
            for (int i = 0; i < c.headDim() / 2; i++) {
                double fg = g.config().rope().inverseFrequency(i, c.headDim());
                double fh = h.config().rope().inverseFrequency(i, c.headDim());
                assertEquals(fh, fg, 1e-6 * fh, "pair " + i);
                scaled |= Math.abs(fh - new RopeConfig(500000f, RopeConfig.Layout.HALVES).inverseFrequency(i, c.headDim())) > 1e-3 * fh;
            }
            assertTrue(scaled, "the scaling changed some frequencies");
        }
    }

    @Test
    void headDimOtherThanDimOverHeadsSurvivesBothFormats() {
        ModelConfig c = new ModelConfig("llama", 256, 1, 2, 1, 64, 256, 300, 128, 1e-6f,
                new RopeConfig(1e6f, RopeConfig.Layout.HALVES), false, false);
        try (Model g = ModelLoader.open(SyntheticModel.writeGguf(c, GgmlType.F32, SEED, dir.resolve("m.gguf")));
             Model h = ModelLoader.open(SyntheticModel.writeSafetensors(c, GgmlType.F32, SEED, dir.resolve("hf")))) {
            assertEquals(withLayout(c, RopeConfig.Layout.INTERLEAVED), g.config());
            assertEquals(c, h.config());
            assertArrayEquals(new long[] {128, 256}, g.tensor("blk.0.attn_output.weight").shape());
        }
    }

    @Test
    void llamaGgufVocabularyIsAValidSentencePieceVocabulary() {
        ModelConfig c = SyntheticModel.tiny("llama", false);
        try (GgufModel g = GgufModel.open(SyntheticModel.writeGguf(c, GgmlType.F32, SEED, dir.resolve("m.gguf")))) {
            Map<String, Object> m = g.metadata();
            List<?> tokens = (List<?>) m.get("tokenizer.ggml.tokens");
            List<?> scores = (List<?>) m.get("tokenizer.ggml.scores");
            List<?> types = (List<?>) m.get("tokenizer.ggml.token_type");
            assertEquals(c.vocabSize(), tokens.size());
            assertEquals(c.vocabSize(), scores.size());
            assertEquals(c.vocabSize(), types.size());
            assertEquals(List.of("<unk>", "<s>", "</s>", "<0x00>"), tokens.subList(0, 4));
            assertEquals("<0xFF>", tokens.get(258));
            assertEquals(List.of(2L, 3L, 3L, 6L), types.subList(0, 4));
            assertEquals(1L, m.get("tokenizer.ggml.bos_token_id"));
            assertEquals(2L, m.get("tokenizer.ggml.eos_token_id"));
            Set<Object> seen = new HashSet<>(tokens);
            assertEquals(tokens.size(), seen.size(), "tokens are distinct");
            assertTrue(seen.contains("\u2581the"));
            // The last two ids are ChatML's control tokens (the file carries a ChatML template).
            int pieces = tokens.size() - 2;
            assertEquals(List.of("<|im_start|>", "<|im_end|>"), tokens.subList(pieces, tokens.size()));
            assertEquals(List.of(3L, 3L), types.subList(pieces, tokens.size()));
            assertTrue(((String) m.get("tokenizer.chat_template")).contains("<|im_start|>"));
            for (int id = 259; id < pieces; id++) {
                String p = (String) tokens.get(id);
                boolean splittable = p.length() == 1;
                for (int k = 1; k < p.length() && !splittable; k++) {
                    splittable = seen.contains(p.substring(0, k)) && seen.contains(p.substring(k));
                }
                assertTrue(splittable, "piece " + p + " is reachable by merging two pieces");
                assertEquals(1L, types.get(id));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "qwen2"})
    void tokenizerJsonIsAValidByteLevelBpe(String arch) throws IOException {
        ModelConfig c = SyntheticModel.tiny(arch, false);
        Path d = SyntheticModel.writeSafetensors(c, GgmlType.F32, SEED, dir.resolve(arch));
        JsonNode t = new ObjectMapper().readTree(d.resolve("tokenizer.json").toFile());
        JsonNode vocab = t.path("model").path("vocab");
        assertEquals("BPE", t.path("model").path("type").asText());
        Set<Integer> ids = new HashSet<>();
        vocab.fields().forEachRemaining(e -> assertTrue(ids.add(e.getValue().asInt()), "duplicate id " + e.getValue()));
        t.path("added_tokens").forEach(a -> {
            assertTrue(ids.add(a.path("id").asInt()), "special id clashes");
            assertTrue(a.path("special").asBoolean());
        });
        assertEquals(c.vocabSize(), ids.size());
        for (int i = 0; i < c.vocabSize(); i++) {
            assertTrue(ids.contains(i), "id " + i + " present");
        }
        for (JsonNode merge : t.path("model").path("merges")) {
            String[] ab = merge.asText().split(" ");
            assertEquals(2, ab.length, merge.asText());
            assertTrue(vocab.has(ab[0]) && vocab.has(ab[1]) && vocab.has(ab[0] + ab[1]), "merge " + merge.asText());
        }
        assertTrue(vocab.has("\u0120the"), "Ġthe is a token");
        JsonNode cfg = new ObjectMapper().readTree(d.resolve("tokenizer_config.json").toFile());
        assertTrue(cfg.path("chat_template").asText().contains(arch.equals("llama") ? "<|start_header_id|>" : "<|im_start|>"));
        JsonNode config = new ObjectMapper().readTree(d.resolve("config.json").toFile());
        int eos = config.path("eos_token_id").asInt();
        t.path("added_tokens").forEach(a -> {
            if (a.path("id").asInt() == eos) {
                assertTrue(a.path("content").asText().matches("<\\|(end_of_text|im_end)\\|>"));
            }
        });
    }

    @Test
    void bench110MShape() {
        ModelConfig c = SyntheticModel.bench110M();
        assertEquals(768, c.dim());
        assertEquals(12, c.nLayers());
        assertEquals(12, c.nHeads());
        assertEquals(4, c.nKvHeads());
        assertEquals(2048, c.ffnDim());
        assertEquals(32000, c.vocabSize());
        long params = SyntheticModel.tensorShapes(c).values().stream()
                .mapToLong(s -> java.util.Arrays.stream(s).reduce(1, Math::multiplyExact)).sum();
        assertTrue(params > 100_000_000 && params < 130_000_000, "parameters " + params);
        // the vocabulary builder reaches 32000 distinct pieces
        assertEquals(32000, SyntheticVocabulary.spm(32000).tokens().stream().distinct().count());
        assertEquals(32000, SyntheticVocabulary.bpe(32000, SyntheticModel.LLAMA3_SPECIALS).tokens().stream().distinct().count());
    }

    @Test
    void permuteRowsMatchesTheConverterFormula() {
        float[] w = new float[2 * 8 * 3];
        for (int i = 0; i < w.length; i++) {
            w[i] = i;
        }
        float[] p = SyntheticModel.permuteRows(w, 2, 8, 3);
        // head 1, rows: HF 8..15 -> GGUF order 8,12,9,13,10,14,11,15
        int[] order = {0, 4, 1, 5, 2, 6, 3, 7, 8, 12, 9, 13, 10, 14, 11, 15};
        for (int r = 0; r < 16; r++) {
            for (int c = 0; c < 3; c++) {
                assertEquals(order[r] * 3 + c, p[r * 3 + c], 0f);
            }
        }
        assertNotEquals(w[3], p[3]);
    }

    @Test
    void tensorsAreUnusableAfterClose() {
        Model m = ModelLoader.open(SyntheticModel.writeGguf(SyntheticModel.tiny("llama", false), GgmlType.F32, SEED,
                dir.resolve("m.gguf")));
        Tensor t = m.tensor("output_norm.weight");
        m.close();
        assertThrows(IllegalStateException.class, () -> Quantization.dequantizeRowToDouble(t, 0));
        m.close(); // idempotent
    }
}
