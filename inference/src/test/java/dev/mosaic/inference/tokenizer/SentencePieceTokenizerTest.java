package dev.mosaic.inference.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SentencePieceTokenizerTest {

    private static final String SP = "\u2581";

    /**
     * Pieces chosen so that score order, not left-to-right greed, decides: for "hello world"
     * (escaped "▁hello▁world") the candidate pairs in score order are ll(-1), or(-1.5), he(-2),
     * then hell(-3) appears, wor(-3.5), hello(-4), ▁w(-4.5) -- stale, because w already became
     * "wor" -- ▁hello(-5), ld(-6), and finally world(-7). Result: ▁hello ▁ world.
     */
    private static TestVocabs.Builder helloWorld() {
        TestVocabs.Builder b = TestVocabs.sentencePiece();
        for (String c : new String[] {SP, "h", "e", "l", "o", "w", "r", "d"}) {
            b.normal(c, -10);
        }
        b.normal("ll", -1);
        b.normal("or", -1.5);
        b.normal("he", -2);
        b.normal("hell", -3);
        b.normal("wor", -3.5);
        b.normal("hello", -4);
        b.normal(SP + "w", -4.5);
        b.normal(SP + "hello", -5);
        b.normal("ld", -6);
        b.normal("world", -7);
        return b;
    }

    @Test
    void mergesByScoreNotLeftToRight() {
        TestVocabs.Builder b = helloWorld();
        Tokenizer t = Tokenizers.fromGguf(b.gguf("llama"));
        assertArrayEquals(new int[] {b.id(SP + "hello"), b.id(SP), b.id("world")}, t.encode("hello world"));
        assertEquals("hello world", t.decode(t.encode("hello world")));
    }

    @Test
    void higherScoreWinsWhenPairsOverlap() {
        // "▁abc": "ab" and "bc" compete for b. With bc scored higher we must get ▁ a bc; swapping
        // the scores must give ▁ ab c.
        TestVocabs.Builder b1 = TestVocabs.sentencePiece();
        for (String c : new String[] {SP, "a", "b", "c"}) {
            b1.normal(c, -10);
        }
        b1.normal("ab", -2);
        b1.normal("bc", -1);
        assertArrayEquals(new int[] {b1.id(SP), b1.id("a"), b1.id("bc")}, Tokenizers.fromGguf(b1.gguf("llama")).encode("abc"));

        TestVocabs.Builder b2 = TestVocabs.sentencePiece();
        for (String c : new String[] {SP, "a", "b", "c"}) {
            b2.normal(c, -10);
        }
        b2.normal("ab", -1);
        b2.normal("bc", -2);
        assertArrayEquals(new int[] {b2.id(SP), b2.id("ab"), b2.id("c")}, Tokenizers.fromGguf(b2.gguf("llama")).encode("abc"));
    }

    @Test
    void equalScoresMergeLeftmostFirst() {
        // No space prefix: "aaa" has two equal candidates (a,a)@0 and (a,a)@1; leftmost wins -> aa a.
        TestVocabs.Builder b = TestVocabs.sentencePiece();
        b.normal("a", -10);
        b.normal("aa", -1);
        b.put("tokenizer.ggml.add_space_prefix", false);
        Tokenizer t = Tokenizers.fromGguf(b.gguf("llama"));
        assertArrayEquals(new int[] {b.id("aa"), b.id("a")}, t.encode("aaa"));
        assertArrayEquals(new int[] {b.id("aa"), b.id("aa")}, t.encode("aaaa"));
        assertEquals("aaa", t.decode(t.encode("aaa")));
    }

    @Test
    void unknownCharactersFallBackToUtf8ByteTokens() {
        TestVocabs.Builder b = helloWorld();
        Tokenizer t = Tokenizers.fromGguf(b.gguf("llama"));
        // "hé": ▁ h é; no piece joins them and é (U+00E9 = C3 A9) has no piece -> <0xC3> <0xA9>, ids 3 + byte.
        assertArrayEquals(new int[] {b.id(SP), b.id("h"), 3 + 0xC3, 3 + 0xA9}, t.encode("hé"));
        assertArrayEquals(new byte[] {(byte) 0xC3}, t.tokenBytes(3 + 0xC3));
        assertEquals("hé", t.decode(t.encode("hé")));
        // A 4-byte emoji becomes four byte tokens and decodes back.
        int[] ids = t.encode("🎉");
        assertArrayEquals(new int[] {b.id(SP), 3 + 0xF0, 3 + 0x9F, 3 + 0x8E, 3 + 0x89}, ids);
        assertEquals("🎉", t.decode(ids));
    }

    @Test
    void withoutByteTokensUnknownCharactersBecomeUnk() {
        TestVocabs.Builder b = new TestVocabs.Builder();
        b.add("<unk>", 0, TokenType.UNKNOWN);
        b.normal(SP, -1);
        b.normal("a", -1);
        Tokenizer t = Tokenizers.fromGguf(b.gguf("llama"));
        assertArrayEquals(new int[] {1, 2, 0}, t.encode("aé"));
        assertEquals("a\uFFFD", t.decode(t.encode("aé")));
    }

    @Test
    void spacePrefixFollowsTheFlag() {
        TestVocabs.Builder b = helloWorld();
        b.put("tokenizer.ggml.add_space_prefix", false);
        Tokenizer t = Tokenizers.fromGguf(b.gguf("llama"));
        assertArrayEquals(new int[] {b.id("hello")}, t.encode("hello"));
        assertEquals("hello", t.decode(t.encode("hello")));
        // Leading spaces survive a round trip in both modes.
        Tokenizer prefixed = Tokenizers.fromGguf(helloWorld().gguf("llama"));
        assertEquals("  hello", prefixed.decode(prefixed.encode("  hello")));
        assertEquals("  hello", t.decode(t.encode("  hello")));
    }

    @Test
    void tokenBytesConcatenateToTheTextWithTheEncodingSpace() {
        Tokenizer t = Tokenizers.fromGguf(helloWorld().gguf("llama"));
        int[] ids = t.encode("hello wörld");
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (int id : ids) {
            all.writeBytes(t.tokenBytes(id));
        }
        assertEquals(" hello wörld", all.toString(StandardCharsets.UTF_8));
        assertEquals("hello wörld", t.decode(ids));
    }

    @Test
    void controlTokensMatchOnlyWhenAllowedAndAreNeverSpelledByMerges() {
        TestVocabs.Builder b = helloWorld();
        // Pieces that could spell "<s>" by merging: the control token must still not come out of plain text.
        b.normal("<", -10);
        b.normal("s", -10);
        b.normal(">", -10);
        b.normal("<s", -1);
        Tokenizer t = Tokenizers.fromGguf(b.gguf("llama"));
        int[] plain = t.encode("<s>hello", false);
        assertFalse(java.util.Arrays.stream(plain).anyMatch(id -> id == 1));
        // ▁<s>hello: "<s" (-1) merges first; "<s"+">" would be the control token <s>, which is no piece.
        assertArrayEquals(new int[] {b.id(SP), b.id("<s"), b.id(">"), b.id("hello")}, plain);
        assertEquals("<s>hello", t.decode(plain));
        // Allowed: <s> is one token, and (as in llama.cpp) the text after it gets the space prefix.
        assertArrayEquals(new int[] {1, b.id(SP + "hello")}, t.encode("<s>hello", true));
        assertTrue(t.isSpecial(1));
        assertFalse(t.isSpecial(b.id("hello")));
        assertEquals(0, t.tokenBytes(1).length);
    }

    @Test
    void idsAndStops() {
        Tokenizer t = Tokenizers.fromGguf(helloWorld().gguf("llama"));
        assertEquals(1, t.bosId());
        assertEquals(2, t.eosId());
        assertEquals(Set.of(2), t.stopIds());
        assertEquals(helloWorld().tokens.size(), t.vocabSize());
        assertArrayEquals(new int[0], t.encode(""));
        assertEquals("", t.decode(new int[0]));
        assertThrows(IllegalArgumentException.class, () -> t.tokenBytes(t.vocabSize()));
        assertThrows(IllegalArgumentException.class, () -> t.decode(new int[] {-1}));
        Map<String, Object> noBos = helloWorld().put("tokenizer.ggml.add_bos_token", false).gguf("llama");
        assertEquals(-1, Tokenizers.fromGguf(noBos).bosId());
    }

    @Test
    void longTextEncodesAndRoundTrips() {
        Tokenizer t = Tokenizers.fromGguf(helloWorld().gguf("llama"));
        String text = "hello world, hellö wörld! ".repeat(4000);
        assertEquals(text, t.decode(t.encode(text)));
    }
}
