package dev.mosaic.inference.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Splits a stretch of text (between added tokens) into the words that BPE merges work within. */
@FunctionalInterface
interface PreTokenizer {

    /**
     * @param first whether the text begins the input (some splitters prefix a space only there)
     */
    List<String> split(String text, boolean first);

    /** The whole text is one word. */
    static PreTokenizer none() {
        return (text, first) -> List.of(text);
    }

    /**
     * Each regex match is a word, and so is each stretch between matches ({@code "Isolated"}).
     * Input of any length is split without a stack overflow; see {@link RegexMatches} for how
     * a match longer than a few thousand characters may then be cut into pieces.
     */
    static PreTokenizer regex(Pattern pattern) {
        return (text, first) -> {
            List<String> out = new ArrayList<>();
            int[] last = {0};
            RegexMatches.forEach(pattern, text, (start, end) -> {
                if (start > last[0]) {
                    out.add(text.substring(last[0], start));
                }
                if (end > start) {
                    out.add(text.substring(start, end));
                }
                last[0] = end;
            });
            if (last[0] < text.length()) {
                out.add(text.substring(last[0]));
            }
            return out;
        };
    }

    /** Hugging Face's ByteLevel pre-tokenizer: an optional leading space, then the GPT-2 split if asked. */
    static PreTokenizer byteLevel(boolean addPrefixSpace, boolean useRegex) {
        PreTokenizer split = useRegex ? regex(SplitPatterns.compile(SplitPatterns.GPT2)) : none();
        return (text, first) -> split.split(addPrefixSpace && !text.startsWith(" ") ? " " + text : text, first);
    }

    /**
     * Hugging Face's Metaspace pre-tokenizer: spaces become {@code replacement}, one is put in front
     * ({@code prependAlways}, or only for the first stretch with {@code prependFirst}), and with
     * {@code split} each word starts at a replacement character.
     */
    static PreTokenizer metaspace(char replacement, boolean prependAlways, boolean prependFirst, boolean split) {
        return (text, first) -> {
            String s = text.replace(' ', replacement);
            if ((prependAlways || (prependFirst && first)) && !s.isEmpty() && s.charAt(0) != replacement) {
                s = replacement + s;
            }
            if (!split) {
                return List.of(s);
            }
            List<String> out = new ArrayList<>();
            int start = 0;
            for (int i = 1; i < s.length(); i++) {
                if (s.charAt(i) == replacement) {
                    out.add(s.substring(start, i));
                    start = i;
                }
            }
            if (start < s.length()) {
                out.add(s.substring(start));
            }
            return out;
        };
    }

    /** Applies each splitter to every piece the previous one produced. */
    static PreTokenizer sequence(List<PreTokenizer> steps) {
        List<PreTokenizer> copy = List.copyOf(steps);
        return (text, first) -> {
            List<String> pieces = List.of(text);
            for (PreTokenizer step : copy) {
                List<String> next = new ArrayList<>();
                for (int i = 0; i < pieces.size(); i++) {
                    next.addAll(step.split(pieces.get(i), first && i == 0));
                }
                pieces = next;
            }
            return pieces;
        };
    }
}
