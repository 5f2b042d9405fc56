package dev.mosaic.inference.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * GPT-2's reversible byte-to-character mapping: printable Latin-1 bytes map to themselves, the
 * other 68 bytes to U+0100 upwards (space becomes {@code Ġ}, newline {@code Ċ}), so that every
 * byte sequence is a string of visible characters that BPE merges can work on.
 */
final class ByteLevel {

    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[512];

    static {
        Arrays.fill(CHAR_TO_BYTE, -1);
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + n++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteLevel() {}

    /** The character standing for byte {@code b} (0..255). */
    static char charOf(int b) {
        return BYTE_TO_CHAR[b];
    }

    /** The byte a character stands for, or -1 if it is not one of the 256 mapped characters. */
    static int byteOf(char c) {
        return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    }

    /** Maps the UTF-8 bytes of text to their characters. */
    static String encode(String text) {
        byte[] bs = text.getBytes(StandardCharsets.UTF_8);
        char[] cs = new char[bs.length];
        for (int i = 0; i < bs.length; i++) {
            cs[i] = BYTE_TO_CHAR[bs[i] & 0xFF];
        }
        return new String(cs);
    }

    /**
     * The bytes a token's text stands for. Characters outside the mapping (which well-formed
     * byte-level vocabularies do not have) are kept as their own UTF-8.
     */
    static byte[] decode(String token) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(token.length());
        for (int i = 0; i < token.length(); i++) {
            int b = byteOf(token.charAt(i));
            if (b >= 0) {
                out.write(b);
            } else {
                int cp = token.codePointAt(i);
                byte[] u = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
                out.write(u, 0, u.length);
                i += Character.charCount(cp) - 1;
            }
        }
        return out.toByteArray();
    }
}
