package dev.mosaic.inference.model;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Small but real tokenizer vocabularies for synthetic models, in the standard layouts:
 * a SentencePiece-style {@code llama} vocabulary ({@code <unk>, <s>, </s>}, 256 byte tokens
 * {@code <0x00>..<0xFF>}, then {@code ▁}-prefixed pieces with scores), and a GPT-2 style
 * byte-level BPE vocabulary (256 byte symbols, merges, special tokens at the end). Every piece
 * and every merge result is built from two pieces already in the vocabulary, so each one is
 * reachable by the tokenizer's merge procedure.
 */
final class SyntheticVocabulary {
    static final String SPM_SPACE = "\u2581";
    static final int TYPE_NORMAL = 1;
    static final int TYPE_UNKNOWN = 2;
    static final int TYPE_CONTROL = 3;
    static final int TYPE_BYTE = 6;

    private static final String[] WORDS = ("the of and to in is that it for on with as was be by this are or his from at which"
            + " but have an they not you one had all were can her she there their been we if has will more when who its so no"
            + " out up into would only do what about time them some could these than other two then my may like see any first"
            + " new now way just also people how our over most very after where your made well me hello world model token"
            + " test mosaic agent expert answer question ing ed er es ly tion ment ness able").split(" ");

    private SyntheticVocabulary() {}

    /** A SentencePiece-style vocabulary: tokens, scores and token types, ids in list order. */
    record Spm(List<String> tokens, List<Float> scores, List<Integer> types) {}

    /** A byte-level BPE vocabulary: tokens in id order, merges in rank order, special token ids. */
    record Bpe(List<String> tokens, List<String> merges, Map<String, Integer> specials) {}

    static Spm spm(int vocabSize) {
        List<String> tokens = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        tokens.add("<unk>");
        types.add(TYPE_UNKNOWN);
        tokens.add("<s>");
        types.add(TYPE_CONTROL);
        tokens.add("</s>");
        types.add(TYPE_CONTROL);
        for (int b = 0; b < 256; b++) {
            tokens.add(String.format("<0x%02X>", b));
            types.add(TYPE_BYTE);
        }
        for (int i = 0; i < tokens.size(); i++) {
            scores.add(0f);
        }
        // The last ids are ChatML's control tokens, so that --chat works on synthetic models (as on
        // SentencePiece fine-tunes that use ChatML, e.g. OpenHermes-2.5-Mistral).
        List<String> chatMarkers = List.of("<|im_start|>", "<|im_end|>");
        if (vocabSize < tokens.size() + chatMarkers.size() + 1) {
            throw new IllegalArgumentException("a llama vocabulary needs more than " + (tokens.size() + chatMarkers.size())
                    + " tokens, got " + vocabSize);
        }
        int room = vocabSize - tokens.size() - chatMarkers.size();
        Set<String> seen = new HashSet<>(tokens);
        List<String> singles = new ArrayList<>();
        singles.add(SPM_SPACE);
        for (char ch = 0x21; ch < 0x7F; ch++) {
            singles.add(String.valueOf(ch));
        }
        List<String> pieces = new ArrayList<>();
        for (String s : singles) {
            addPiece(s, pieces, seen, room);
        }
        for (String w : WORDS) {
            for (String base : new String[] {SPM_SPACE + w, w}) {
                for (int n = 2; n <= base.length(); n++) {
                    addPiece(base.substring(0, n), pieces, seen, room);
                }
            }
        }
        fill(pieces, seen, room, SPM_SPACE, null);
        for (int i = 0; i < pieces.size(); i++) {
            tokens.add(pieces.get(i));
            scores.add((float) -i);
            types.add(TYPE_NORMAL);
        }
        for (String m : chatMarkers) {
            tokens.add(m);
            scores.add(0f);
            types.add(TYPE_CONTROL);
        }
        return new Spm(List.copyOf(tokens), List.copyOf(scores), List.copyOf(types));
    }

    /**
     * A byte-level BPE vocabulary of exactly {@code vocabSize} tokens whose last ids are
     * {@code specialTokens}.
     */
    static Bpe bpe(int vocabSize, List<String> specialTokens) {
        String[] byteChars = byteLevelChars();
        List<String> tokens = new ArrayList<>(List.of(byteChars));
        Set<String> seen = new HashSet<>(tokens);
        int room = vocabSize - tokens.size() - specialTokens.size();
        if (room < 1) {
            throw new IllegalArgumentException("a byte-level vocabulary needs more than " + (256 + specialTokens.size())
                    + " tokens, got " + vocabSize);
        }
        String space = byteChars[' '];
        List<String> merges = new ArrayList<>();
        List<String> pieces = new ArrayList<>();
        for (String w : WORDS) {
            for (String base : new String[] {space + w, w}) {
                for (int n = 2; n <= base.length(); n++) {
                    if (addPiece(base.substring(0, n), pieces, seen, room)) {
                        merges.add(base.substring(0, n - 1) + " " + base.charAt(n - 1));
                    }
                }
            }
        }
        fill(pieces, seen, room, space, merges);
        tokens.addAll(pieces);
        Map<String, Integer> specials = new LinkedHashMap<>();
        for (String s : specialTokens) {
            specials.put(s, tokens.size());
            tokens.add(s);
        }
        return new Bpe(List.copyOf(tokens), List.copyOf(merges), specials);
    }

    /** GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest to U+0100 onwards. */
    static String[] byteLevelChars() {
        String[] map = new String[256];
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = String.valueOf((char) (printable ? b : 256 + n++));
        }
        return map;
    }

    private static boolean addPiece(String p, List<String> pieces, Set<String> seen, int room) {
        if (pieces.size() >= room || !seen.add(p)) {
            return false;
        }
        pieces.add(p);
        return true;
    }

    /**
     * Fills up to {@code room} pieces by joining an existing piece with a continuation piece (one
     * that does not start a word), recording the merge when {@code merges} is given.
     */
    private static void fill(List<String> pieces, Set<String> seen, int room, String wordStart, List<String> merges) {
        List<String> continuations = new ArrayList<>();
        for (char ch = 'a'; ch <= 'z'; ch++) {
            continuations.add(String.valueOf(ch));
        }
        int before = -1;
        while (pieces.size() < room) {
            if (pieces.size() == before) {
                throw new IllegalStateException("cannot build " + room + " distinct pieces");
            }
            before = pieces.size();
            int n = pieces.size();
            for (int i = 0; i < n && pieces.size() < room; i++) {
                String left = pieces.get(i);
                for (String right : continuations) {
                    if (pieces.size() >= room) {
                        break;
                    }
                    if (left.length() + right.length() <= 16 && addPiece(left + right, pieces, seen, room) && merges != null) {
                        merges.add(left + " " + right);
                    }
                }
            }
            // every join is taken: widen the continuations to the pieces themselves
            continuations = new ArrayList<>(pieces.stream().filter(p -> !p.startsWith(wordStart)).toList());
        }
    }
}
