package dev.mosaic.inference.tokenizer;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the matches of a tokenizer's split or replace regex in text of any length without a
 * {@link StackOverflowError}.
 *
 * <p>{@code java.util.regex} recurses once or more per repetition of a group, so a pattern from a
 * {@code tokenizer.json} such as {@code (a|b)*} overflows the thread's stack on a long enough run
 * of matching text (about 10,000 characters for a 512 KB stack). The matches are first found as
 * {@link Matcher#find()} finds them; only if that overflows the stack are the rest of the text's
 * matches found window by window: each window is at most {@value #FIRST_WINDOW} characters (halved
 * on every further overflow, down to {@value #MIN_WINDOW}), ends before a whitespace character
 * where its second half has one and never between the two halves of a surrogate pair, and
 * lookarounds see past it (transparent bounds). A match that would have crossed a window's end is
 * cut there, so a run longer than a window becomes several pieces. Text that does not overflow the
 * stack is matched exactly as before.
 *
 * <p>Stateless; safe to use from any thread.
 */
final class RegexMatches {

    static final int FIRST_WINDOW = 4096;
    static final int MIN_WINDOW = 16;

    /** Receives each match as a half-open range of the text. */
    @FunctionalInterface
    interface Sink {
        void match(int start, int end);
    }

    private RegexMatches() {}

    /** Calls {@code sink} for each match of {@code pattern} in {@code text}, left to right. */
    static void forEach(Pattern pattern, String text, Sink sink) {
        Matcher m = pattern.matcher(text);
        int next = 0;   // where Matcher.find() starts its next search
        while (true) {
            boolean found;
            try {
                found = m.find();
            } catch (StackOverflowError e) {
                inWindows(m, text, next, sink);
                return;
            }
            if (!found) {
                return;
            }
            sink.match(m.start(), m.end());
            next = m.end() == m.start() ? m.end() + 1 : m.end();
        }
    }

    /** The text with every match of {@code pattern} replaced by {@code replacement}, taken literally. */
    static String replaceAll(Pattern pattern, String text, String replacement) {
        StringBuilder out = new StringBuilder(text.length());
        int[] last = {0};
        forEach(pattern, text, (start, end) -> {
            out.append(text, last[0], start).append(replacement);
            last[0] = end;
        });
        return out.append(text, last[0], text.length()).toString();
    }

    private static void inWindows(Matcher m, String text, int from, Sink sink) {
        m.useTransparentBounds(true).useAnchoringBounds(false);
        int window = FIRST_WINDOW;
        int next = from;
        while (next <= text.length()) {
            int limit = windowEnd(text, next, window);
            m.region(next, limit);
            int resume = next;
            try {
                while (m.find()) {
                    if (m.start() == m.end() && m.end() == limit && limit < text.length()) {
                        break;   // an empty match at a window's end is the next window's to find
                    }
                    sink.match(m.start(), m.end());
                    resume = m.end() == m.start() ? m.end() + 1 : m.end();
                }
            } catch (StackOverflowError e) {
                if (window <= MIN_WINDOW) {
                    throw e;
                }
                window /= 2;
                next = resume;
                continue;
            }
            if (limit == text.length()) {
                return;
            }
            next = Math.max(resume, limit);
        }
    }

    /** Where a window starting at {@code from} ends: see the class comment. */
    private static int windowEnd(String text, int from, int window) {
        if (text.length() - from <= window) {
            return text.length();
        }
        int limit = from + window;
        for (int i = limit; i > from + window / 2; i--) {
            if (Character.isWhitespace(text.charAt(i))) {
                return i;
            }
        }
        return Character.isLowSurrogate(text.charAt(limit)) && Character.isHighSurrogate(text.charAt(limit - 1)) ? limit - 1 : limit;
    }
}
