package dev.mosaic.inference.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** encode -> decode gives the input back, and token bytes add up to the decoded text, on awkward unicode. */
class RoundTripTest {

    private static final String SP = "\u2581";
    private static final String G = "\u0120";

    static final List<String> TRICKY = List.of(
            "日本語のテキストです。中文也可以。한국어",
            "emoji 🎉👍🏽 family 👩\u200D👩\u200D👧 flag 🇫🇷",
            "combining: e\u0301 a\u0308 n\u0303 and precomposed é ä ñ",
            "windows\r\nlines\r\n\r\nand\ttabs\t\tinside",
            "trailing spaces   ",
            "   leading spaces",
            "mixed 12345 numbers 3.14159 -7 ½ ²",
            "apostrophes: I'm, you're, WE'LL, it’s",
            "\u00A0nbsp\u3000ideographic space\u2028line separator",
            "control \u0000 nul \u0007 bell \u001B esc",
            "<s> </s> <|eot_id|> not special here",
            " ",
            "\n",
            "x");

    static List<Tokenizer> tokenizers() {
        TestVocabs.Builder spm = TestVocabs.sentencePiece();
        for (String p : new String[] {SP, "e", "t", "h", "a", "n", "s", SP + "t", "he", SP + "the", "an", "in", "es", "日本"}) {
            spm.normal(p, -p.length());
        }
        TestVocabs.Builder qwen = TestVocabs.byteLevel();
        TestVocabs.mergeToken(qwen, G, "t");
        TestVocabs.mergeToken(qwen, "h", "e");
        TestVocabs.mergeToken(qwen, G + "t", "he");
        TestVocabs.mergeToken(qwen, "i", "n");
        TestVocabs.mergeToken(qwen, G, G);
        TestVocabs.mergeToken(qwen, "\u010A", "\u010A");
        TestVocabs.mergeToken(qwen, "\u00E6", "\u0139"); // first two bytes of 日 (E6 97)
        qwen.put("tokenizer.ggml.pre", "qwen2");
        TestVocabs.Builder llama3 = TestVocabs.byteLevel();
        TestVocabs.mergeToken(llama3, G, "t");
        TestVocabs.mergeToken(llama3, "e", "s");
        llama3.normal(G + "spaces", 0);
        llama3.put("tokenizer.ggml.pre", "llama-bpe");
        return List.of(Tokenizers.fromGguf(spm.gguf("llama")), Tokenizers.fromGguf(qwen.gguf("gpt2")),
                Tokenizers.fromGguf(llama3.gguf("gpt2")));
    }

    private static final List<Tokenizer> TOKENIZERS = tokenizers();

    private static void check(Tokenizer t, String text) {
        int[] ids = t.encode(text);
        assertEquals(text, t.decode(ids), () -> t.getClass().getSimpleName() + " round trip of " + escape(text));
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (int id : ids) {
            all.writeBytes(t.tokenBytes(id));
        }
        // SentencePiece puts one space in front when encoding; decode drops it, tokenBytes keep it.
        String expected = t instanceof SentencePieceTokenizer && !text.isEmpty() ? " " + text : text;
        assertArrayEquals(expected.getBytes(StandardCharsets.UTF_8), all.toByteArray(), () -> "token bytes of " + escape(text));
    }

    @Test
    void trickyStrings() {
        for (Tokenizer t : TOKENIZERS) {
            for (String s : TRICKY) {
                check(t, s);
            }
            check(t, String.join("", TRICKY));
        }
    }

    @Test
    void longRunsNeedNoDeepStack() throws InterruptedException {
        // 100k-character runs of one class (one pre-token / one merge chain each) on a thread with a
        // 256 KiB stack: regex matching and merging must be iterative.
        String[] runs = {"ab".repeat(50_000), " ".repeat(100_000), "7".repeat(100_000), "\n".repeat(100_000),
            "日".repeat(100_000), "!?".repeat(50_000)};
        Throwable[] failure = new Throwable[1];
        Thread worker = new Thread(null, () -> {
            try {
                for (Tokenizer t : TOKENIZERS) {
                    for (String run : runs) {
                        assertEquals(run, t.decode(t.encode(run)));
                    }
                }
            } catch (Throwable e) {
                failure[0] = e;
            }
        }, "small-stack", 256 * 1024);
        worker.start();
        worker.join();
        if (failure[0] != null) {
            throw new AssertionError(failure[0]);
        }
    }

    /** Issue 12: lone surrogates became '?' (String.getBytes); they encode as U+FFFD, a pair as its code point. */
    @Test
    void loneSurrogatesTokenizeAsTheReplacementCharacter() {
        String fffd = "\uFFFD";
        for (Tokenizer t : TOKENIZERS) {
            String name = t.getClass().getSimpleName();
            assertArrayEquals(t.encode(fffd), t.encode("\uD800"), name + ": lone high surrogate");
            assertArrayEquals(t.encode(fffd), t.encode("\uDC00"), name + ": lone low surrogate");
            assertEquals(fffd, t.decode(t.encode("\uDBFF")), name);
            assertArrayEquals(t.encode("a" + fffd + fffd + " b" + fffd), t.encode("a\uDE00\uD83D b\uD83D"), name + ": reversed pair, trailing high");
            assertArrayEquals(t.encode("x \uD83C\uDF89 y"), t.encode("x 🎉 y"), name + ": a real pair is untouched");
            assertArrayEquals(t.encode(fffd, true), t.encode("\uDFFF", true), name + " with specials");
        }
    }

    @Property(tries = 300, seed = "20261121")
    void randomUnicode(@ForAll("texts") String text) {
        for (Tokenizer t : TOKENIZERS) {
            check(t, text);
        }
    }

    @Provide
    Arbitrary<String> texts() {
        // Any scalar value (no lone surrogates, no U+2581 which SentencePiece reserves for spaces),
        // mixed with plenty of ASCII letters, spaces and digits so merges actually fire.
        Arbitrary<Integer> any = Arbitraries.integers().between(0, 0x10FFFF)
                .filter(cp -> (cp < 0xD800 || cp > 0xDFFF) && cp != 0x2581);
        Arbitrary<Integer> common = Arbitraries.of((int) ' ', (int) 't', (int) 'h', (int) 'e', (int) '\n', (int) '1', (int) 'é', 0x65E5);
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(1, any), net.jqwik.api.Tuple.of(3, common))
                .list().ofMinSize(1).ofMaxSize(40)
                .map(cps -> {
                    StringBuilder sb = new StringBuilder();
                    cps.forEach(sb::appendCodePoint);
                    return sb.toString();
                });
    }

    private static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(cp -> sb.append(cp < 0x20 || cp > 0x7E ? String.format("\\u{%X}", cp) : String.valueOf((char) cp)));
        return sb.toString();
    }
}
