package dev.mosaic.inference.tokenizer;

import dev.mosaic.inference.model.ModelFormatException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Builds a tokenizer from GGUF's standard {@code tokenizer.ggml.*} metadata. */
final class GgufTokenizers {

    static final String MODEL = "tokenizer.ggml.model";
    static final String TOKENS = "tokenizer.ggml.tokens";
    static final String SCORES = "tokenizer.ggml.scores";
    static final String TOKEN_TYPE = "tokenizer.ggml.token_type";
    static final String MERGES = "tokenizer.ggml.merges";
    static final String PRE = "tokenizer.ggml.pre";
    static final String BOS = "tokenizer.ggml.bos_token_id";
    static final String EOS = "tokenizer.ggml.eos_token_id";
    static final String UNK = "tokenizer.ggml.unknown_token_id";
    static final String EOT = "tokenizer.ggml.eot_token_id";
    static final String EOM = "tokenizer.ggml.eom_token_id";
    static final String ADD_BOS = "tokenizer.ggml.add_bos_token";
    static final String ADD_SPACE_PREFIX = "tokenizer.ggml.add_space_prefix";
    static final String CHAT_TEMPLATE = "tokenizer.chat_template";
    static final String ARCHITECTURE = "general.architecture";

    /** Names of end-of-turn tokens that stop generation when the vocabulary has them as control tokens. */
    static final List<String> STOP_NAMES =
            List.of("<|eot_id|>", "<|eom_id|>", "<|end_of_text|>", "<|im_end|>", "<|endoftext|>", "</s>", "<|end|>");

    private GgufTokenizers() {}

    private record Meta(Map<String, Object> map, Path file) {

        ModelFormatException error(String key, String reason) {
            return new ModelFormatException(file, key, reason);
        }

        String string(String key) {
            Object v = map.get(key);
            if (v != null && !(v instanceof String)) {
                throw error(key, "expected a string, found " + v.getClass().getSimpleName());
            }
            return (String) v;
        }

        List<?> list(String key) {
            Object v = map.get(key);
            if (v != null && !(v instanceof List<?>)) {
                throw error(key, "expected an array, found " + v.getClass().getSimpleName());
            }
            return (List<?>) v;
        }

        boolean bool(String key, boolean fallback) {
            Object v = map.get(key);
            if (v == null) {
                return fallback;
            }
            if (!(v instanceof Boolean b)) {
                throw error(key, "expected a boolean, found " + v.getClass().getSimpleName());
            }
            return b;
        }

        /** A token id, or -1 when the key is absent; out-of-range ids are errors. */
        int id(String key, int vocabSize) {
            Object v = map.get(key);
            if (v == null) {
                return -1;
            }
            if (!(v instanceof Number n) || n.doubleValue() != n.longValue()) {
                throw error(key, "expected an integer token id, found " + v);
            }
            long id = n.longValue();
            if (id < 0 || id >= vocabSize) {
                // llama.cpp writes -1 (as an unsigned 0xFFFFFFFF) for "none" in some files.
                if (id == -1 || id == 0xFFFFFFFFL) {
                    return -1;
                }
                throw error(key, "token id " + id + " is outside the vocabulary [0, " + vocabSize + ")");
            }
            return (int) id;
        }
    }

