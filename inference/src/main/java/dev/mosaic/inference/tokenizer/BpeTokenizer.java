package dev.mosaic.inference.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * Rank-driven BPE as GPT-2, Llama 3 and Qwen2 use it: the text is normalised, split into words by
 * the pre-tokenizer, and within each word the adjacent pair with the lowest merge rank is merged
 * (leftmost on ties) until no pair has a rule.
 *
 * <p>With a byte-level alphabet a word starts as one symbol per UTF-8 byte (GPT-2's byte
 * mapping), so every text is representable. With a character alphabet (Llama 2 style
 * {@code tokenizer.json}) a word starts as one symbol per character and characters without a
 * token fall back to {@code <0xNN>} byte tokens.
 */
final class BpeTokenizer extends BaseTokenizer {

    /** How a word becomes the initial symbols. */
    enum Alphabet { BYTE_LEVEL, CHARACTERS }

    private static final int CACHE_LIMIT = 100_000;
    private static final int CACHED_WORD_LENGTH = 64;

    private final Map<String, Integer> pieces;
    private final MergeTable merges;
    private final PreTokenizer preTokenizer;
    private final UnaryOperator<String> normalizer;
    private final Alphabet alphabet;
    private final boolean ignoreMerges;
    private final int unkId;
    private final int[] byteSymbolIds = new int[256];
    private final int[] byteFallbackIds = new int[256];
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    /**
     * @param pieces text of every ordinary token (byte-mapped for a byte-level alphabet) to its id
     * @param merges the merge rules over those ids
     * @param ignoreMerges whether a word that is a token as a whole becomes that token without merging (Llama 3)
     * @param spaceMark the character that stands for a space in token texts of a character alphabet ({@code ▁}), or 0
     * @param stripLeadingSpace whether the normaliser/pre-tokenizer puts a space in front that decoding removes
     * @param unkId the unknown token, or -1
     */
    BpeTokenizer(String[] texts, TokenType[] types, Map<String, Integer> pieces, MergeTable merges, PreTokenizer preTokenizer,
                 UnaryOperator<String> normalizer, Alphabet alphabet, boolean ignoreMerges, char spaceMark,
                 boolean stripLeadingSpace, int unkId, Specials specials) {
        super(texts, types, tokenBytes(texts, types, alphabet, spaceMark), specials, stripLeadingSpace);
        this.pieces = new HashMap<>(pieces);
        this.merges = merges;
        this.preTokenizer = preTokenizer;
        this.normalizer = normalizer;
        this.alphabet = alphabet;
        this.ignoreMerges = ignoreMerges;
        this.unkId = unkId;
        Arrays.fill(byteFallbackIds, -1);
        for (int b = 0; b < 256; b++) {
            Integer id = alphabet == Alphabet.BYTE_LEVEL ? pieces.get(String.valueOf(ByteLevel.charOf(b))) : null;
            byteSymbolIds[b] = id == null ? -1 : id;
        }
        for (int id = 0; id < texts.length; id++) {
            int b = types[id] == TokenType.BYTE ? byteTokenValue(texts[id]) : -1;
            if (b >= 0 && byteFallbackIds[b] < 0) {
                byteFallbackIds[b] = id;
            }
        }
    }

    private static byte[][] tokenBytes(String[] texts, TokenType[] types, Alphabet alphabet, char spaceMark) {
        byte[][] out = new byte[texts.length][];
        for (int id = 0; id < texts.length; id++) {
            String t = texts[id] == null ? "" : texts[id];
            out[id] = switch (types[id]) {
                case NORMAL -> alphabet == Alphabet.BYTE_LEVEL ? ByteLevel.decode(t)
                        : utf8(spaceMark != 0 ? t.replace(spaceMark, ' ') : t);
                case USER_DEFINED -> utf8(t);
                case BYTE -> {
                    int b = byteTokenValue(t);
                    yield b >= 0 ? new byte[] {(byte) b} : utf8(t);
                }
                case UNKNOWN -> utf8("\uFFFD");
                case CONTROL, UNUSED -> new byte[0];
            };
        }
        return out;
    }

    @Override
    void encodeText(String text, boolean first, IntList out) {
        String normalized = normalizer.apply(text);
        for (String word : preTokenizer.split(normalized, first)) {
            if (word.isEmpty()) {
                continue;
            }
            if (word.length() > CACHED_WORD_LENGTH) {
                out.addAll(encodeWord(word));
                continue;
            }
            int[] ids = cache.get(word);
            if (ids == null) {
                ids = encodeWord(word);
                if (cache.size() >= CACHE_LIMIT) {
                    cache.clear();
                }
                cache.put(word, ids);
            }
            out.addAll(ids);
        }
    }

