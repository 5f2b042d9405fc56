package dev.mosaic.inference.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds added tokens written in text (leftmost, longest first) so they are never split by the
 * model's merges. Control tokens are matched only when the caller allows special tokens;
 * user-defined tokens always.
 */
final class SpecialTokenMatcher {

    /** A piece of the input: either text {@code [start, end)} ({@code id == -1}) or one token. */
    record Segment(int start, int end, int id) {
        boolean isToken() {
            return id >= 0;
        }
    }

    private record Candidate(String text, int id, boolean always) {}

    private final Map<Character, Candidate[]> byFirstChar;

    SpecialTokenMatcher(String[] texts, TokenType[] types) {
        Map<Character, List<Candidate>> groups = new HashMap<>();
        for (int id = 0; id < texts.length; id++) {
            TokenType t = types[id];
            if ((t == TokenType.CONTROL || t == TokenType.USER_DEFINED) && texts[id] != null && !texts[id].isEmpty()) {
                groups.computeIfAbsent(texts[id].charAt(0), k -> new ArrayList<>())
                        .add(new Candidate(texts[id], id, t == TokenType.USER_DEFINED));
            }
        }
        byFirstChar = new HashMap<>();
        groups.forEach((c, list) -> {
            Candidate[] arr = list.toArray(Candidate[]::new);
            // Longest first so "<|im_start|>" wins over a shorter token that is its prefix.
            Arrays.sort(arr, Comparator.comparingInt((Candidate k) -> -k.text().length()).thenComparingInt(Candidate::id));
            byFirstChar.put(c, arr);
        });
    }

    List<Segment> split(String text, boolean allowSpecial) {
        List<Segment> out = new ArrayList<>();
        int start = 0;
        int i = 0;
        int n = text.length();
        while (i < n) {
            Candidate[] cands = byFirstChar.isEmpty() ? null : byFirstChar.get(text.charAt(i));
            Candidate hit = null;
            if (cands != null) {
                for (Candidate c : cands) {
                    if ((c.always() || allowSpecial) && text.startsWith(c.text(), i)) {
                        hit = c;
                        break;
                    }
                }
            }
            if (hit == null) {
                i++;
                continue;
            }
            if (i > start) {
                out.add(new Segment(start, i, -1));
            }
            out.add(new Segment(i, i + hit.text().length(), hit.id()));
            i += hit.text().length();
            start = i;
        }
        if (start < n) {
            out.add(new Segment(start, n, -1));
        }
        return out;
    }
}
