package dev.mosaic.inference.tokenizer;

import java.util.regex.Pattern;

/**
 * The pre-tokenizer split regexes of the byte-level BPE vocabularies we support, as their
 * tokenizers publish them. Java's regex syntax accepts them unchanged; what needs care is
 * {@code \s}, which in Java means ASCII whitespace unless {@link Pattern#UNICODE_CHARACTER_CLASS}
 * is set, while the Oniguruma/Rust/Python engines these patterns were written for use Unicode
 * White_Space (U+00A0, U+3000, ...).
 *
 * <p>Constants only; thread-safe.
 */
public final class SplitPatterns {

    /** GPT-2 (also the ByteLevel pre-tokenizer's built-in regex): letters, digits, other runs, each with one optional leading space. */
    public static final String GPT2 =
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    /** Llama 3: case-insensitive contractions, numbers in groups of up to three digits, newline runs kept apart. */
    public static final String LLAMA3 =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
                    + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** Qwen2: like Llama 3 but every digit on its own. */
    public static final String QWEN2 =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
                    + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private SplitPatterns() {}

    /** Compiles a tokenizer's split regex with Unicode semantics for {@code \s}, {@code \w}, {@code \d} and case folding. */
    public static Pattern compile(String regex) {
        return Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
    }
}