    private int[] encodeWord(String word) {
        // Symbols: id (-1 when the vocabulary lacks it) and where its text starts in `symbols`.
        String symbols;
        int n;
        int[] ids;
        int[] pos;
        if (alphabet == Alphabet.BYTE_LEVEL) {
            byte[] bs = word.getBytes(StandardCharsets.UTF_8);
            symbols = null;
            n = bs.length;
            ids = new int[n];
            pos = new int[n];
            for (int i = 0; i < n; i++) {
                ids[i] = byteSymbolIds[bs[i] & 0xFF];
                pos[i] = bs[i] & 0xFF; // the byte itself, for the fallback below
            }
            if (ignoreMerges || n == 1) {
                Integer whole = pieces.get(ByteLevel.encode(word));
                if (whole != null) {
                    return new int[] {whole};
                }
            }
        } else {
            symbols = word;
            n = word.codePointCount(0, word.length());
            ids = new int[n];
            pos = new int[n];
            for (int i = 0, off = 0; i < n; i++) {
                int cc = Character.charCount(word.codePointAt(off));
                Integer id = pieces.get(word.substring(off, off + cc));
                ids[i] = id == null ? -1 : id;
                pos[i] = off;
                off += cc;
            }
            if (ignoreMerges || n == 1) {
                Integer whole = pieces.get(word);
                if (whole != null) {
                    return new int[] {whole};
                }
            }
        }
        int[] next = new int[n];
        int[] prev = new int[n];
        boolean[] dead = new boolean[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        if (n > 1 && merges.size() > 0) {
            // Keys pack (rank, left): the smallest is the lowest-ranked pair, leftmost among equals. A popped
            // key is acted on only if the pair now at `left` still has that rank; every adjacency is queued
            // when it forms, so no better valid pair can be waiting behind it.
            LongHeap queue = new LongHeap(n);
            for (int i = 0; i + 1 < n; i++) {
                offer(queue, ids, i, i + 1);
            }
            while (!queue.isEmpty()) {
                long key = queue.poll();
                int l = (int) key;
                int r = next[l];
                if (dead[l] || r < 0 || ids[l] < 0 || ids[r] < 0) {
                    continue;
                }
                long rule = merges.find(ids[l], ids[r]);
                if (rule < 0 || (rule >>> 32) != (key >>> 32)) {
                    continue;
                }
                ids[l] = (int) rule;
                dead[r] = true;
                next[l] = next[r];
                if (next[l] >= 0) {
                    prev[next[l]] = l;
                }
                if (prev[l] >= 0) {
                    offer(queue, ids, prev[l], l);
                }
                if (next[l] >= 0) {
                    offer(queue, ids, l, next[l]);
                }
            }
        }
        IntList out = new IntList(n);
        for (int i = 0; i >= 0; i = next[i]) {
            if (ids[i] >= 0) {
                out.add(ids[i]);
            } else if (alphabet == Alphabet.BYTE_LEVEL) {
                unknown(new String(new char[] {ByteLevel.charOf(pos[i])}), out);
            } else {
                String ch = symbols.substring(pos[i], pos[i] + Character.charCount(symbols.codePointAt(pos[i])));
                fallback(ch, out);
            }
        }
        return out.toArray();
    }

    private void offer(LongHeap queue, int[] ids, int l, int r) {
        if (ids[l] < 0 || ids[r] < 0) {
            return;
        }
        long rule = merges.find(ids[l], ids[r]);
        if (rule >= 0) {
            queue.add((rule & 0xFFFFFFFF00000000L) | l);
        }
    }

    private void fallback(String ch, IntList out) {
        byte[] bs = ch.getBytes(StandardCharsets.UTF_8);
        boolean all = true;
        for (byte b : bs) {
            all &= byteFallbackIds[b & 0xFF] >= 0;
        }
        if (all) {
            for (byte b : bs) {
                out.add(byteFallbackIds[b & 0xFF]);
            }
        } else {
            unknown(ch, out);
        }
    }

    private void unknown(String symbol, IntList out) {
        if (unkId < 0) {
            throw new IllegalArgumentException("cannot encode \"" + symbol
                    + "\": the vocabulary has no token for it, no byte fallback and no unknown token");
        }
        out.add(unkId);
    }
}
