package dev.mosaic.inference.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Tiny vocabularies built in code, as GGUF metadata maps (lists, Long ids, Double scores, like Model.metadata()). */
final class TestVocabs {

    private TestVocabs() {}

    /** Accumulates tokens with type and score. */
    static final class Builder {
        final List<Object> tokens = new ArrayList<>();
        final List<Object> scores = new ArrayList<>();
        final List<Object> types = new ArrayList<>();
        final List<Object> merges = new ArrayList<>();
        final Map<String, Object> extra = new HashMap<>();

        int add(String text, double score, TokenType type) {
            tokens.add(text);
            scores.add(score);
            types.add((long) type.code());
            return tokens.size() - 1;
        }

        int normal(String text, double score) {
            return add(text, score, TokenType.NORMAL);
        }

        int id(String text) {
            int i = tokens.indexOf(text);
            if (i < 0) {
                throw new IllegalArgumentException("no token " + text);
            }
            return i;
        }

        Builder merge(String left, String right) {
            merges.add(left + " " + right);
            return this;
        }

        Builder put(String key, Object value) {
            extra.put(key, value);
            return this;
        }

        Map<String, Object> gguf(String model) {
            Map<String, Object> m = new HashMap<>(extra);
            m.put("tokenizer.ggml.model", model);
            m.put("tokenizer.ggml.tokens", List.copyOf(tokens));
            m.put("tokenizer.ggml.token_type", List.copyOf(types));
            if (model.equals("llama")) {
                m.put("tokenizer.ggml.scores", List.copyOf(scores));
            } else {
                m.put("tokenizer.ggml.merges", List.copyOf(merges));
            }
            return m;
        }
    }

    /**
     * SentencePiece vocabulary: 0 {@code <unk>}, 1 {@code <s>}, 2 {@code </s>}, 3..258 the byte
     * tokens {@code <0x00>..<0xFF>} (id = 3 + byte), then the pieces added by the caller.
     */
    static Builder sentencePiece() {
        Builder b = new Builder();
        b.add("<unk>", 0, TokenType.UNKNOWN);
        b.add("<s>", 0, TokenType.CONTROL);
        b.add("</s>", 0, TokenType.CONTROL);
        for (int i = 0; i < 256; i++) {
            b.add(String.format("<0x%02X>", i), 0, TokenType.BYTE);
        }
        b.put("tokenizer.ggml.bos_token_id", 1L).put("tokenizer.ggml.eos_token_id", 2L).put("tokenizer.ggml.unknown_token_id", 0L);
        return b;
    }

    /** Byte-level vocabulary whose ids 0..255 are the GPT-2 characters of bytes 0..255 (id = byte value). */
    static Builder byteLevel() {
        Builder b = new Builder();
        for (int i = 0; i < 256; i++) {
            b.normal(String.valueOf(ByteLevel.charOf(i)), 0);
        }
        return b;
    }

    /** Adds a merge rule and its result token; returns the new token's id. */
    static int mergeToken(Builder b, String left, String right) {
        b.merge(left, right);
        return b.normal(left + right, 0);
    }
}