    static Tokenizer load(Map<String, Object> metadata, Path file) {
        Meta meta = new Meta(metadata, file);
        String model = meta.string(MODEL);
        if (model == null) {
            throw meta.error(MODEL, "missing: the file has no tokenizer");
        }
        List<?> tokenList = meta.list(TOKENS);
        if (tokenList == null || tokenList.isEmpty()) {
            throw meta.error(TOKENS, "missing or empty");
        }
        int n = tokenList.size();
        String[] texts = new String[n];
        for (int i = 0; i < n; i++) {
            if (!(tokenList.get(i) instanceof String s)) {
                throw meta.error(TOKENS, "entry " + i + " is not a string");
            }
            texts[i] = s;
        }
        int bos = meta.id(BOS, n);
        int eos = meta.id(EOS, n);
        int unk = meta.id(UNK, n);
        if ("llama".equals(model)) {
            // llama.cpp's defaults for SentencePiece files that do not name them.
            bos = bos >= 0 || metadata.containsKey(BOS) ? bos : indexOf(texts, "<s>");
            eos = eos >= 0 || metadata.containsKey(EOS) ? eos : indexOf(texts, "</s>");
            unk = unk >= 0 || metadata.containsKey(UNK) ? unk : indexOf(texts, "<unk>");
        }
        TokenType[] types = tokenTypes(meta, texts, bos, eos, unk);
        if (unk < 0) {
            unk = firstOfType(types, TokenType.UNKNOWN);
        }
        return switch (model) {
            case "llama" -> llama(meta, texts, types, bos, eos, unk);
            case "gpt2" -> gpt2(meta, texts, types, bos, eos, unk);
            default -> throw meta.error(MODEL, "unsupported tokenizer model '" + model + "' (supported: llama, gpt2)");
        };
    }

    private static TokenType[] tokenTypes(Meta meta, String[] texts, int bos, int eos, int unk) {
        int n = texts.length;
        TokenType[] types = new TokenType[n];
        List<?> codes = meta.list(TOKEN_TYPE);
        if (codes != null) {
            if (codes.size() != n) {
                throw meta.error(TOKEN_TYPE, codes.size() + " entries for " + n + " tokens");
            }
            for (int i = 0; i < n; i++) {
                TokenType t = codes.get(i) instanceof Number c ? TokenType.ofCode(c.longValue()) : null;
                if (t == null) {
                    throw meta.error(TOKEN_TYPE, "entry " + i + " (token '" + texts[i] + "'): unknown token type " + codes.get(i));
                }
                types[i] = t;
            }
            return types;
        }
        // No types in the file: infer the kinds that change behaviour.
        for (int i = 0; i < n; i++) {
            types[i] = i == unk ? TokenType.UNKNOWN
                    : i == bos || i == eos ? TokenType.CONTROL
                    : BaseTokenizer.byteTokenValue(texts[i]) >= 0 ? TokenType.BYTE
                    : TokenType.NORMAL;
        }
        return types;
    }

    private static Tokenizer llama(Meta meta, String[] texts, TokenType[] types, int bos, int eos, int unk) {
        int n = texts.length;
        if (n > SentencePieceTokenizer.MAX_VOCAB) {
            throw meta.error(TOKENS, n + " tokens; SentencePiece vocabularies are limited to " + SentencePieceTokenizer.MAX_VOCAB);
        }
        float[] scores = new float[n];
        List<?> scoreList = meta.list(SCORES);
        if (scoreList != null) {
            if (scoreList.size() != n) {
                throw meta.error(SCORES, scoreList.size() + " entries for " + n + " tokens");
            }
            for (int i = 0; i < n; i++) {
                if (!(scoreList.get(i) instanceof Number s)) {
                    throw meta.error(SCORES, "entry " + i + " is not a number");
                }
                scores[i] = s.floatValue();
            }
        }
        boolean addBos = meta.bool(ADD_BOS, true);
        boolean addSpacePrefix = meta.bool(ADD_SPACE_PREFIX, true);
        BaseTokenizer.Specials specials = specials(meta, texts, types, bos, eos, addBos);
        return new SentencePieceTokenizer(texts, types, scores, unk, addSpacePrefix, specials);
    }

