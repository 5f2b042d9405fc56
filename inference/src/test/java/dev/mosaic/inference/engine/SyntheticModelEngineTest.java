package dev.mosaic.inference.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.inference.backend.AttentionBatch;
import dev.mosaic.inference.backend.KvGeometry;
import dev.mosaic.inference.backend.cpu.CpuBackend;
import dev.mosaic.inference.kv.PagedKvCache;
import dev.mosaic.inference.model.Model;
import dev.mosaic.inference.model.ModelConfig;
import dev.mosaic.inference.model.ModelLoader;
import dev.mosaic.inference.model.SyntheticModel;
import dev.mosaic.inference.tensor.GgmlType;
import dev.mosaic.inference.tokenizer.ChatMessage;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Real files from SyntheticModel through ModelLoader: both formats agree with each other and with the reference. */
class SyntheticModelEngineTest {

    @TempDir
    Path dir;

    private static final int[] PROMPT = {3, 77, 140, 9, 300, 41, 250};

    @ParameterizedTest(name = "{0} gqa={1}")
    @CsvSource({"llama, true", "llama, false", "qwen2, true", "qwen3, true", "qwen3, false", "mistral3, true"})
    void ggufAndSafetensorsOfTheSameSeedGiveTheSameLogits(String arch, boolean gqa) {
        ModelConfig c = SyntheticModel.tiny(arch, gqa);
        Path gguf = SyntheticModel.writeGguf(c, GgmlType.F32, 5, dir.resolve("m.gguf"));
        Path hf = SyntheticModel.writeSafetensors(c, GgmlType.F32, 5, dir.resolve("hf"));
        try (Model a = ModelLoader.open(gguf); Model b = ModelLoader.open(hf)) {
            assertEquals(c.qkNorm(), a.config().qkNorm());
            assertEquals(c.qkNorm(), b.config().qkNorm());
            assertEquals(c.headDim(), a.config().headDim());
            assertEquals(arch, a.config().architecture());
            assertEquals(arch.equals("mistral3") ? "mistral" : arch, b.config().architecture());
            float[] la = logits(a);
            float[] lb = logits(b);
            double[][] reference = new ReferenceForward(a).logits(PROMPT);
            int vocab = c.vocabSize();
            for (int row = 0; row < PROMPT.length; row++) {
                double diff = 0;
                double norm = 0;
                for (int i = 0; i < vocab; i++) {
                    double d = la[row * vocab + i] - lb[row * vocab + i];
                    diff += d * d;
                    norm += (double) lb[row * vocab + i] * lb[row * vocab + i];
                }
                assertTrue(Math.sqrt(diff / norm) < 1e-5, "GGUF vs safetensors, row " + row + ": " + Math.sqrt(diff / norm));
                assertTrue(ReferenceForward.relativeError(la, row * vocab, reference[row]) < 1e-4, "GGUF vs reference, row " + row);
            }
        }
    }

    /** Prefills {@link #PROMPT} in one step and returns the logits of every row. */
    private static float[] logits(Model model) {
        ModelConfig c = model.config();
        int n = PROMPT.length;
        try (CpuBackend backend = new CpuBackend(1);
             ForwardPass forward = new ForwardPass(model, backend, n, n);
             PagedKvCache cache = new PagedKvCache(backend.allocateKv(new KvGeometry(c.nLayers(), 2, 8, c.nKvHeads(), c.headDim())))) {
            cache.reserve(1, n);
            int[] positions = new int[n];
            int[] slots = new int[n];
            int[] rows = new int[n];
            for (int i = 0; i < n; i++) {
                positions[i] = i;
                slots[i] = cache.slot(1, i);
                rows[i] = i;
            }
            float[] out = new float[n * c.vocabSize()];
            forward.run(new ForwardPass.Step(PROMPT, positions, slots,
                    new AttentionBatch(new int[] {0}, new int[] {n}, new int[] {0}, new int[] {0}, cache.blockTable(1)), rows),
                    cache.storage(), out);
            return out;
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"llama", "qwen2", "qwen3", "mistral3"})
    void textPromptsAndChatWorkWithTheModelsOwnTokenizerInBothFormats(String arch) {
        ModelConfig c = SyntheticModel.tiny(arch, true);
        Path gguf = SyntheticModel.writeGguf(c, GgmlType.F32, 9, dir.resolve("m.gguf"));
        Path hf = SyntheticModel.writeSafetensors(c, GgmlType.F32, 9, dir.resolve("hf"));
        int[][] prompts = new int[2][];
        int[][] tokens = new int[2][];
        int i = 0;
        for (Path p : new Path[] {gguf, hf}) {
            try (Model model = ModelLoader.open(p);
                 Engine engine = Engine.create(model, EngineConfig.cpu(2).withKvBudgetBytes(8L << 20))) {
                String text = "the quick brown fox";
                GenerationRequest request = GenerationRequest.ofText(text).withMaxTokens(8).withStopAtEos(false);
                int[] body = engine.tokenizer().encode(text);
                int bos = engine.tokenizer().bosId();
                prompts[i] = bos < 0 ? body : java.util.stream.IntStream.concat(java.util.stream.IntStream.of(bos),
                        java.util.Arrays.stream(body)).toArray();
                try (GenerationResult r = engine.submit(request).join();
                     GenerationResult byIds = engine.submit(GenerationRequest.ofTokens(prompts[i]).withMaxTokens(8)
                             .withStopAtEos(false)).join()) {
                    tokens[i] = r.tokenIds();
                    assertEquals(prompts[i].length, r.promptTokens());
                    assertArrayEquals(byIds.tokenIds(), r.tokenIds());
                    assertEquals(engine.tokenizer().decode(r.tokenIds()), r.text());
                }
                var template = engine.tokenizer().chatTemplate();
                if (template.isPresent()) {
                    String rendered = template.get().render(List.of(new ChatMessage("user", "hi")), true);
                    try (GenerationResult r = engine.submit(GenerationRequest.ofText(rendered).withAddBos(false)
                            .withParseSpecial(true).withMaxTokens(4)).join()) {
                        assertFalse(r.generatedTokens() == 0);
                    }
                }
                assertEquals(0, engine.stats().kvBlocksUsed());
            }
            i++;
        }
        // The formats may carry different tokenizers (SentencePiece in GGUF llama, BPE in tokenizer.json);
        // when they encode the prompt alike, the same weights must continue it alike.
        if (arch.startsWith("qwen")) {
            assertArrayEquals(prompts[0], prompts[1], arch + " uses the same byte-level BPE in both formats");
        }
        if (java.util.Arrays.equals(prompts[0], prompts[1])) {
            assertArrayEquals(tokens[0], tokens[1]);
        }
    }
}
