package dev.mosaic.cli;

/**
 * C-style escapes in command-line strings, so that {@code --stop "\n\n"} means two newlines (a
 * shell passes the backslashes through): {@code \n \t \r \0 \\ \" \'} and {@code \}{@code uXXXX}.
 */
final class Escapes {

    private Escapes() {}

    /**
     * The string with its escapes replaced.
     *
     * @param option named in the error for a bad escape
     * @throws BadInputException for an unknown or truncated escape
     */
    static String unescape(String s, String option) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (i + 1 >= s.length()) {
                throw new BadInputException(option + " '" + s + "': a trailing backslash escapes nothing (write \\\\ for a backslash)");
            }
            char e = s.charAt(++i);
            switch (e) {
                case 'n' -> sb.append('\n');
                case 't' -> sb.append('\t');
                case 'r' -> sb.append('\r');
                case '0' -> sb.append('\0');
                case '\\', '"', '\'' -> sb.append(e);
                case 'u' -> {
                    if (i + 5 > s.length()) {
                        throw new BadInputException(option + " '" + s + "': \\u needs four hex digits");
                    }
                    String hex = s.substring(i + 1, i + 5);
                    try {
                        sb.append((char) Integer.parseInt(hex, 16));
                    } catch (NumberFormatException ex) {
                        throw new BadInputException(option + " '" + s + "': \\u" + hex + " is not four hex digits");
                    }
                    i += 4;
                }
                default -> throw new BadInputException(option + " '" + s + "': unknown escape \\" + e
                        + " (known: \\n \\t \\r \\0 \\\\ \\\" \\' \\uXXXX)");
            }
        }
        return sb.toString();
    }
}
