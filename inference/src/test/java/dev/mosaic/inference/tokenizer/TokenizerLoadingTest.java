package dev.mosaic.inference.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mosaic.inference.model.Model;
import dev.mosaic.inference.model.ModelConfig;
import dev.mosaic.inference.model.ModelFormatException;
import dev.mosaic.inference.model.RopeConfig;
import dev.mosaic.inference.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GGUF metadata validation and {@link Tokenizers#forModel}. */
class TokenizerLoadingTest {

    private static final Path FILE = Path.of("models/m.gguf");

    private static void expect(Map<String, Object> metadata, String field, String reasonPart) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Tokenizers.fromGguf(metadata, FILE));
        assertEquals(FILE, e.file());
        assertEquals(field, e.field());
        assertTrue(e.getMessage().contains(reasonPart), e.getMessage());
    }

    private static Map<String, Object> gpt2(Consumer<Map<String, Object>> edit) {
        TestVocabs.Builder b = TestVocabs.byteLevel();
        TestVocabs.mergeToken(b, "a", "b");
        Map<String, Object> m = b.gguf("gpt2");
        edit.accept(m);
        return m;
    }

    @Test
    void ggufErrors() {
        expect(gpt2(m -> m.remove("tokenizer.ggml.model")), "tokenizer.ggml.model", "missing");
        expect(gpt2(m -> m.put("tokenizer.ggml.model", "bert")), "tokenizer.ggml.model", "'bert'");
        expect(gpt2(m -> m.remove("tokenizer.ggml.tokens")), "tokenizer.ggml.tokens", "missing");
        expect(gpt2(m -> m.put("tokenizer.ggml.tokens", "abc")), "tokenizer.ggml.tokens", "expected an array");
        expect(gpt2(m -> m.remove("tokenizer.ggml.merges")), "tokenizer.ggml.merges", "missing");
        expect(gpt2(m -> m.put("tokenizer.ggml.merges", List.of("a b", "q zz"))), "tokenizer.ggml.merges", "entry 1 'q zz': token 'zz'");
        expect(gpt2(m -> m.put("tokenizer.ggml.merges", List.of("ab"))), "tokenizer.ggml.merges", "not two tokens");
        expect(gpt2(m -> m.put("tokenizer.ggml.pre", "falcon")), "tokenizer.ggml.pre", "'falcon'");
        expect(gpt2(m -> m.put("tokenizer.ggml.token_type", List.of(1L))), "tokenizer.ggml.token_type", "1 entries for 257 tokens");
        expect(gpt2(m -> {
            List<Object> types = new ArrayList<>((List<?>) m.get("tokenizer.ggml.token_type"));
            types.set(7, 9L);
            m.put("tokenizer.ggml.token_type", types);
        }), "tokenizer.ggml.token_type", "entry 7");
        expect(gpt2(m -> m.put("tokenizer.ggml.eos_token_id", 5000L)), "tokenizer.ggml.eos_token_id", "outside the vocabulary");
        expect(gpt2(m -> m.put("tokenizer.ggml.add_bos_token", "yes")), "tokenizer.ggml.add_bos_token", "expected a boolean");
        Map<String, Object> spm = TestVocabs.sentencePiece().gguf("llama");
        spm.put("tokenizer.ggml.scores", List.of(0.0));
        expect(spm, "tokenizer.ggml.scores", "1 entries for 259 tokens");
        // Without a file the message still says where the data came from.
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Tokenizers.fromGguf(Map.of()));
        assertTrue(e.getMessage().contains("GGUF metadata") && e.getMessage().contains("tokenizer.ggml.model"), e.getMessage());
    }

    @Test
    void unsignedMinusOneMeansNoToken() {
        // Some converters write "no such token" as -1 stored in a uint32.
        Map<String, Object> m = gpt2(x -> x.put("tokenizer.ggml.eos_token_id", 0xFFFFFFFFL));
        assertEquals(-1, Tokenizers.fromGguf(m).eosId());
    }

    @Test
    void llamaDefaultsWhenTypesAndIdsAreMissing() {
        // A bare SentencePiece vocabulary: types are inferred (<0xNN> bytes, <s>/</s> control), ids default by name.
        TestVocabs.Builder b = TestVocabs.sentencePiece();
        b.normal("\u2581hi", -1);
        b.normal("hi", -1.5); // ▁hi is reachable only through hi (SentencePiece merges two existing symbols)
        b.normal("\u2581", -2);
        b.normal("h", -3);
        b.normal("i", -3);
        Map<String, Object> m = b.gguf("llama");
        m.remove("tokenizer.ggml.token_type");
        m.remove("tokenizer.ggml.bos_token_id");
        m.remove("tokenizer.ggml.eos_token_id");
        m.remove("tokenizer.ggml.unknown_token_id");
        Tokenizer t = Tokenizers.fromGguf(m);
        assertEquals(1, t.bosId());
        assertEquals(2, t.eosId());
        assertTrue(t.isSpecial(1));
        assertArrayEquals(new int[] {b.id("\u2581hi"), 3 + 0xC3, 3 + 0xA9}, t.encode("hié"));
        assertEquals("hié", t.decode(t.encode("hié")));
        assertArrayEquals(new int[] {1}, t.encode("<s>", true));
    }

    private record FakeModel(Map<String, Object> metadata, Path source, String arch) implements Model {
        @Override
        public ModelConfig config() {
            return new ModelConfig(arch, 8, 1, 2, 2, 4, 16, 300, 64, 1e-5f, new RopeConfig(10000f, RopeConfig.Layout.HALVES),
                    false, true);
        }

        @Override
        public Optional<Tensor> find(String name) {
            return Optional.empty();
        }

        @Override
        public Map<String, Tensor> tensors() {
            return Map.of();
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public Lease retain() {
            return () -> {};
        }

        @Override
        public void close() {}
    }

    @Test
    void forModelReadsGgufMetadataOrTokenizerJson(@TempDir Path dir) throws IOException {
        TestVocabs.Builder b = TestVocabs.byteLevel();
        int ab = TestVocabs.mergeToken(b, "a", "b");
        b.add("<|im_start|>", 0, TokenType.CONTROL);
        b.add("<|im_end|>", 0, TokenType.CONTROL);
        Tokenizer fromGguf = Tokenizers.forModel(new FakeModel(b.gguf("gpt2"), dir.resolve("m.gguf"), "llama"));
        assertArrayEquals(new int[] {ab, 'c'}, fromGguf.encode("abc"));

        // A safetensors directory: config.json as metadata, tokenizer.json beside it; qwen2 picks ChatML.
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        ObjectNode model = root.putObject("model").put("type", "BPE");
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < 256; i++) {
            vocab.put(String.valueOf(ByteLevel.charOf(i)), i);
        }
        vocab.put("ab", 256);
        model.putArray("merges").add("a b");
        root.putArray("added_tokens").addObject().put("id", 257).put("content", "<|im_start|>").put("special", true);
        root.withArray("added_tokens").addObject().put("id", 258).put("content", "<|im_end|>").put("special", true);
        root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false);
        json.writeValue(dir.resolve("tokenizer.json").toFile(), root);
        Tokenizer fromJson = Tokenizers.forModel(new FakeModel(Map.of("model_type", "qwen2"), dir, "qwen2"));
        assertArrayEquals(new int[] {256, 'c'}, fromJson.encode("abc"));
        assertEquals(new ChatMlTemplate(null), fromJson.chatTemplate().orElseThrow());

        Path empty = dir.resolve("empty");
        java.nio.file.Files.createDirectories(empty);
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> Tokenizers.forModel(new FakeModel(Map.of(), empty, "llama")));
        assertEquals(empty, e.file());
        assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
    }
}
