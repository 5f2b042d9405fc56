package dev.mosaic.inference.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class RegexMatchesTest {

    /** Runs {@code body} on a thread with a 512 KB stack and returns its result (or rethrows what it threw). */
    private static <T> T onSmallStack(Supplier<T> body) throws InterruptedException {
        Object[] result = new Object[1];
        Thread t = new Thread(null, () -> {
            try {
                result[0] = body.get();
            } catch (Throwable e) {
                result[0] = e;
            }
        }, "small-stack", 512 * 1024);
        t.start();
        t.join(Duration.ofSeconds(30));
        assertFalse(t.isAlive(), "did not finish in 30 s");
        if (result[0] instanceof Throwable e) {
            throw new AssertionError("threw " + e, e);
        }
        @SuppressWarnings("unchecked")
        T r = (T) result[0];
        return r;
    }

    private static List<String> matches(Pattern p, String text) {
        List<String> out = new ArrayList<>();
        RegexMatches.forEach(p, text, (s, e) -> out.add(s + ":" + e));
        return out;
    }

    /** Text that does not overflow the stack gets exactly Matcher.find()'s matches, empty ones included. */
    @Test
    void sameMatchesAsMatcherFindOnOrdinaryText() {
        Random rnd = new Random(12);
        String alphabet = "ab c\n1'é日🎉";
        for (String regex : List.of(SplitPatterns.GPT2, SplitPatterns.LLAMA3, SplitPatterns.QWEN2, "(a|b)*", "\\s*", "x?")) {
            Pattern p = SplitPatterns.compile(regex);
            for (int n = 0; n < 200; n++) {
                StringBuilder sb = new StringBuilder();
                int len = rnd.nextInt(40);
                while (sb.length() < len) {
                    sb.appendCodePoint(alphabet.codePointAt(alphabet.offsetByCodePoints(0, rnd.nextInt(alphabet.codePointCount(0, alphabet.length())))));
                }
                String text = sb.toString();
                List<String> expected = new ArrayList<>();
                Matcher m = p.matcher(text);
                while (m.find()) {
                    expected.add(m.start() + ":" + m.end());
                }
                assertEquals(expected, matches(p, text), regex + " on '" + text + "'");
                assertEquals(p.matcher(text).replaceAll("<$0>".replace("$0", "\\$")), RegexMatches.replaceAll(p, text, "<$>"));
            }
        }
    }

    /** Past a stack overflow, matches are found in windows: ordered, disjoint, each within a window. */
    @Test
    void longRunsAreMatchedInWindowsOnASmallStack() throws InterruptedException {
        Pattern p = Pattern.compile("(a|b)*");
        String text = "c" + "ab".repeat(100_000) + " ba c";
        List<int[]> found = onSmallStack(() -> {
            List<int[]> out = new ArrayList<>();
            RegexMatches.forEach(p, text, (s, e) -> out.add(new int[] {s, e}));
            return out;
        });
        int covered = 0;
        int prevEnd = -1;
        for (int[] m : found) {
            assertTrue(m[0] >= prevEnd && m[1] >= m[0], "out of order at " + m[0]);
            assertTrue(m[1] - m[0] <= RegexMatches.FIRST_WINDOW);
            covered += m[1] - m[0];
            prevEnd = m[1];
        }
        assertEquals(200_002, covered, "every a and b is in some match");
        assertTrue(found.size() > 200_000 / RegexMatches.FIRST_WINDOW, "the run was cut into windows");

        String replaced = onSmallStack(() -> RegexMatches.replaceAll(Pattern.compile("(a|b)+"), text, "X"));
        assertTrue(replaced.matches("cX+ X c"), replaced.length() + " chars");
    }
}
