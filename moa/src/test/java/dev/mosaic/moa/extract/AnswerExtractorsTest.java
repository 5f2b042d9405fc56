package dev.mosaic.moa.extract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class AnswerExtractorsTest {

    /** Extracts from the text placed off-heap behind a few bytes of junk (so offsets matter). */
    static ExtractedAnswer run(String spec, String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(b.length + 5);
            seg.fill((byte) 'A');
            MemorySegment.copy(b, 0, seg, ValueLayout.JAVA_BYTE, 3, b.length);
            ExtractedAnswer a = AnswerExtractors.parse(spec).extract(seg, 3, b.length);
            if (a != null) {
                // the span is relative to the text and lies inside it
                assertTrue(a.start() >= 0 && a.end() <= b.length, a.toString());
            }
            return a;
        }
    }

    static String span(String text, ExtractedAnswer a) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return new String(b, (int) a.start(), (int) (a.end() - a.start()), StandardCharsets.UTF_8);
    }

    @Provide
    Arbitrary<String> noise() {
        // lowercase, digits-free, with multibyte UTF-8 (2, 3 and 4 bytes) and punctuation; no A-J, no backslash
        return Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz .,;:!?\n()é中文😀ü—").ofMaxLength(200);
    }

    @Property(tries = 300)
    void choiceFindsTheLastLetterAnywhereInNoise(@ForAll("noise") String before, @ForAll("noise") String after,
                                                 @ForAll("letters") char letter, @ForAll("forms") int form) {
        String answer = switch (form) {
            case 0 -> "Answer: " + letter;
            case 1 -> "(" + letter + ")";
            case 2 -> "\\boxed{" + letter + "}";
            default -> "the answer is " + letter;
        };
        String text = before + " (B) earlier " + before + " " + answer + " " + after.replace("(", "[");
        ExtractedAnswer a = run("choice", text);
        assertEquals(String.valueOf(letter), a.answer(), text);
        assertEquals(String.valueOf(letter), span(text, a));
    }

    @Provide
    Arbitrary<Character> letters() {
        return Arbitraries.chars().range('A', 'J');
    }

    @Provide
    Arbitrary<Integer> forms() {
        return Arbitraries.integers().between(0, 3);
    }

    @Property(tries = 300)
    void numberFindsTheLastNumber(@ForAll("noise") String before, @ForAll("noise") String after, @ForAll long value) {
        String text = before + " 12 then " + before + " " + value + after;
        ExtractedAnswer a = run("number", text);
        assertEquals(Long.toString(value), a.answer(), text);
        assertEquals(Long.toString(value), span(text, a));
    }

    @Property(tries = 200)
    void boxedTakesTheLastCompleteBox(@ForAll("noise") String before, @ForAll("inner") String inner) {
        String content = "x^{2} + \\frac{" + inner.replace("{", "").replace("}", "") + "}{3}";
        String text = before + "\\boxed{wrong} " + before + " \\boxed{ " + content + " } " + before + " \\boxed{cut";
        ExtractedAnswer a = run("boxed", text);
        assertEquals(content.strip().replaceAll("\\s+", " "), a.answer());
    }

    @Provide
    Arbitrary<String> inner() {
        return Arbitraries.strings().withChars("ab xyz+-é中").ofMaxLength(20);
    }

    @Test
    void choiceEdgeCases() {
        assertNull(run("choice", "no answer here"));
        assertNull(run("choice", "Answer: Cats are nice"));
        assertEquals("C", run("choice", "**Answer:** (C)").answer());
        assertEquals("D", run("choice", "I think (A) but the final answer is D.").answer());
        assertEquals("J", run("choice", "答案是 \\boxed{ J }").answer());
        assertNull(run("choice", "Answer: K"));
    }

    @Test
    void numbersAreNormalised() {
        assertEquals("1234", run("number", "the total is 1,234.").answer());
        assertEquals("7.5", run("number", "x = 007.50").answer());
        assertEquals("-3", run("number", "so it is -3.0").answer());
        assertEquals("0", run("number", "-0").answer());
        assertEquals("3/4", run("number", "ratio 6/8").answer());
        assertEquals("2", run("number", "ratio 4/2").answer());
        assertEquals("4", run("number", "pages 3-4").answer());
        assertEquals("5", run("number", "list 1,2,5").answer());
        assertEquals("42", run("number", "答案：42。").answer());
        assertNull(run("number", "none"));
    }

    @Test
    void lastLineIsNormalised() {
        assertEquals("paris", run("lastline", "reasoning...\n\n  Paris.  \n\n").answer());
        assertEquals("ünïcode ok", run("lastline", "a\nÜnÏcode   OK!!\n...\n").answer());
        assertNull(run("lastline", " \n\t\n"));
    }

    @Test
    void regexWorksOverNonAsciiText() {
        String text = "思考……答案：甲。然后 答案：乙丙。";
        ExtractedAnswer a = run("regex:答案：(\\p{IsHan}+)", text);
        assertEquals("乙丙", a.answer());
        assertEquals("乙丙", span(text, a));
        ExtractedAnswer b = run("regex:#### (\\d+)", "a #### 12 b #### 34");
        assertEquals("34", b.answer());
        assertEquals(new ExtractedAnswer("34", 17, 19), b);
        assertEquals("xy", run("regex:x.", "ab xy").answer() + "y".substring(1));
    }

    @Test
    void badSpecsNameTheSpec() {
        for (String spec : new String[] {"letter", "regex:", "regex:(unclosed"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AnswerExtractors.parse(spec));
            assertTrue(e.getMessage().contains("'" + spec + "'"), e.getMessage());
        }
    }

    @Test
    void spanLogprobAveragesTheOverlappingTokens() {
        try (Arena arena = Arena.ofConfined()) {
            int[] offsets = {0, 3, 5, 5, 9, 12};
            float[] lps = {-0.1f, -0.2f, -0.3f, -0.4f, -0.5f};
            MemorySegment off = arena.allocateFrom(ValueLayout.JAVA_INT, offsets);
            MemorySegment lp = arena.allocateFrom(ValueLayout.JAVA_FLOAT, lps);
            assertEquals((lps[1] + lps[3]) / 2.0, SpanLogprob.mean(lp, off, 5, 4, 6), 1e-7);
            assertEquals(lps[0], SpanLogprob.mean(lp, off, 5, 0, 1), 1e-7);
            assertEquals((lps[3] + lps[4]) / 2.0, SpanLogprob.mean(lp, off, 5, 8, 12), 1e-7);
            assertTrue(Double.isNaN(SpanLogprob.mean(lp, off, 5, 4, 4)));
            assertThrows(IllegalArgumentException.class, () -> SpanLogprob.mean(lp, off, 6, 0, 1));
        }
    }
}