    private static Tokenizer gpt2(Meta meta, String[] texts, TokenType[] types, int bos, int eos, int unk) {
        String pre = meta.string(PRE);
        String pattern;
        boolean ignoreMerges = false;
        boolean addBosDefault = false;
        switch (pre == null ? "default" : pre) {
            case "default", "gpt-2", "gpt2" -> pattern = SplitPatterns.GPT2;
            case "llama3", "llama-v3", "llama-bpe", "falcon3" -> {
                pattern = SplitPatterns.LLAMA3;
                ignoreMerges = true;
                addBosDefault = true;
            }
            case "qwen2", "deepseek-r1-qwen" -> pattern = SplitPatterns.QWEN2;
            default -> throw meta.error(PRE, "unsupported pre-tokenizer '" + pre
                    + "' (supported: default, gpt-2, llama3, llama-v3, llama-bpe, falcon3, qwen2, deepseek-r1-qwen)");
        }
        Map<String, Integer> pieces = new HashMap<>(texts.length * 2);
        for (int i = 0; i < texts.length; i++) {
            if (types[i] == TokenType.NORMAL) {
                pieces.putIfAbsent(texts[i], i);
            }
        }
        List<?> mergeList = meta.list(MERGES);
        if (mergeList == null) {
            throw meta.error(MERGES, "missing: a gpt2 tokenizer needs merges");
        }
        MergeTable merges = new MergeTable(mergeList.size());
        for (int rank = 0; rank < mergeList.size(); rank++) {
            if (!(mergeList.get(rank) instanceof String rule)) {
                throw meta.error(MERGES, "entry " + rank + " is not a string");
            }
            int space = rule.indexOf(' ', 1);
            if (space < 0) {
                throw meta.error(MERGES, "entry " + rank + " '" + rule + "' is not two tokens separated by a space");
            }
            int r = rank;
            addMerge(merges, pieces, rank, rule.substring(0, space), rule.substring(space + 1),
                    reason -> meta.error(MERGES, "entry " + r + " '" + rule + "': " + reason));
        }
        boolean addBos = meta.bool(ADD_BOS, addBosDefault);
        BaseTokenizer.Specials specials = specials(meta, texts, types, bos, eos, addBos);
        return new BpeTokenizer(texts, types, pieces, merges, PreTokenizer.regex(SplitPatterns.compile(pattern)),
                s -> s, BpeTokenizer.Alphabet.BYTE_LEVEL, ignoreMerges, (char) 0, false, unk, specials);
    }

    /** Adds a merge rule after checking that both sides and their concatenation are tokens. */
    static void addMerge(MergeTable merges, Map<String, Integer> pieces, int rank, String left, String right,
                         java.util.function.Function<String, ModelFormatException> error) {
        Integer l = pieces.get(left);
        Integer r = pieces.get(right);
        Integer m = pieces.get(left + right);
        String missing = l == null ? left : r == null ? right : m == null ? left + right : null;
        if (missing != null) {
            throw error.apply("token '" + missing + "' is not in the vocabulary");
        }
        merges.putIfAbsent(l, r, rank, m);
    }

    private static BaseTokenizer.Specials specials(Meta meta, String[] texts, TokenType[] types, int bos, int eos,
                                                   boolean addBos) {
        int n = texts.length;
        Set<Integer> stops = new LinkedHashSet<>();
        if (eos >= 0) {
            stops.add(eos);
        }
        for (String key : List.of(EOT, EOM)) {
            int id = meta.id(key, n);
            if (id >= 0) {
                stops.add(id);
            }
        }
        stops.addAll(namedControlTokens(texts, types));
        Set<String> markers = new java.util.HashSet<>();
        for (int i = 0; i < n; i++) {
            if (types[i] == TokenType.CONTROL || types[i] == TokenType.USER_DEFINED) {
                markers.add(texts[i]);
            }
        }
        ChatTemplate chat = ChatTemplates.select(meta.string(CHAT_TEMPLATE), meta.string(ARCHITECTURE), markers::contains,
                bos >= 0 ? texts[bos] : "");
        return new BaseTokenizer.Specials(addBos ? bos : -1, eos, stops, chat);
    }

    static Set<Integer> namedControlTokens(String[] texts, TokenType[] types) {
        Set<String> names = Set.copyOf(STOP_NAMES);
        Set<Integer> ids = new LinkedHashSet<>();
        for (int i = 0; i < texts.length; i++) {
            if (types[i] == TokenType.CONTROL && names.contains(texts[i])) {
                ids.add(i);
            }
        }
        return ids;
    }

    private static int indexOf(String[] texts, String text) {
        for (int i = 0; i < texts.length; i++) {
            if (texts[i].equals(text)) {
                return i;
            }
        }
        return -1;
    }

    static int firstOfType(TokenType[] types, TokenType type) {
        for (int i = 0; i < types.length; i++) {
            if (types[i] == type) {
                return i;
            }
        }
        return -1;
    }

}
