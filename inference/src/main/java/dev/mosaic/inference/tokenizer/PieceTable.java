package dev.mosaic.inference.tokenizer;

import java.util.Arrays;

/**
 * Token text to id, looked up by a range of a larger string without creating a substring:
 * SentencePiece merging asks "is text[start, start+len) a piece?" for every candidate pair.
 */
final class PieceTable {
    private final String[] keys;
    private final int[] ids;
    private final int mask;

    /** Builds the table; when a text appears twice the first id wins. */
    PieceTable(String[] texts, boolean[] include) {
        int count = 0;
        for (boolean b : include) {
            count += b ? 1 : 0;
        }
        int cap = Integer.highestOneBit(Math.max(16, count * 2 - 1)) << 1;
        keys = new String[cap];
        ids = new int[cap];
        Arrays.fill(ids, -1);
        mask = cap - 1;
        for (int id = 0; id < texts.length; id++) {
            if (!include[id]) {
                continue;
            }
            String t = texts[id];
            int i = hash(t, 0, t.length()) & mask;
            while (keys[i] != null && !keys[i].equals(t)) {
                i = (i + 1) & mask;
            }
            if (keys[i] == null) {
                keys[i] = t;
                ids[i] = id;
            }
        }
    }

    private static int hash(CharSequence s, int start, int len) {
        int h = 0;
        for (int k = start; k < start + len; k++) {
            h = 31 * h + s.charAt(k);
        }
        return h ^ (h >>> 16);
    }

    /** The id of the piece {@code text[start, start+len)}, or -1. */
    int find(String text, int start, int len) {
        int i = hash(text, start, len) & mask;
        String k;
        while ((k = keys[i]) != null) {
            if (k.length() == len && text.regionMatches(start, k, 0, len)) {
                return ids[i];
            }
            i = (i + 1) & mask;
        }
        return -1;
    }

    /** The id of this piece, or -1. */
    int find(String piece) {
        return find(piece, 0, piece.length());
    }
}
