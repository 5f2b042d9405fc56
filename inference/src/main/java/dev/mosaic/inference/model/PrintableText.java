package dev.mosaic.inference.model;

/**
 * Makes text that comes from a model file (metadata keys and values, tensor names, paths) safe
 * to print on a terminal: a file could otherwise hide escape sequences there that recolour,
 * retitle or rewrite the user's terminal. Control characters (C0, DEL, C1), the line and
 * paragraph separators and the bidirectional-override marks become {@code \}{@code uXXXX}
 * escapes; everything else, other non-ASCII text included, is kept. Stateless and thread-safe.
 */
public final class PrintableText {
    private PrintableText() {}

    /** {@code s} with every character that could act on a terminal written as {@code \}{@code uXXXX}; {@code null} stays "null". */
    public static String escape(String s) {
        if (s == null) {
            return "null";
        }
        int first = 0;
        while (first < s.length() && !unsafe(s.charAt(first))) {
            first++;
        }
        if (first == s.length()) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length() + 16).append(s, 0, first);
        for (int i = first; i < s.length(); i++) {
            char c = s.charAt(i);
            if (unsafe(c)) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** {@link #escape(String)} of {@code o}'s string form. */
    public static String escape(Object o) {
        return escape(String.valueOf(o));
    }

    private static boolean unsafe(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029 || c == 0x061c
                || c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
    }
}
