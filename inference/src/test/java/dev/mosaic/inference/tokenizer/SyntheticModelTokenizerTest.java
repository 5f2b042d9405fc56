package dev.mosaic.inference.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.inference.model.Model;
import dev.mosaic.inference.model.ModelConfig;
import dev.mosaic.inference.model.ModelLoader;
import dev.mosaic.inference.model.SyntheticModel;
import dev.mosaic.inference.tensor.GgmlType;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tokenizers of the generated models, read back through the real GGUF and safetensors loaders. */
class SyntheticModelTokenizerTest {

    private static final List<String> TEXTS = List.of("the model answer is hello world", "Hello, World! 12345",
            "  mosaic agents\n\nexpert question\r\n", "日本語 🎉 café");

    @TempDir
    Path dir;

    private static Tokenizer tokenizerOf(Path path) {
        try (Model m = ModelLoader.open(path)) {
            return Tokenizers.forModel(m);
        }
    }

    private static void roundTrips(Tokenizer t) {
        for (String s : TEXTS) {
            assertEquals(s, t.decode(t.encode(s)), s);
        }
        // Merges fire: the pieces of these words are in the vocabulary.
        assertTrue(t.encode("the model").length < "the model".length(), "no merges applied");
    }

    @Test
    void llamaGgufIsSentencePieceAndSafetensorsIsLlama3() {
        ModelConfig c = SyntheticModel.tiny("llama", true);
        Tokenizer gguf = tokenizerOf(SyntheticModel.writeGguf(c, GgmlType.F32, 1, dir.resolve("m.gguf")));
        assertInstanceOf(SentencePieceTokenizer.class, gguf);
        assertEquals(c.vocabSize(), gguf.vocabSize());
        assertEquals(1, gguf.bosId());
        assertEquals(2, gguf.eosId());
        roundTrips(gguf);

        Tokenizer st = tokenizerOf(SyntheticModel.writeSafetensors(c, GgmlType.F32, 1, dir.resolve("st")));
        assertEquals(c.vocabSize(), st.vocabSize());
        roundTrips(st);
        assertEquals("<|begin_of_text|>", ((BaseTokenizer) st).tokenText(st.bosId()));
        assertEquals("<|eot_id|>", ((BaseTokenizer) st).tokenText(st.eosId()));
        assertInstanceOf(Llama3ChatTemplate.class, st.chatTemplate().orElseThrow());
        String prompt = st.chatTemplate().orElseThrow().render(List.of(new ChatMessage("user", "hello")), true);
        int[] ids = st.encode(prompt, true);
        assertEquals(st.bosId(), ids[0]);
        assertEquals(prompt, "<|begin_of_text|>" + decodeWithSpecials((BaseTokenizer) st, ids, 1));
    }

    @Test
    void qwen2GgufAndSafetensorsTokenizeAlike() {
        ModelConfig c = SyntheticModel.tiny("qwen2", false);
        Tokenizer gguf = tokenizerOf(SyntheticModel.writeGguf(c, GgmlType.F32, 1, dir.resolve("q.gguf")));
        Tokenizer st = tokenizerOf(SyntheticModel.writeSafetensors(c, GgmlType.F32, 1, dir.resolve("st")));
        for (String s : TEXTS) {
            assertArrayEquals(gguf.encode(s, true), st.encode(s, true), s);
        }
        roundTrips(gguf);
        assertEquals(-1, gguf.bosId());
        assertEquals(-1, st.bosId());
        assertEquals(gguf.eosId(), st.eosId());
        assertEquals("<|im_end|>", ((BaseTokenizer) st).tokenText(st.eosId()));
        assertEquals(gguf.chatTemplate(), st.chatTemplate());
        assertInstanceOf(ChatMlTemplate.class, gguf.chatTemplate().orElseThrow());
    }

    /** Text of ids from {@code from} on, writing control tokens as their text. */
    private static String decodeWithSpecials(BaseTokenizer t, int[] ids, int from) {
        StringBuilder sb = new StringBuilder();
        java.io.ByteArrayOutputStream run = new java.io.ByteArrayOutputStream();
        for (int i = from; i < ids.length; i++) {
            if (t.isSpecial(ids[i])) {
                sb.append(run.toString(java.nio.charset.StandardCharsets.UTF_8)).append(t.tokenText(ids[i]));
                run.reset();
            } else {
                run.writeBytes(t.tokenBytes(ids[i]));
            }
        }
        return sb.append(run.toString(java.nio.charset.StandardCharsets.UTF_8)).toString();
    }
}
