package dev.mosaic.inference.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mosaic.inference.model.gguf.GgufFile;
import dev.mosaic.inference.model.gguf.GgufReader;
import dev.mosaic.inference.model.gguf.GgufWriter;
import dev.mosaic.inference.model.safetensors.SafetensorsModel;
import dev.mosaic.inference.tensor.GgmlType;
import dev.mosaic.inference.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Model-level problems (config vs tensors, missing pieces) name the file and the tensor or key. */
class ModelLoadErrorsTest {
    @TempDir
    Path dir;
    private Path good;

    /** A small llama: dim 64, 1 layer, 2 heads, FFN 96, vocab 300. */
    private static final ModelConfig SMALL = new ModelConfig("llama", 64, 1, 2, 1, 32, 96, 300, 64, 1e-5f,
            new RopeConfig(10000f, RopeConfig.Layout.HALVES), false, false);

    @BeforeEach
    void writeGood() {
        good = SyntheticModel.writeGguf(SMALL, GgmlType.F32, 3, dir.resolve("good.gguf"));
        try (Model m = ModelLoader.open(good)) {
            assertEquals(64, m.config().dim());
        }
    }

    /** Copies the good file with metadata overrides ({@code null} removes a key) and a tensor filter/reshaper. */
    private Path rewrite(Map<String, Object> meta, Consumer<Map<String, Tensor>> tensorEdit) {
        Path out = dir.resolve("edited.gguf");
        try (GgufFile f = GgufReader.open(good)) {
            GgufWriter w = new GgufWriter();
            for (Map.Entry<String, Object> e : f.metadata().entrySet()) {
                Object v = meta.containsKey(e.getKey()) ? meta.get(e.getKey()) : e.getValue();
                if (v != null && !e.getKey().equals("general.alignment")) {
                    w.put(e.getKey(), v);
                }
            }
            Map<String, Tensor> tensors = new java.util.LinkedHashMap<>(f.tensors());
            tensorEdit.accept(tensors);
            for (Tensor t : tensors.values()) {
                byte[] bytes = t.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                w.addTensor(t.name(), t.type(), t.shape(), MemorySegment.ofArray(bytes));
            }
            return w.write(out);
        }
    }

    private ModelFormatException fails(Path p, String field, String reason) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelLoader.open(p).close());
        assertTrue(e.getMessage().contains(p.getFileName().toString()), e.getMessage());
        assertEquals(field, e.field(), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        return e;
    }

    @Test
    void ggufShapeThatDoesNotMatchTheConfig() {
        Path p = rewrite(Map.of("llama.feed_forward_length", 128), t -> {});
        fails(p, "blk.0.ffn_gate.weight", "does not match the config");
        Path q = rewrite(Map.of(), t -> {
            // attn_k is [64 cols, 32 rows]; store the same bytes as 32 cols x 64 rows
            Tensor k = t.get("blk.0.attn_k.weight");
            t.put(k.name(), new Tensor(k.name(), k.type(), new long[] {32, 64}, k.data()));
        });
        fails(q, "blk.0.attn_k.weight", "expected [64, 32]");
    }

    @Test
    void ggufMissingTensorKeyOrArchitecture() {
        fails(rewrite(Map.of(), t -> t.remove("blk.0.ffn_down.weight")), "blk.0.ffn_down.weight", "missing");
        java.util.HashMap<String, Object> noBlocks = new java.util.HashMap<>();
        noBlocks.put("llama.block_count", null);
        fails(rewrite(noBlocks, t -> {}), "llama.block_count", "missing");
        fails(rewrite(Map.of("general.architecture", "gptj"), t -> {}), "general.architecture", "unsupported architecture");
        fails(rewrite(Map.of("llama.embedding_length", "wide"), t -> {}), "llama.embedding_length", "expected a 32-bit integer");
        fails(rewrite(Map.of("llama.attention.head_count_kv", 3), t -> {}), "nKvHeads", "must divide");
        fails(rewrite(Map.of("llama.rope.dimension_count", 16), t -> {}), "llama.rope.dimension_count", "partial");
    }

    private Path hfDir() {
        return SyntheticModel.writeSafetensors(SMALL, GgmlType.F16, 3, dir.resolve("hf"));
    }

    private void editConfig(Path d, Consumer<ObjectNode> edit) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode c = (ObjectNode) json.readTree(d.resolve("config.json").toFile());
        edit.accept(c);
        Files.writeString(d.resolve("config.json"), c.toString());
    }

    @Test
    void safetensorsConfigProblems() throws IOException {
        Path d = hfDir();
        try (Model m = ModelLoader.open(d)) {
            assertEquals(SMALL, m.config());
        }
        editConfig(d, c -> c.put("intermediate_size", 100));
        fails(d, "blk.0.ffn_gate.weight", "does not match the config");
        editConfig(d, c -> c.remove("hidden_size"));
        fails(d, "hidden_size", "missing");
        editConfig(d, c -> {
            c.put("hidden_size", 64);
            c.put("intermediate_size", 96);
            c.putArray("architectures").add("GPT2LMHeadModel");
        });
        fails(d, "architectures", "unsupported architecture");
        editConfig(d, c -> {
            c.putArray("architectures").add("LlamaForCausalLM");
            c.putObject("rope_scaling").put("rope_type", "yarn");
        });
        fails(d, "rope_scaling", "yarn");
        Files.writeString(d.resolve("config.json"), "{ not json");
        fails(d, "json", "invalid JSON");
    }

    @Test
    void safetensorsMissingPieces() throws IOException {
        Path d = SyntheticModel.writeSafetensors(SMALL, GgmlType.F32, 3, dir.resolve("sharded"), 2);
        Files.delete(d.resolve("model-00002-of-00002.safetensors"));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelLoader.open(d).close());
        assertTrue(e.getMessage().contains(SafetensorsModel.INDEX) && e.getMessage().contains("does not exist"), e.getMessage());
        Files.writeString(d.resolve(SafetensorsModel.INDEX), "{\"weight_map\":{\"x\":\"../../etc/passwd\"}}");
        e = assertThrows(ModelFormatException.class, () -> ModelLoader.open(d).close());
        assertTrue(e.getMessage().contains("invalid shard"), e.getMessage());

        Path single = SyntheticModel.writeSafetensors(SMALL, GgmlType.F32, 3, dir.resolve("untied"));
        // a tied model has no lm_head; claiming untied in config.json must then fail
        Path tied = SyntheticModel.writeSafetensors(new ModelConfig("llama", 64, 1, 2, 1, 32, 96, 300, 64, 1e-5f,
                new RopeConfig(10000f, RopeConfig.Layout.HALVES), false, true), GgmlType.F32, 3, dir.resolve("tied"));
        editConfig(tied, c -> c.put("tie_word_embeddings", false));
        fails(tied, "lm_head.weight", "missing");
        try (Model m = ModelLoader.open(single)) {
            assertTrue(m.find("output.weight").isPresent());
        }
        Files.delete(single.resolve(SafetensorsModel.SINGLE));
        fails(single, SafetensorsModel.SINGLE, "neither");
    }

    @Test
    void loaderRejectsUnknownFiles() throws IOException {
        Path txt = Files.writeString(dir.resolve("notes.txt"), "hello");
        fails(txt, "format", "not a GGUF file");
        Path fakeGguf = Files.writeString(dir.resolve("fake.gguf"), "GGUX and more");
        fails(fakeGguf, "header.magic", "not a GGUF file");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelLoader.open(dir.resolve("absent")));
        assertEquals("path", e.field());
    }
}
