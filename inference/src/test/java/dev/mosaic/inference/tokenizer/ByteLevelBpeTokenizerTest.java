package dev.mosaic.inference.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ByteLevelBpeTokenizerTest {

    private static final String G = "\u0120"; // GPT-2's character for the space byte

    @Test
    void byteMappingIsGpt2s() {
        assertEquals('\u0120', ByteLevel.charOf(' '));
        assertEquals('\u010A', ByteLevel.charOf('\n'));
        assertEquals('A', ByteLevel.charOf('A'));
        assertEquals('\u0100', ByteLevel.charOf(0));
        assertEquals('\u0143', ByteLevel.charOf(0xAD)); // the last unprintable byte gets 256 + 67
        for (int b = 0; b < 256; b++) {
            assertEquals(b, ByteLevel.byteOf(ByteLevel.charOf(b)));
        }
    }

    /**
     * Ranks: 0 Ġ+t, 1 h+e, 2 Ġt+he, 3 e+r. " the" = Ġ t h e -> rank 0 gives Ġt h e, rank 1 Ġt he,
     * rank 2 Ġthe. "the" = t h e -> only h+e applies (t+he has no rule) -> t he.
     */
    @Test
    void handWorkedMerges() {
        TestVocabs.Builder b = TestVocabs.byteLevel();
        int gt = TestVocabs.mergeToken(b, G, "t");
        int he = TestVocabs.mergeToken(b, "h", "e");
        int gthe = TestVocabs.mergeToken(b, G + "t", "he");
        int er = TestVocabs.mergeToken(b, "e", "r");
        Tokenizer t = Tokenizers.fromGguf(b.gguf("gpt2"));
        assertArrayEquals(new int[] {gthe}, t.encode(" the"));
        assertArrayEquals(new int[] {'t', he}, t.encode("the"));
        // "the other" splits (GPT-2 regex) into "the" and " other"; in " other" h+e (rank 1) beats e+r (rank 3),
        // leaving Ġ o t he r; "Ġt" never forms because Ġ and t are not adjacent.
        assertArrayEquals(new int[] {'t', he, ' ', 'o', 't', he, 'r'}, t.encode("the other"));
        assertArrayEquals(new int[] {'o', 'v', er}, t.encode("over"));
        assertEquals(256, gt);
    }

    @Test
    void mergeRankDecides() {
        // Same vocabulary, opposite rule order: "her" -> he r, or h er.
        TestVocabs.Builder first = TestVocabs.byteLevel();
        int he = TestVocabs.mergeToken(first, "h", "e");
        int er1 = TestVocabs.mergeToken(first, "e", "r");
        TestVocabs.Builder second = TestVocabs.byteLevel();
        int er = TestVocabs.mergeToken(second, "e", "r");
        int he2 = TestVocabs.mergeToken(second, "h", "e");
        assertArrayEquals(new int[] {he, 'r'}, Tokenizers.fromGguf(first.gguf("gpt2")).encode("her"));
        assertArrayEquals(new int[] {'h', er}, Tokenizers.fromGguf(second.gguf("gpt2")).encode("her"));
        assertTrue(er1 != he && he2 != er);
    }

    @Test
    void equalPairsMergeLeftmostFirst() {
        // "aaa": the rule a+a applies at 0 and at 1 with the same rank; leftmost wins -> aa a.
        TestVocabs.Builder b = TestVocabs.byteLevel();
        int aa = TestVocabs.mergeToken(b, "a", "a");
        Tokenizer t = Tokenizers.fromGguf(b.gguf("gpt2"));
        assertArrayEquals(new int[] {aa, 'a'}, t.encode("aaa"));
        assertArrayEquals(new int[] {aa, aa, 'a'}, t.encode("aaaaa"));
    }

    @Test
    void llama3IgnoresMergesForWholeWordTokens() {
        // "Ġxyz" is a token but no rule chain builds it: Llama 3 (ignore_merges) takes it whole, GPT-2 does not.
        TestVocabs.Builder b = TestVocabs.byteLevel();
        int gx = TestVocabs.mergeToken(b, G, "x");
        int whole = b.normal(G + "xyz", 0);
        Tokenizer llama3 = Tokenizers.fromGguf(b.put("tokenizer.ggml.pre", "llama-bpe").gguf("gpt2"));
        Tokenizer gpt2 = Tokenizers.fromGguf(b.put("tokenizer.ggml.pre", "gpt-2").gguf("gpt2"));
        assertArrayEquals(new int[] {'a', whole}, llama3.encode("a xyz"));
        assertArrayEquals(new int[] {'a', gx, 'y', 'z'}, gpt2.encode("a xyz"));
    }

    @Test
    void preTokenizerChosenFromPre() {
        TestVocabs.Builder b = TestVocabs.byteLevel();
        int n12 = TestVocabs.mergeToken(b, "1", "2");
        int n123 = TestVocabs.mergeToken(b, "12", "3");
        int n45 = TestVocabs.mergeToken(b, "4", "5");
        TestVocabs.mergeToken(b, "123", "45");
        // Llama 3 groups digits by three, so 12345 can never become one token; Qwen2 splits every digit;
        // GPT-2 keeps the run together and merges it fully.
        assertArrayEquals(new int[] {n123, n45}, Tokenizers.fromGguf(b.put("tokenizer.ggml.pre", "llama3").gguf("gpt2")).encode("12345"));
        assertArrayEquals(new int[] {'1', '2', '3', '4', '5'},
                Tokenizers.fromGguf(b.put("tokenizer.ggml.pre", "qwen2").gguf("gpt2")).encode("12345"));
        assertArrayEquals(new int[] {b.id("12345")}, Tokenizers.fromGguf(b.put("tokenizer.ggml.pre", "default").gguf("gpt2")).encode("12345"));
        assertTrue(n12 > 255);
    }

    @Test
    void decodingIsExactWithPartialUtf8Tokens() {
        Tokenizer t = Tokenizers.fromGguf(TestVocabs.byteLevel().gguf("gpt2"));
        int[] ids = t.encode("é");
        assertArrayEquals(new int[] {0xC3, 0xA9}, ids);
        assertArrayEquals(new byte[] {(byte) 0xC3}, t.tokenBytes(0xC3));
        assertEquals("é", t.decode(ids));
        // A lone partial sequence decodes to U+FFFD rather than failing.
        assertEquals("\uFFFD", t.decode(new int[] {0xC3}));
    }

    @Test
    void specialAndUserDefinedTokens() {
        TestVocabs.Builder b = TestVocabs.byteLevel();
        int bot = b.add("<|begin_of_text|>", 0, TokenType.CONTROL);
        int eot = b.add("<|eot_id|>", 0, TokenType.CONTROL);
        int end = b.add("<|end_of_text|>", 0, TokenType.CONTROL);
        int tool = b.add("<tool>", 0, TokenType.USER_DEFINED);
        b.put("tokenizer.ggml.bos_token_id", (long) bot).put("tokenizer.ggml.eos_token_id", (long) end)
                .put("tokenizer.ggml.pre", "llama-bpe");
        Tokenizer t = Tokenizers.fromGguf(b.gguf("gpt2"));
        assertArrayEquals(new int[] {'h', 'i', eot}, t.encode("hi<|eot_id|>", true));
        int[] plain = t.encode("hi<|eot_id|>", false);
        assertFalse(Arrays.stream(plain).anyMatch(id -> id == eot));
        assertEquals("hi<|eot_id|>", t.decode(plain));
        // User-defined tokens are matched whatever the flag, and decode to their text.
        assertArrayEquals(new int[] {'a', tool, 'b'}, t.encode("a<tool>b", false));
        assertEquals("a<tool>b", t.decode(t.encode("a<tool>b", false)));
        // Control tokens contribute no text.
        assertEquals("hi", t.decode(t.encode("hi<|eot_id|>", true)));
        assertEquals(0, t.tokenBytes(eot).length);
        assertTrue(t.isSpecial(eot));
        assertFalse(t.isSpecial(tool));
        assertEquals(bot, t.bosId()); // llama-bpe adds BOS by default
        assertEquals(end, t.eosId());
        assertEquals(Set.of(eot, end), t.stopIds());
    }

    @Test
    void longestSpecialTokenWins() {
        TestVocabs.Builder b = TestVocabs.byteLevel();
        int shortTok = b.add("<|im", 0, TokenType.CONTROL);
        int longTok = b.add("<|im_start|>", 0, TokenType.CONTROL);
        Tokenizer t = Tokenizers.fromGguf(b.gguf("gpt2"));
        assertArrayEquals(new int[] {longTok, 'x', shortTok}, t.encode("<|im_start|>x<|im", true));
    }

    @Test
    void tokenBytesConcatenateToDecodedText() {
        TestVocabs.Builder b = TestVocabs.byteLevel();
        TestVocabs.mergeToken(b, G, "t");
        TestVocabs.mergeToken(b, "h", "e");
        b.add("<|eot_id|>", 0, TokenType.CONTROL);
        b.put("tokenizer.ggml.pre", "qwen2");
        Tokenizer t = Tokenizers.fromGguf(b.gguf("gpt2"));
        for (String s : new String[] {"the thé 日本 🎉\r\n\t x  ", "<|eot_id|> the end", ""}) {
            int[] ids = t.encode(s, true);
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (int id : ids) {
                all.writeBytes(t.tokenBytes(id));
            }
            assertArrayEquals(t.decode(ids).getBytes(StandardCharsets.UTF_8), all.toByteArray());
        }
    }

    @Test
    void gpt2DoesNotAddBosUnlessAsked() {
        TestVocabs.Builder b = TestVocabs.byteLevel();
        int eos = b.add("<|endoftext|>", 0, TokenType.CONTROL);
        b.put("tokenizer.ggml.bos_token_id", (long) eos).put("tokenizer.ggml.eos_token_id", (long) eos);
        Map<String, Object> md = b.gguf("gpt2");
        assertEquals(-1, Tokenizers.fromGguf(md).bosId());
        md.put("tokenizer.ggml.add_bos_token", true);
        assertEquals(eos, Tokenizers.fromGguf(md).bosId());
    }
}
