package dev.mosaic.inference.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * SentencePiece-style BPE over a scored vocabulary (GGUF {@code tokenizer.ggml.model = "llama"}),
 * as llama.cpp and sentencepiece run it: spaces become {@code ▁}, the text starts as single
 * characters, and the adjacent pair whose concatenation is a vocabulary piece with the highest
 * score is merged (leftmost on ties) until no pair is a piece. Characters left without a piece
 * fall back to their UTF-8 bytes as {@code <0xNN>} tokens.
 */
final class SentencePieceTokenizer extends BaseTokenizer {

    static final char SPACE = '\u2581';

    /** Longest text between special tokens one merge queue handles: positions are packed into 27 bits of a queue key. */
    static final int MAX_FRAGMENT_CHARS = (1 << 27) - 1;
    /** Largest vocabulary: score ranks are packed into 20 bits of a queue key. */
    static final int MAX_VOCAB = 1 << 20;

    private final PieceTable pieces;
    /** Merge priority of each piece: 0 for the highest score; equal scores share a rank (then leftmost wins). */
    private final int[] rank;
    private final int[] byteIds;
    private final int unkId;
    private final boolean addSpacePrefix;

    /**
     * @param scores merge priority of each token (higher merges first)
     * @param unkId id of the unknown token, or -1
     * @param addSpacePrefix whether a space is put in front of the text and after each added token
     */
    SentencePieceTokenizer(String[] texts, TokenType[] types, float[] scores, int unkId, boolean addSpacePrefix,
                           Specials specials) {
        super(texts, types, tokenBytes(texts, types), specials, addSpacePrefix);
        if (texts.length > MAX_VOCAB) {
            throw new IllegalArgumentException(texts.length + " tokens: SentencePiece vocabularies of more than " + MAX_VOCAB
                    + " tokens are not supported");
        }
        this.rank = scoreRanks(scores);
        this.unkId = unkId;
        this.addSpacePrefix = addSpacePrefix;
        this.byteIds = new int[256];
        Arrays.fill(byteIds, -1);
        // Only ordinary pieces take part in merges: a control token must never be spelled out of plain text.
        boolean[] mergeable = new boolean[texts.length];
        for (int id = 0; id < texts.length; id++) {
            mergeable[id] = types[id] == TokenType.NORMAL || types[id] == TokenType.USER_DEFINED;
        }
        this.pieces = new PieceTable(texts, mergeable);
        for (int id = 0; id < texts.length; id++) {
            if (types[id] == TokenType.BYTE) {
                int b = byteTokenValue(texts[id]);
                if (b >= 0 && byteIds[b] < 0) {
                    byteIds[b] = id;
                }
            }
        }
    }

    private static byte[][] tokenBytes(String[] texts, TokenType[] types) {
        byte[][] out = new byte[texts.length][];
        for (int id = 0; id < texts.length; id++) {
            out[id] = switch (types[id]) {
                case NORMAL, USER_DEFINED -> utf8(texts[id].replace(SPACE, ' '));
                case BYTE -> {
                    int b = byteTokenValue(texts[id]);
                    yield b >= 0 ? new byte[] {(byte) b} : utf8(texts[id]);
                }
                case UNKNOWN -> utf8("\uFFFD");
                case CONTROL, UNUSED -> new byte[0];
            };
        }
        return out;
    }

    private static int[] scoreRanks(float[] scores) {
        Integer[] order = new Integer[scores.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Float.compare(scores[b], scores[a]));
        int[] rank = new int[scores.length];
        for (int i = 0, r = 0; i < order.length; i++) {
            if (i > 0 && Float.compare(scores[order[i]], scores[order[i - 1]]) != 0) {
                r = i;
            }
            rank[order[i]] = r;
        }
        return rank;
    }

    /*
     * Queue keys pack (rank, left, size): rank in bits 43..62, the left symbol's position in bits
     * 16..42 and the merged length in bits 0..15, so the smallest key is the best-scored pair and,
     * among equals, the leftmost. A key is stale when its left symbol was absorbed, or when the
     * left symbol plus its current right neighbour no longer have the queued length (either side
     * grew); symbols only ever absorb their right neighbour, so that check is exact.
     */
    private static final int SIZE_BITS = 16;
    private static final int POS_BITS = 27;

    @Override
    void encodeText(String raw, boolean first, IntList out) {
        if (raw.isEmpty()) {
            return;
        }
        String text = (first && addSpacePrefix ? " " + raw : raw).replace(' ', SPACE);
        if (text.length() > MAX_FRAGMENT_CHARS) {
            throw new IllegalArgumentException("text of " + text.length() + " chars between special tokens is longer than "
                    + MAX_FRAGMENT_CHARS + " chars");
        }
        int n = text.codePointCount(0, text.length());
        int[] start = new int[n];
        int[] len = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0, off = 0; i < n; i++) {
            start[i] = off;
            len[i] = Character.charCount(text.codePointAt(off));
            off += len[i];
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        LongHeap queue = new LongHeap(n);
        for (int i = 0; i + 1 < n; i++) {
            offer(queue, text, start, len, i, i + 1);
        }
        while (!queue.isEmpty()) {
            long key = queue.poll();
            int l = (int) (key >>> SIZE_BITS) & ((1 << POS_BITS) - 1);
            int size = (int) key & ((1 << SIZE_BITS) - 1);
            int r = next[l];
            if (len[l] == 0 || r < 0 || len[l] + len[r] != size) {
                continue;
            }
            len[l] = size;
            len[r] = 0;
            next[l] = next[r];
            if (next[l] >= 0) {
                prev[next[l]] = l;
            }
            if (prev[l] >= 0) {
                offer(queue, text, start, len, prev[l], l);
            }
            if (next[l] >= 0) {
                offer(queue, text, start, len, l, next[l]);
            }
        }
        for (int i = 0; i >= 0; i = next[i]) {
            int id = pieces.find(text, start[i], len[i]);
            if (id >= 0) {
                out.add(id);
            } else {
                byteFallback(text.substring(start[i], start[i] + len[i]), out);
            }
        }
    }

    private void offer(LongHeap queue, String text, int[] start, int[] len, int l, int r) {
        int size = len[l] + len[r];
        if (size >= 1 << SIZE_BITS) {
            return; // no vocabulary piece is 64K chars long
        }
        int id = pieces.find(text, start[l], size);
        if (id >= 0) {
            queue.add(((long) rank[id] << (POS_BITS + SIZE_BITS)) | ((long) l << SIZE_BITS) | size);
        }
    }

    private void byteFallback(String piece, IntList out) {
        // A space without a piece falls back to <0x20> (not to the bytes of "▁") so decoding restores it.
        byte[] bs = piece.replace(SPACE, ' ').getBytes(StandardCharsets.UTF_8);
        boolean allBytes = true;
        for (byte b : bs) {
            allBytes &= byteIds[b & 0xFF] >= 0;
        }
        if (allBytes) {
            for (byte b : bs) {
                out.add(byteIds[b & 0xFF]);
            }
        } else if (unkId >= 0) {
            out.add(unkId);
        } else {
            throw new IllegalArgumentException("cannot encode \"" + piece + "\" (U+" + Integer.toHexString(piece.codePointAt(0)).toUpperCase()
                    + "): the vocabulary has no piece, no <0xNN> byte tokens for it and no unknown token");
        }
    }
}
