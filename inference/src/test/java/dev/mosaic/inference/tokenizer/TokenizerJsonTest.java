package dev.mosaic.inference.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mosaic.inference.model.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerJsonTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String G = "\u0120";
    private static final String SP = "\u2581";

    @TempDir
    Path dir;

    /** The same Llama-3-like vocabulary as GGUF metadata and as tokenizer.json, so both paths can be compared. */
    private static TestVocabs.Builder llama3Vocab() {
        TestVocabs.Builder b = TestVocabs.byteLevel();
        TestVocabs.mergeToken(b, G, "t");
        TestVocabs.mergeToken(b, "h", "e");
        TestVocabs.mergeToken(b, G + "t", "he");
        TestVocabs.mergeToken(b, "1", "2");
        TestVocabs.mergeToken(b, "12", "3");
        TestVocabs.mergeToken(b, "\u010A", "\u010A");
        b.normal(G + "xyz", 0); // only reachable through ignore_merges
        b.add("<|begin_of_text|>", 0, TokenType.CONTROL);
        b.add("<|end_of_text|>", 0, TokenType.CONTROL);
        b.add("<|start_header_id|>", 0, TokenType.CONTROL);
        b.add("<|end_header_id|>", 0, TokenType.CONTROL);
        b.add("<|eot_id|>", 0, TokenType.CONTROL);
        return b;
    }

    /** Writes b as tokenizer.json: normal tokens in model.vocab, the rest in added_tokens. */
    private static ObjectNode tokenizerJson(TestVocabs.Builder b, boolean arrayMerges) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        ObjectNode vocab = model.putObject("vocab");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < b.tokens.size(); i++) {
            String text = (String) b.tokens.get(i);
            long type = (Long) b.types.get(i);
            if (type == TokenType.CONTROL.code() || type == TokenType.USER_DEFINED.code()) {
                added.addObject().put("id", i).put("content", text).put("special", type == TokenType.CONTROL.code());
            } else {
                vocab.put(text, i);
            }
        }
        ArrayNode merges = model.putArray("merges");
        for (Object m : b.merges) {
            String rule = (String) m;
            if (arrayMerges) {
                int space = rule.indexOf(' ', 1);
                merges.addArray().add(rule.substring(0, space)).add(rule.substring(space + 1));
            } else {
                merges.add(rule);
            }
        }
        return root;
    }

    private static ObjectNode splitThenByteLevel(String regex) {
        ObjectNode pre = JSON.createObjectNode().put("type", "Sequence");
        ArrayNode steps = pre.putArray("pretokenizers");
        steps.addObject().put("type", "Split").put("behavior", "Isolated").put("invert", false)
                .putObject("pattern").put("Regex", regex);
        steps.addObject().put("type", "ByteLevel").put("add_prefix_space", false).put("use_regex", false);
        return pre;
    }

    private Path write(String name, Object node) throws IOException {
        Path p = dir.resolve(name);
        JSON.writeValue(p.toFile(), node);
        return p;
    }

    private static final List<String> TEXTS = List.of("the 12345 xyz", " the  the\n\nend", "a xyz", "日本 🎉 I'M",
            "<|eot_id|> the", "");

    @Test
    void llama3JsonMatchesTheGgufVocabulary() throws IOException {
        TestVocabs.Builder b = llama3Vocab();
        ObjectNode root = tokenizerJson(b, true);
        ((ObjectNode) root.get("model")).put("ignore_merges", true);
        root.set("pre_tokenizer", splitThenByteLevel(SplitPatterns.LLAMA3));
        root.putObject("decoder").put("type", "ByteLevel");
        ObjectNode post = root.putObject("post_processor").put("type", "Sequence");
        ArrayNode procs = post.putArray("processors");
        procs.addObject().put("type", "ByteLevel");
        ObjectNode tp = procs.addObject().put("type", "TemplateProcessing");
        tp.putArray("single").addObject().putObject("SpecialToken").put("id", "<|begin_of_text|>").put("type_id", 0);
        tp.putObject("special_tokens").putObject("<|begin_of_text|>").put("id", "<|begin_of_text|>")
                .putArray("ids").add(b.id("<|begin_of_text|>"));
        Path file = write("tokenizer.json", root);
        write("tokenizer_config.json", JSON.createObjectNode().put("chat_template", ChatTemplateTest.LLAMA3_JINJA)
                .put("bos_token", "<|begin_of_text|>").put("eos_token", "<|eot_id|>"));

        Tokenizer json = Tokenizers.fromTokenizerJson(file);
        Tokenizer gguf = Tokenizers.fromGguf(b.put("tokenizer.ggml.pre", "llama-bpe").gguf("gpt2"));
        for (String s : TEXTS) {
            assertArrayEquals(gguf.encode(s, true), json.encode(s, true), s);
            assertArrayEquals(gguf.encode(s, false), json.encode(s, false), s);
            assertEquals(s, json.decode(json.encode(s)));
        }
        // Llama 3 split: "the" " " "123" "45" " xyz"; "the" has no leading space so only h+e applies; "Ġxyz" is
        // taken whole (ignore_merges) although no rule builds it.
        assertArrayEquals(new int[] {'t', b.id("he"), ' ', b.id("123"), '4', '5', b.id(G + "xyz")}, json.encode("the 12345 xyz"));
        assertEquals(b.id("<|begin_of_text|>"), json.bosId());
        assertEquals(b.id("<|eot_id|>"), json.eosId());
        assertTrue(json.stopIds().containsAll(List.of(b.id("<|eot_id|>"), b.id("<|end_of_text|>"))));
        assertEquals(new Llama3ChatTemplate("<|begin_of_text|>"), json.chatTemplate().orElseThrow());
        assertEquals(b.tokens.size(), json.vocabSize());
    }

    @Test
    void qwen2JsonNormalizesAndSplitsDigits() throws IOException {
        TestVocabs.Builder b = TestVocabs.byteLevel();
        TestVocabs.mergeToken(b, "\u00C3", "\u00A9"); // é = C3 A9
        TestVocabs.mergeToken(b, "1", "2");
        int eot = b.add("<|endoftext|>", 0, TokenType.CONTROL);
        int imStart = b.add("<|im_start|>", 0, TokenType.CONTROL);
        int imEnd = b.add("<|im_end|>", 0, TokenType.CONTROL);
        ObjectNode root = tokenizerJson(b, false);
        root.putObject("normalizer").put("type", "NFC");
        root.set("pre_tokenizer", splitThenByteLevel(SplitPatterns.QWEN2));
        root.putObject("decoder").put("type", "ByteLevel");
        Path file = write("tokenizer.json", root);
        write("tokenizer_config.json", JSON.createObjectNode().put("chat_template", ChatTemplateTest.QWEN2_JINJA)
                .put("eos_token", "<|im_end|>").putNull("bos_token"));
        ObjectNode gen = JSON.createObjectNode();
        gen.putArray("eos_token_id").add(imEnd).add(eot);
        write("generation_config.json", gen);

        Tokenizer t = Tokenizers.fromTokenizerJson(file);
        // NFC turns e + U+0301 into é (C3 A9), which the one rule merges; "12" stays two digits under Qwen2's split.
        int ee = b.id("\u00C3\u00A9");
        assertArrayEquals(new int[] {ee}, t.encode("e\u0301"));
        assertArrayEquals(new int[] {ee}, t.encode("é"));
        assertArrayEquals(new int[] {'1', '2'}, t.encode("12"));
        assertEquals(-1, t.bosId());
        assertEquals(imEnd, t.eosId());
        assertEquals(java.util.Set.of(imEnd, eot), t.stopIds());
        assertArrayEquals(new int[] {imStart, 'u', 's', 'e', 'r', '\n', 'h', 'i', imEnd, '\n'},
                t.encode(new ChatMlTemplate(null).render(List.of(new ChatMessage("user", "hi")), false), true));
        assertEquals(new ChatMlTemplate("You are a helpful assistant."), t.chatTemplate().orElseThrow());
    }

    @Test
    void gpt2JsonUsesTheByteLevelRegex() throws IOException {
        TestVocabs.Builder b = TestVocabs.byteLevel();
        TestVocabs.mergeToken(b, G, "t");
        TestVocabs.mergeToken(b, "1", "2");
        ObjectNode root = tokenizerJson(b, false);
        root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false).put("use_regex", true);
        root.putObject("decoder").put("type", "ByteLevel");
        Tokenizer json = Tokenizers.fromTokenizerJson(write("tokenizer.json", root));
        Tokenizer gguf = Tokenizers.fromGguf(b.gguf("gpt2"));
        for (String s : TEXTS) {
            assertArrayEquals(gguf.encode(s), json.encode(s), s);
        }
        // add_prefix_space puts a space in front of text that does not start with one.
        root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", true).put("use_regex", true);
        Tokenizer prefixed = Tokenizers.fromTokenizerJson(write("tokenizer.json", root));
        assertArrayEquals(new int[] {b.id(G + "t"), 'o'}, prefixed.encode("to"));
    }

    /** Llama 2 style: character BPE with byte fallback, spaces as ▁ by normaliser or by Metaspace. */
    private static ObjectNode llama2Json(TestVocabs.Builder b) {
        ObjectNode root = tokenizerJson(b, false);
        ObjectNode model = (ObjectNode) root.get("model");
        model.put("byte_fallback", true).put("unk_token", "<unk>");
        // <unk> and the byte tokens live in model.vocab in Hugging Face's files.
        ArrayNode added = JSON.createArrayNode();
        for (var a : root.withArray("added_tokens")) {
            String content = a.get("content").asText();
            if (content.equals("<unk>")) {
                ((ObjectNode) model.get("vocab")).put(content, a.get("id").asInt());
            } else {
                added.add(a);
            }
        }
        root.set("added_tokens", added);
        return root;
    }

    private static TestVocabs.Builder llama2Vocab() {
        TestVocabs.Builder b = TestVocabs.sentencePiece();
        for (String c : new String[] {SP, "h", "e", "l", "o"}) {
            b.normal(c, 0);
        }
        TestVocabs.mergeToken(b, "h", "e");
        TestVocabs.mergeToken(b, "l", "l");
        TestVocabs.mergeToken(b, "he", "ll");
        TestVocabs.mergeToken(b, "hell", "o");
        TestVocabs.mergeToken(b, SP, "hello");
        return b;
    }

    @Test
    void llama2StyleCharacterBpeWithByteFallback() throws IOException {
        TestVocabs.Builder b = llama2Vocab();
        ObjectNode root = llama2Json(b);
        ObjectNode norm = root.putObject("normalizer").put("type", "Sequence");
        norm.putArray("normalizers").addObject().put("type", "Prepend").put("prepend", SP);
        norm.withArray("normalizers").addObject().put("type", "Replace").put("content", SP).putObject("pattern").put("String", " ");
        ObjectNode post = root.putObject("post_processor").put("type", "TemplateProcessing");
        post.putArray("single").addObject().putObject("SpecialToken").put("id", "<s>");
        Tokenizer t = Tokenizers.fromTokenizerJson(write("tokenizer.json", root));
        // "▁hello▁hé": ranks he, ll, hell, hello, ▁hello fire in order; the second h has no partner
        // (no "h▁" or "hé" rule) and é falls back to its bytes C3 A9 (ids 3 + byte).
        int[] ids = t.encode("hello hé");
        assertArrayEquals(new int[] {b.id(SP + "hello"), b.id(SP), b.id("h"), 3 + 0xC3, 3 + 0xA9}, ids);
        assertEquals("hello hé", t.decode(ids));
        assertEquals(1, t.bosId());
        assertArrayEquals(new int[] {b.id(SP), 3}, t.encode("\u0000"));

        // The same with a Metaspace pre-tokenizer instead of the normaliser (newer files).
        ObjectNode meta = llama2Json(llama2Vocab());
        meta.putObject("pre_tokenizer").put("type", "Metaspace").put("replacement", SP)
                .put("prepend_scheme", "first").put("split", false);
        Tokenizer m = Tokenizers.fromTokenizerJson(write("tokenizer.json", meta));
        assertArrayEquals(ids, m.encode("hello hé"));
        assertEquals("hello hé", m.decode(ids));
        for (String s : RoundTripTest.TRICKY) {
            assertEquals(s, t.decode(t.encode(s)));
            // Like Hugging Face's, Metaspace prepends nothing to text that already starts with a space,
            // so one leading space is lost on decoding; every other text round-trips.
            if (!s.startsWith(" ")) {
                assertEquals(s, m.decode(m.encode(s)));
            }
        }
        assertArrayEquals(new int[] {b.id(SP + "hello")}, m.encode(" hello"));
    }

    @Test
    void sideFilesInTheirOtherShapes() throws IOException {
        // BOS from add_bos_token with the token written as an object, EOS and stops from config.json's id list,
        // the chat template from a list of named templates, and a Split on a plain string.
        TestVocabs.Builder b = TestVocabs.byteLevel();
        int bos = b.add("<s>", 0, TokenType.CONTROL);
        int eos = b.add("</s>", 0, TokenType.CONTROL);
        int eot = b.add("<|eot_id|>", 0, TokenType.CONTROL);
        b.add("<|start_header_id|>", 0, TokenType.CONTROL);
        b.add("<|end_header_id|>", 0, TokenType.CONTROL);
        ObjectNode root = tokenizerJson(b, false);
        ObjectNode seq = root.putObject("pre_tokenizer").put("type", "Sequence");
        seq.putArray("pretokenizers").addObject().put("type", "Split").put("behavior", "Isolated")
                .putObject("pattern").put("String", "-");
        seq.withArray("pretokenizers").addObject().put("type", "ByteLevel").put("add_prefix_space", false).put("use_regex", false);
        root.putObject("normalizer").put("type", "Lowercase");
        Path file = write("tokenizer.json", root);
        ObjectNode tc = JSON.createObjectNode().put("add_bos_token", true);
        tc.putObject("bos_token").put("content", "<s>").put("lstrip", false);
        tc.putArray("chat_template").addObject().put("name", "tool_use").put("template", "{{ '<|im_start|>' }}");
        tc.withArray("chat_template").addObject().put("name", "default").put("template", ChatTemplateTest.LLAMA3_JINJA);
        write("tokenizer_config.json", tc);
        ObjectNode config = JSON.createObjectNode().put("model_type", "llama");
        config.putArray("eos_token_id").add(eos).add(eot);
        write("config.json", config);

        Tokenizer t = Tokenizers.fromTokenizerJson(file);
        assertEquals(bos, t.bosId());
        assertEquals(eos, t.eosId());
        assertEquals(java.util.Set.of(eos, eot), t.stopIds());
        assertEquals(new Llama3ChatTemplate("<s>"), t.chatTemplate().orElseThrow());
        // Lowercased, then split around "-": the pieces are "a", "-", "b c" (no regex, so the space stays inside).
        assertArrayEquals(new int[] {'a', '-', 'b', ' ', 'c'}, t.encode("A-B C"));
        assertEquals("a-b c", t.decode(t.encode("A-B C")));
    }

    @Test
    void unsupportedSplitBehaviourIsNamed() throws IOException {
        ObjectNode root = tokenizerJson(TestVocabs.byteLevel(), false);
        root.putObject("pre_tokenizer").put("type", "Split").put("behavior", "MergedWithPrevious")
                .putObject("pattern").put("Regex", "\\s");
        expect(write("tokenizer.json", root), "pre_tokenizer.behavior", "MergedWithPrevious");
    }

    @Test
    void errorsNameFileFieldAndReason() throws IOException {
        ModelFormatException missing = assertThrows(ModelFormatException.class,
                () -> Tokenizers.fromTokenizerJson(dir.resolve("nope.json")));
        assertTrue(missing.getMessage().contains("nope.json"), missing.getMessage());

        Path broken = dir.resolve("tokenizer.json");
        Files.writeString(broken, "{\"model\": {\"type\": \"BPE\", ");
        ModelFormatException parse = assertThrows(ModelFormatException.class, () -> Tokenizers.fromTokenizerJson(broken));
        assertEquals(broken, parse.file());

        ObjectNode wordPiece = tokenizerJson(TestVocabs.byteLevel(), false);
        ((ObjectNode) wordPiece.get("model")).put("type", "WordPiece");
        expect(write("tokenizer.json", wordPiece), "model.type", "WordPiece");

        ObjectNode badMerge = tokenizerJson(TestVocabs.byteLevel(), false);
        ((ArrayNode) badMerge.get("model").get("merges")).add("a b").add("zz q");
        expect(write("tokenizer.json", badMerge), "model.merges", "entry 0");

        ObjectNode badPre = tokenizerJson(TestVocabs.byteLevel(), false);
        badPre.putObject("pre_tokenizer").put("type", "BertPreTokenizer");
        expect(write("tokenizer.json", badPre), "pre_tokenizer.type", "BertPreTokenizer");

        ObjectNode badRegex = tokenizerJson(TestVocabs.byteLevel(), false);
        badRegex.putObject("pre_tokenizer").put("type", "Split").put("behavior", "Isolated")
                .putObject("pattern").put("Regex", "(unclosed");
        expect(write("tokenizer.json", badRegex), "pre_tokenizer.pattern", "regex");

        ObjectNode sparse = tokenizerJson(TestVocabs.byteLevel(), false);
        sparse.withArray("added_tokens").addObject().put("id", 2_000_000_000).put("content", "<|x|>").put("special", true);
        expect(write("tokenizer.json", sparse), "added_tokens[0].id", "id 2000000000 is outside [0, ");

        ObjectNode clash = tokenizerJson(TestVocabs.byteLevel(), false);
        clash.withArray("added_tokens").addObject().put("id", 65).put("content", "<|x|>").put("special", true);
        expect(write("tokenizer.json", clash), "added_tokens", "id 65");
    }

    /** Issue 12: an id of 2^31-1 (or negative, or far past the token count) was an index error, not a named field. */
    @Test
    void outOfRangeIdsNameTheEntry() throws IOException {
        for (long bad : new long[] {Integer.MAX_VALUE, -1, Integer.MIN_VALUE, 3_000_000_000L, 1_000_000}) {
            ObjectNode vocab = tokenizerJson(TestVocabs.byteLevel(), false);
            ((ObjectNode) vocab.get("model").get("vocab")).put("x\u001b", bad);
            expect(write("tokenizer.json", vocab), "model.vocab[\"x\\u001B\"]", "id " + bad + " ");

            ObjectNode added = tokenizerJson(TestVocabs.byteLevel(), false);
            added.withArray("added_tokens").addObject().put("id", 300).put("content", "<|a|>").put("special", true);
            added.withArray("added_tokens").addObject().put("id", bad).put("content", "<|x|>").put("special", true);
            expect(write("tokenizer.json", added), "added_tokens[1].id", "id " + bad + " is outside [0, ");
        }
        ObjectNode fraction = tokenizerJson(TestVocabs.byteLevel(), false);
        ((ObjectNode) fraction.get("model").get("vocab")).put("x", 3.5);
        expect(write("tokenizer.json", fraction), "model.vocab[\"x\"]", "not an integer");

        // Sparse ids within twice the token count (plus 1024) still load, the gaps as unused ids.
        ObjectNode sparse = tokenizerJson(TestVocabs.byteLevel(), false);
        sparse.withArray("added_tokens").addObject().put("id", 1500).put("content", "<|x|>").put("special", true);
        ((ObjectNode) sparse.get("model").get("vocab")).put("zz", 1400);
        Tokenizer t = Tokenizers.fromTokenizerJson(write("tokenizer.json", sparse));
        assertEquals(1501, t.vocabSize());
        assertArrayEquals(new int[] {1500}, t.encode("<|x|>", true));
        assertEquals("", t.decode(new int[] {1000}));
    }

    /**
     * Issue 12: a Split regex such as {@code (a|b)*} made java.util.regex recurse once per
     * character and overflow the stack on a 200 KB input. Run on a thread with a 512 KB stack so
     * that the overflow would happen for sure without the windowed fallback.
     */
    @Test
    void aRecursiveSplitRegexOnLongTextDoesNotOverflowTheStack() throws Exception {
        TestVocabs.Builder b = TestVocabs.byteLevel();
        int ab = TestVocabs.mergeToken(b, "a", "b");
        ObjectNode root = tokenizerJson(b, false);
        root.set("pre_tokenizer", splitThenByteLevel("(a|b)*"));
        root.putObject("decoder").put("type", "ByteLevel");
        Tokenizer t = Tokenizers.fromTokenizerJson(write("tokenizer.json", root));
        String text = "ab".repeat(100_000);
        Object[] result = new Object[1];
        Thread small = new Thread(null, () -> {
            try {
                int[] shortIds = t.encode("abba ab");
                int[] ids = t.encode(text);
                result[0] = new int[][] {shortIds, ids};
            } catch (Throwable e) {
                result[0] = e;
            }
        }, "small-stack-tokenizer", 512 * 1024);
        small.start();
        small.join(java.time.Duration.ofSeconds(30));
        assertFalse(small.isAlive(), "tokenizing 200 KB did not finish in 30 s");
        if (result[0] instanceof Throwable e) {
            throw new AssertionError("tokenizing 200 KB threw " + e, e);
        }
        int[][] ids = (int[][]) result[0];
        // Short text is split as before: one match "abba", then " ", then "ab".
        assertArrayEquals(new int[] {ab, 'b', 'a', ' ', ab}, ids[0]);
        // Windows hold an even number of characters here, so no "ab" pair is cut apart.
        assertEquals(100_000, ids[1].length);
        assertTrue(java.util.Arrays.stream(ids[1]).allMatch(id -> id == ab));
        assertEquals(text, t.decode(ids[1]));
    }

    /** A tokenizer.json next to safetensors with more ids than the model's embedding has rows. */
    @Test
    void tokenizerLargerThanTheModelVocabularyIsRefused() throws IOException {
        dev.mosaic.inference.model.ModelConfig c = dev.mosaic.inference.model.SyntheticModel.tiny("llama", true);
        Path st = dev.mosaic.inference.model.SyntheticModel.writeSafetensors(c, dev.mosaic.inference.tensor.GgmlType.F32, 1,
                dir.resolve("st"));
        Path json = st.resolve("tokenizer.json");
        ObjectNode root = (ObjectNode) JSON.readTree(json.toFile());
        root.withArray("added_tokens").addObject().put("id", c.vocabSize() + 10).put("content", "<|extra|>").put("special", true);
        JSON.writeValue(json.toFile(), root);
        try (dev.mosaic.inference.model.Model m = dev.mosaic.inference.model.ModelLoader.open(st)) {
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> Tokenizers.forModel(m));
            assertEquals(json, e.file());
            assertEquals("model.vocab", e.field());
            assertTrue(e.getMessage().contains("up to " + (c.vocabSize() + 10)) && e.getMessage().contains("vocabulary of " + c.vocabSize()),
                    e.getMessage());
        }
    }

    private static void expect(Path file, String field, String reasonPart) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Tokenizers.fromTokenizerJson(file));
        assertEquals(file, e.file());
        assertEquals(field, e.field());
        assertTrue(e.getMessage().contains(reasonPart), e.getMessage());
    }
}
