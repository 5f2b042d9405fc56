package dev.mosaic.inference.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What every vocabulary shares: token texts and kinds, their bytes, added-token matching,
 * BOS/EOS/stop ids and the chat template. Subclasses encode the text between added tokens.
 */
abstract sealed class BaseTokenizer implements Tokenizer permits SentencePieceTokenizer, BpeTokenizer {

    /** Ids, kinds and chat format that come from the file rather than from the vocabulary itself. */
    record Specials(int bosId, int eosId, Set<Integer> stopIds, ChatTemplate chatTemplate) {
        Specials {
            stopIds = Set.copyOf(stopIds);
        }
    }

    final String[] texts;
    final TokenType[] types;
    private final byte[][] bytes;
    private final SpecialTokenMatcher matcher;
    private final Specials specials;
    private final boolean stripLeadingSpace;

    /**
     * @param bytes what each token contributes to decoded text
     * @param stripLeadingSpace whether encoding puts a space in front of the text that decoding removes
     */
    BaseTokenizer(String[] texts, TokenType[] types, byte[][] bytes, Specials specials, boolean stripLeadingSpace) {
        this.texts = texts;
        this.types = types;
        this.bytes = bytes;
        this.specials = specials;
        this.stripLeadingSpace = stripLeadingSpace;
        this.matcher = new SpecialTokenMatcher(texts, types);
    }

    /**
     * Encodes a stretch of text that contains no added tokens.
     *
     * @param first whether it starts the input or follows an added token
     */
    abstract void encodeText(String text, boolean first, IntList out);

    @Override
    public final int[] encode(String text, boolean allowSpecial) {
        Objects.requireNonNull(text, "text");
        text = replaceLoneSurrogates(text);
        IntList out = new IntList(text.length() / 3 + 4);
        boolean first = true;
        for (SpecialTokenMatcher.Segment s : matcher.split(text, allowSpecial)) {
            if (s.isToken()) {
                out.add(s.id());
                first = true;
            } else {
                encodeText(text.substring(s.start(), s.end()), first, out);
                first = false;
            }
        }
        return out.toArray();
    }

    @Override
    public final String decode(int[] ids) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(ids.length * 4);
        boolean atStart = true;
        for (int id : ids) {
            byte[] b = bytesOf(id);
            if (b.length == 0) {
                continue;
            }
            int from = atStart && stripLeadingSpace && b[0] == ' ' ? 1 : 0;
            buf.write(b, from, b.length - from);
            atStart = false;
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Override
    public final byte[] tokenBytes(int id) {
        return bytesOf(id).clone();
    }

    private byte[] bytesOf(int id) {
        if (id < 0 || id >= bytes.length) {
            throw new IllegalArgumentException("token id " + id + " outside the vocabulary [0, " + bytes.length + ")");
        }
        return bytes[id];
    }

    @Override
    public final int bosId() {
        return specials.bosId();
    }

    @Override
    public final int eosId() {
        return specials.eosId();
    }

    @Override
    public final Set<Integer> stopIds() {
        return specials.stopIds();
    }

    @Override
    public final int vocabSize() {
        return texts.length;
    }

    @Override
    public final boolean isSpecial(int id) {
        bytesOf(id);
        return types[id] == TokenType.CONTROL;
    }

    @Override
    public final Optional<ChatTemplate> chatTemplate() {
        return Optional.ofNullable(specials.chatTemplate());
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + texts.length + " tokens, bos " + bosId() + ", eos " + eosId() + ", stops "
                + stopIds() + ", chat " + chatTemplate().map(t -> t.getClass().getSimpleName()).orElse("none") + "]";
    }

    /** The text of a token as the vocabulary stores it (for diagnostics). */
    final String tokenText(int id) {
        bytesOf(id);
        return texts[id];
    }

    /**
     * The text with each unpaired surrogate replaced by U+FFFD, which is what UTF-8 can say about
     * it (String.getBytes would write '?', a different token, without a word).
     */
    static String replaceLoneSurrogates(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!Character.isSurrogate(c)) {
                continue;
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
                continue;
            }
            if (out == null) {
                out = new StringBuilder(text);
            }
            out.setCharAt(i, '\uFFFD');
        }
        return out == null ? text : out.toString();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The byte of a {@code <0xNN>} token text, or -1 if the text is not one. */
    static int byteTokenValue(String text) {
        if (text == null || text.length() != 6 || !text.startsWith("<0x") || text.charAt(5) != '>') {
            return -1;
        }
        int hi = Character.digit(text.charAt(3), 16);
        int lo = Character.digit(text.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }
}
