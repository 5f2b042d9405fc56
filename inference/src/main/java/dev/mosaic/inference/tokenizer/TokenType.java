package dev.mosaic.inference.tokenizer;

/**
 * Kinds of vocabulary entries, with the codes of GGUF's {@code tokenizer.ggml.token_type}.
 *
 * <p>Immutable; thread-safe.
 */
public enum TokenType {
    /** Ordinary piece of text, produced by merges. */
    NORMAL(1),
    /** The unknown-token placeholder. */
    UNKNOWN(2),
    /** Control token (BOS, EOS, chat markers): no text of its own, matched only when allowed. */
    CONTROL(3),
    /** Added token that is always matched in text as a whole and decodes to its own text. */
    USER_DEFINED(4),
    /** Reserved slot that never appears. */
    UNUSED(5),
    /** Byte-fallback token {@code <0xNN>}. */
    BYTE(6);

    private final int code;

    TokenType(int code) {
        this.code = code;
    }

    /** The GGUF code. */
    public int code() {
        return code;
    }

    /** The type with this GGUF code, or {@code null} if the code is unknown. */
    static TokenType ofCode(long code) {
        for (TokenType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return null;
    }
}
