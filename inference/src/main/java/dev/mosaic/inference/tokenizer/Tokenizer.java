package dev.mosaic.inference.tokenizer;

import java.util.Optional;
import java.util.Set;

/**
 * Turns text into token ids and back, for one model's vocabulary. Implementations are immutable
 * and safe to share between threads.
 *
 * <p>Text is tokenized as its UTF-8 bytes. A lone (unpaired) UTF-16 surrogate has no UTF-8
 * form: it is encoded as U+FFFD REPLACEMENT CHARACTER, as other tokenizers do (a lone U+D800
 * gives the same ids as U+FFFD). A surrogate pair is one code point and encoded as such.
 *
 * <p>Obtain one from {@link Tokenizers}: from GGUF metadata, from a Hugging Face
 * {@code tokenizer.json}, or for a loaded model.
 */
public interface Tokenizer {

    /** Encodes text without BOS/EOS; control tokens written in the text are treated as plain text. */
    default int[] encode(String text) {
        return encode(text, false);
    }

    /**
     * Encodes text without adding BOS/EOS.
     *
     * @param allowSpecial when true, control tokens written in the text (such as
     *     {@code <|eot_id|>}) become their single ids; when false they are encoded as ordinary
     *     text. User-defined (non-special added) tokens are always matched.
     */
    int[] encode(String text, boolean allowSpecial);

    /**
     * The text of these ids: the UTF-8 decoding of the concatenated {@link #tokenBytes}, with
     * malformed sequences replaced by U+FFFD. SentencePiece vocabularies that prefix a space when
     * encoding drop that one leading space again, so {@code decode(encode(s)).equals(s)} for text
     * without special tokens.
     *
     * @throws IllegalArgumentException for an id outside {@code [0, vocabSize())}
     */
    String decode(int[] ids);

    /**
     * The raw UTF-8 bytes this token contributes to the text: possibly a partial UTF-8 sequence
     * (byte tokens), empty for control tokens. A fresh array on each call.
     *
     * @throws IllegalArgumentException for an id outside {@code [0, vocabSize())}
     */
    byte[] tokenBytes(int id);

    /** The id to put in front of a prompt, or -1 if this model does not use one. */
    int bosId();

    /** The end-of-sequence id, or -1 if none is known. */
    int eosId();

    /** Ids that end generation: EOS and end-of-turn tokens such as {@code <|eot_id|>} or {@code <|im_end|>}. */
    Set<Integer> stopIds();

    /** Number of token ids ({@code ids} run from 0 to {@code vocabSize() - 1}). */
    int vocabSize();

    /** Whether this id is a control token (BOS, EOS, chat markers, ...). */
    boolean isSpecial(int id);

    /** The chat format of this model, if it has one this library knows. */
    Optional<ChatTemplate> chatTemplate();
}
