package dev.mosaic.inference.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.inference.tensor.GgmlType;
import dev.mosaic.inference.tokenizer.ChatMessage;
import dev.mosaic.inference.tokenizer.Tokenizer;
import dev.mosaic.inference.tokenizer.Tokenizers;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/** The vocabularies written by {@link SyntheticModel} load with the project's tokenizers and behave. */
class SyntheticTokenizerTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({"llama,gguf", "qwen2,gguf", "llama,safetensors", "qwen2,safetensors"})
    void tokenizerLoadsAndRoundTrips(String arch, String format) {
        ModelConfig c = SyntheticModel.tiny(arch, false);
        Path p = format.equals("gguf")
                ? SyntheticModel.writeGguf(c, GgmlType.F32, 1, dir.resolve("m.gguf"))
                : SyntheticModel.writeSafetensors(c, GgmlType.F32, 1, dir.resolve("hf"));
        try (Model m = ModelLoader.open(p)) {
            Tokenizer t = Tokenizers.forModel(m);
            assertEquals(c.vocabSize(), t.vocabSize());
            String text = "hello world, the model said: ünïcödé ✓ 42";
            int[] ids = t.encode(text);
            assertTrue(ids.length > 0 && ids.length < text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length,
                    "merges shorten the byte sequence: " + ids.length);
            for (int id : ids) {
                assertTrue(id >= 0 && id < c.vocabSize(), "id " + id);
            }
            assertEquals(text, t.decode(ids).strip());
            assertTrue(t.eosId() >= 0 && t.stopIds().contains(t.eosId()));
            if (!format.equals("gguf") || arch.equals("qwen2")) {
                String chat = t.chatTemplate().orElseThrow().render(List.of(new ChatMessage("user", "hi")), true);
                assertTrue(chat.contains(arch.equals("llama") ? "<|start_header_id|>" : "<|im_start|>"), chat);
            }
        }
    }
}
